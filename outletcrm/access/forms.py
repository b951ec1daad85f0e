"""Forms of archive governance pages (input parsed by core.params through core.forms)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core.forms import BoundedDateField
from outletcrm.core.models import BorrowRequest


class BorrowForm(forms.Form):
    """A borrowing request: which customers (ids from the exact search), why, for how long."""

    purpose = forms.ChoiceField(label=pgettext_lazy("access", "Purpose"), choices=BorrowRequest.Purpose.choices,
                                widget=forms.Select(attrs={"class": "form-select"}))
    reason = forms.CharField(label=pgettext_lazy("access", "Reason"), max_length=300, widget=forms.Textarea(
        attrs={"rows": 2, "maxlength": 300, "class": "form-control"}))
    starts_on = BoundedDateField(label=pgettext_lazy("access", "From"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    ends_on = BoundedDateField(label=pgettext_lazy("access", "Until (last day)"),
                               widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today + datetime.timedelta(days=2)


class DecideForm(forms.Form):
    """Approve or refuse, with an optional note."""

    decision = forms.ChoiceField(choices=[("approve", pgettext_lazy("access", "Approve")), ("refuse", pgettext_lazy("access", "Refuse"))])
    note = forms.CharField(max_length=300, required=False)


class PeriodForm(forms.Form):
    """The access report's period (default: this month so far), at most 92 days."""

    date_from = BoundedDateField(label=pgettext_lazy("access", "From"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    date_to = BoundedDateField(label=pgettext_lazy("access", "To"), required=False,
                               widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))

    MAX_DAYS = 92

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        start = data.get("date_from") or today.replace(day=1)
        end = data.get("date_to") or today
        if end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        elif (end - start).days + 1 > self.MAX_DAYS:
            self.add_error("date_to", _("Choose a period of at most %(days)s days.")
                           % {"days": self.MAX_DAYS})
        data["date_from"], data["date_to"] = start, end
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        if self.is_valid():
            return self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        today = timezone.localdate()
        return today.replace(day=1), today
