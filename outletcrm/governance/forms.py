"""Forms of archive governance pages."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from outletcrm.customers.models import Customer
from outletcrm.customers.services import CUSTOMER_FIELDS
from outletcrm.governance.models import GovernancePolicy

# Coordinates are one choice (latitude and longitude go together); longitude is not offered.
MERGE_FIELDS = [name for name in CUSTOMER_FIELDS if name != "longitude"]
SIDES = [("a", "A"), ("b", "B")]


def field_text(customer: Customer, name: str) -> str:
    """A customer's field as the desk shows it."""
    field = Customer._meta.get_field(name)
    if name == "latitude":
        if customer.latitude is None:
            return ""
        return f"{customer.latitude}, {customer.longitude}"
    value = customer._get_FIELD_display(field) if field.choices else getattr(customer, name)
    if value in (None, "", []):
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value)


def compare_rows(a: Customer, b: Customer) -> list[dict]:
    """The two records field by field (label, A's text, B's text, whether they differ)."""
    rows = []
    for name in MERGE_FIELDS:
        label = _("Coordinates") if name == "latitude" else Customer._meta.get_field(name).verbose_name
        left, right = field_text(a, name), field_text(b, name)
        rows.append({"name": name, "label": label, "a": left, "b": right,
                     "differs": left != right})
    return rows


class PairMergeForm(forms.Form):
    """Which record survives, and for each field that differs, whose value it keeps."""

    survivor = forms.ChoiceField(label=_("Record to keep"), choices=SIDES,
                                 widget=forms.RadioSelect)

    def __init__(self, *args, pair, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = compare_rows(pair.customer_a, pair.customer_b)
        for row in self.rows:
            if row["differs"]:
                # Default: the value that is there (A's unless A has none).
                initial = "b" if not row["a"] else "a"
                self.fields[f"f_{row['name']}"] = forms.ChoiceField(
                    label=row["label"], choices=SIDES, initial=initial, widget=forms.RadioSelect)
                row["field"] = f"f_{row['name']}"
        self.fields["survivor"].initial = "a"

    def chosen(self) -> dict[str, str]:
        return {row["name"]: self.cleaned_data[row["field"]] for row in self.rows
                if row["differs"]}


class DismissForm(forms.Form):
    note = forms.CharField(label=_("Why they are different outlets"), max_length=300,
                           required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for refusing"), max_length=300)


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("Why this record was created in error"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("I understand the record is deleted for good; only a "
                                         "tombstone remains."))


class PolicyForm(forms.ModelForm):
    class Meta:
        model = GovernancePolicy
        fields = ["new_customers_need_approval", "key_changes_need_approval", "approver",
                  "archive_lost_after_months"]
