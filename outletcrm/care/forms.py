"""Page forms of customer care: a care rule, a family event, a gift, busy hours."""

from django import forms
from django.utils.translation import gettext_lazy as _

from outletcrm.care.models import CareRule, FamilyEvent, Gift
from outletcrm.core.forms import BoundedDateField
from outletcrm.customers.forms import BootstrapMixin
from outletcrm.customers.models import Contact, CustomerClass

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
            (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))]


class CareRuleForm(BootstrapMixin, forms.ModelForm):
    customer_classes = forms.ModelMultipleChoiceField(
        label=_("Customer classes"), required=False,
        queryset=CustomerClass.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every customer no other rule of this kind names by class."))

    class Meta:
        model = CareRule
        fields = ["name", "kind", "festival", "customer_classes", "action", "lead_days",
                  "every_days", "is_active", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()
        self.fields["customer_classes"].widget.attrs["class"] = "list-unstyled"

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields
                if name != "customer_classes"}
        return data


class FamilyEventForm(BootstrapMixin, forms.ModelForm):
    date = BoundedDateField(label=_("Date"), widget=DATE_WIDGET)

    class Meta:
        model = FamilyEvent
        fields = ["contact", "kind", "date", "is_lunar", "recurs_yearly", "note"]

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer)
        self.style_fields()

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class GiftForm(BootstrapMixin, forms.ModelForm):
    date = BoundedDateField(label=_("Date"), widget=DATE_WIDGET)

    class Meta:
        model = Gift
        fields = ["date", "contact", "description", "value", "chosen_by", "story"]
        widgets = {"story": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, customer, chooser_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer)
        self.fields["chosen_by"].queryset = chooser_queryset
        self.style_fields()

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class BusyHoursForm(BootstrapMixin, forms.Form):
    busy_from = forms.TimeField(label=_("Busy from"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}))
    busy_to = forms.TimeField(label=_("Busy until"), required=False,
                              widget=forms.TimeInput(attrs={"type": "time"}))
    busy_weekdays = forms.TypedMultipleChoiceField(
        label=_("Busy weekdays"), choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()
        self.fields["busy_weekdays"].widget.attrs["class"] = "list-unstyled"
