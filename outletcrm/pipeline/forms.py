"""Forms of the pipeline pages (inputs bounded by core.forms / core.params)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core.forms import BoundedDateField, IdField
from outletcrm.core.params import MAX_PERIOD_DAYS
from outletcrm.pipeline.choices import LostReason
from outletcrm.pipeline.selectors import GROUPS


class MoveForm(forms.Form):
    stage = IdField(label=_("Stage"))
    next_action = forms.CharField(label=_("Next action"), max_length=200, required=False)


class OutputForm(forms.Form):
    text = forms.CharField(label=_("Record"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))
    attachment = forms.FileField(label=_("Attachment"), required=False)


class LostForm(forms.Form):
    reason = forms.ChoiceField(label=_("Lost reason"), choices=LostReason.choices)
    note = forms.CharField(label=_("Lost reason (details)"), max_length=500, required=False)


class NextActionForm(forms.Form):
    next_action = forms.CharField(label=_("Next action"), max_length=200, required=False)
    next_action_on = BoundedDateField(label=_("Next action on"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))


class BoardFilterForm(forms.Form):
    owner = IdField(label=_("Owner rep"), required=False)
    q = forms.CharField(label=_("Search"), max_length=50, required=False)


class FunnelForm(forms.Form):
    date_from = BoundedDateField(label=pgettext_lazy("date range", "From"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    date_to = BoundedDateField(label=pgettext_lazy("date range", "To"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    group = forms.ChoiceField(label=_("Group by"), required=False,
                              choices=[("", _("No grouping")),
                                       *[(k, v[0]) for k, v in GROUPS.items()]])

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        data = self.cleaned_data
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or (date_to - datetime.timedelta(days=89))
        return date_from, date_to

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", _("The end date is before the start date."))
            elif (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("date_to", _("Choose a period of at most %(days)s days.")
                               % {"days": MAX_PERIOD_DAYS})
        return data
