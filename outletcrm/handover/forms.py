"""The handover page's form: whose customers, which of them, to whom, how split."""

from django import forms
from django.utils.translation import gettext_lazy as _

from outletcrm.core import scoping
from outletcrm.customers.choices import Status
from outletcrm.customers.forms import BootstrapMixin
from outletcrm.customers.models import Customer, CustomerClass
from outletcrm.handover.choices import SplitMode
from outletcrm.org.models import Region, Role, User


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.username})" if obj.display_name else obj.username


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.username})" if obj.display_name else obj.username


class ReceiversWidget(forms.SelectMultiple):
    """The receivers' list without the departing rep: his option is rendered disabled and
    hidden (so it is not offered, and comes back when another departing rep is chosen:
    frontend/app.js, data-exclude-value-of)."""

    excluded: str = ""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if self.excluded and str(value) == self.excluded:
            option["attrs"].update(disabled=True, hidden=True)
            option["selected"] = False
            option["attrs"].pop("selected", None)
        return option


class HandoverForm(BootstrapMixin, forms.Form):
    """Read from the query string for the preview and from the body to confirm."""

    from_rep = PersonChoiceField(queryset=None, label=_("Hand over the customers of"))
    to_reps = PeopleChoiceField(queryset=None, label=_("Hand them to"),
                                widget=ReceiversWidget(attrs={
                                    "size": 6, "data-exclude-value-of": "id_from_rep"}))
    region = forms.ModelChoiceField(queryset=Region.objects.all(), required=False,
                                    label=_("Only in region"))
    customer_class = forms.ModelChoiceField(
        queryset=CustomerClass.objects.filter(scheme="importance"), required=False,
        label=_("Only of class"))
    status = forms.ChoiceField(choices=[("", "—")] + Status.choices, required=False,
                               label=_("Only with status"))
    customers = forms.CharField(
        required=False, max_length=20_000, label=_("Only these customers"),
        help_text=_("Customer numbers separated by commas or spaces; empty for all."))
    mode = forms.ChoiceField(choices=SplitMode.choices, initial=SplitMode.EVEN, label=_("Split"))
    deactivate = forms.BooleanField(
        required=False, label=_("Deactivate the departing rep's account now"),
        help_text=_("His sessions and API token end at once. Needs all his customers handed "
                    "over."))
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        receiving = scoping.reps_in_scope(user).exclude(pk=user.pk).order_by("username")
        # The departing rep may already be inactive (deactivated first, handed over now).
        departing = scoping.restrict_to_reps(
            User.objects.filter(role__in=[Role.REP, Role.SUPERVISOR]), user, via="",
        ).exclude(pk=user.pk).order_by("username")
        self.fields["from_rep"].queryset = departing
        self.fields["to_reps"].queryset = receiving
        # Not offered as a receiver: the departing rep chosen (the service refuses him too).
        chosen = str(self.data.get(self.add_prefix("from_rep")) or "") if self.is_bound else ""
        self.fields["to_reps"].widget.excluded = chosen if chosen.isdigit() else ""
        self.style_fields()

    def clean(self):
        data = super().clean()
        from_rep, to_reps = data.get("from_rep"), data.get("to_reps") or ()
        if from_rep is not None and any(rep.pk == from_rep.pk for rep in to_reps):
            self.add_error("to_reps", _("A rep cannot hand customers over to himself."))
        return data

    def clean_customers(self) -> list[int] | None:
        text = (self.cleaned_data.get("customers") or "").replace("，", ",")
        codes = [c.strip().upper() for c in text.replace(",", " ").split() if c.strip()]
        if not codes:
            return None
        if len(codes) > 10_000:
            raise forms.ValidationError(_("Choose at most %(n)s customers.") % {"n": 10_000})
        found = dict(scoping.restrict(Customer.objects.filter(code__in=codes), self.user)
                     .values_list("code", "pk"))
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("No customer with number %(codes)s among the customers you can see.")
                % {"codes": "、".join(unknown[:10])})
        return [found[c] for c in codes]

    def selection(self) -> dict:
        data = self.cleaned_data
        return {
            "region": data["region"].pk if data.get("region") else None,
            "customer_class": data["customer_class"].pk if data.get("customer_class") else None,
            "status": data.get("status") or "",
            "customer_ids": data.get("customers"),
            "mode": data.get("mode") or "even",
        }

