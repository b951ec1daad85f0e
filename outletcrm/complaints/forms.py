"""Page forms of complaints (the API has its serializers; both call the same services)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.complaints.choices import (
    Category,
    Channel,
    Resolution,
    Satisfaction,
    Severity,
    Status,
)
from outletcrm.core.forms import BoundedDateField

TEXT = {"class": "form-control", "rows": 3}
SELECT = {"class": "form-select"}
MONEY = {"class": "form-control", "step": "0.01", "min": "0", "inputmode": "decimal"}


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status"))] + list(Status.choices),
                               widget=forms.Select(attrs={**SELECT, "class": "form-select"}))
    severity = forms.ChoiceField(label=_("Severity"), required=False,
                                 choices=[("", _("Any severity"))] + list(Severity.choices),
                                 widget=forms.Select(attrs=SELECT))
    breached = forms.BooleanField(label=_("Target missed"), required=False)
    soon = forms.BooleanField(label=_("Due within the hour"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)


class IntakeForm(forms.Form):
    contact = forms.ModelChoiceField(label=pgettext_lazy("complaint", "Contact"), queryset=None, required=False,
                                     widget=forms.Select(attrs=SELECT))
    channel = forms.ChoiceField(label=pgettext_lazy("complaint", "Channel"), choices=Channel.choices,
                                widget=forms.Select(attrs=SELECT))
    category = forms.ChoiceField(label=pgettext_lazy("complaint", "Category"), choices=Category.choices,
                                 widget=forms.Select(attrs=SELECT))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices,
                                 initial=Severity.NORMAL, widget=forms.Select(attrs=SELECT))
    description = forms.CharField(label=_("What the customer says"), max_length=2000,
                                  widget=forms.Textarea(attrs=TEXT))
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False,
                                      empty_label=_("The customer's rep"),
                                      widget=forms.Select(attrs=SELECT))
    photo = forms.FileField(label=pgettext_lazy("complaint", "Photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"class": "form-control",
                                                                   "accept": "image/*"}))

    def __init__(self, *args, customer, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields["assignee"].queryset = assignees.order_by("username")


class TextForm(forms.Form):
    text = forms.CharField(label=_("What was said or done"), max_length=2000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class CommitForm(forms.Form):
    date = BoundedDateField(label=_("Date promised to the customer"),
                            widget=forms.DateInput(attrs={"class": "form-control",
                                                          "type": "date"}))
    note = forms.CharField(label=pgettext_lazy("complaint", "Note"), max_length=2000, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


class ResolveForm(forms.Form):
    resolution_type = forms.ChoiceField(label=_("Resolution"), choices=Resolution.choices,
                                        widget=forms.Select(attrs=SELECT))
    note = forms.CharField(label=_("What was done"), max_length=2000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 2}))
    market_price = forms.DecimalField(label=_("Market price seen"), required=False,
                                      min_value=0, max_value=10_000_000, decimal_places=2,
                                      max_digits=10, widget=forms.NumberInput(attrs=MONEY))
    competitor_quote = forms.DecimalField(label=_("Competitor's quote"), required=False,
                                          min_value=0, max_value=10_000_000, decimal_places=2,
                                          max_digits=10, widget=forms.NumberInput(attrs=MONEY))
    competitor_entry = forms.ModelChoiceField(label=pgettext_lazy("complaint", "Competitor"), queryset=None,
                                              required=False, widget=forms.Select(attrs=SELECT))

    def __init__(self, *args, complaint, price_check: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competitor_entry"].queryset = complaint.customer.competitors.all()
        if not price_check:
            for name in ("market_price", "competitor_quote", "competitor_entry"):
                del self.fields[name]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why is it reopened?"), max_length=2000,
                             widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class CloseForm(forms.Form):
    note = forms.CharField(label=pgettext_lazy("complaint", "Note"), max_length=2000, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Hand to"), queryset=None,
                                      widget=forms.Select(attrs=SELECT))
    note = forms.CharField(label=pgettext_lazy("complaint", "Note"), max_length=2000, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees.order_by("username")


class SatisfactionForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Satisfaction"), choices=Satisfaction.choices,
                                   coerce=int, widget=forms.Select(attrs=SELECT))
    note = forms.CharField(label=pgettext_lazy("complaint", "Note"), max_length=2000, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


class PhotoForm(forms.Form):
    image = forms.FileField(label=pgettext_lazy("complaint", "Photo"), widget=forms.ClearableFileInput(
        attrs={"class": "form-control", "accept": "image/*"}))


class ReportForm(forms.Form):
    since = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(
        attrs={"class": "form-control", "type": "date"}))
    until = BoundedDateField(label=_("To"), required=False, widget=forms.DateInput(
        attrs={"class": "form-control", "type": "date"}))
