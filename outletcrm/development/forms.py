"""Page forms of customer development (the API has its serializers)."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from outletcrm.core import scoping
from outletcrm.core.forms import BoundedDateField
from outletcrm.development import labels
from outletcrm.development.choices import REPORT_TEXT_FIELDS, ReportKind
from outletcrm.development.models import SurveyTemplate
from outletcrm.org.models import Region, Role, Team

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})
TEXT = {"class": "form-control"}


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           widget=forms.TextInput(attrs=TEXT))
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none(),
                                  widget=forms.Select(attrs={"class": "form-select"}))
    members = forms.ModelMultipleChoiceField(
        label=pgettext_lazy("sweep", "Reps"), queryset=Team.objects.none(),
        widget=forms.CheckboxSelectMultiple)
    starts_on = BoundedDateField(label=gettext_lazy("Starts on"), widget=DATE)
    ends_on = BoundedDateField(label=gettext_lazy("Ends on"), widget=DATE)
    region = forms.ModelChoiceField(label=gettext_lazy("Region"), queryset=Region.objects.all(),
                                    required=False,
                                    widget=forms.Select(attrs={"class": "form-select"}))
    area = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-area-field": "1"}),
                           max_length=200_000)
    template = forms.ModelChoiceField(label=gettext_lazy("Survey form"),
                                      queryset=SurveyTemplate.objects.all(), required=False,
                                      empty_label=gettext_lazy("Default form"),
                                      widget=forms.Select(attrs={"class": "form-select"}))
    grid_m = forms.IntegerField(label=gettext_lazy("Grid cell (m)"), min_value=50,
                                max_value=5000, initial=300,
                                widget=forms.NumberInput(attrs=TEXT))
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={**TEXT, "rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = scoping.reps_in_scope(user).filter(role=Role.REP).select_related("team")
        self.fields["members"].queryset = people
        teams = Team.objects.filter(pk__in=people.values("team_id")) | Team.objects.filter(
            pk=user.team_id or 0)
        if user.role == Role.ADMIN or user.is_superuser:
            teams = Team.objects.all()
        self.fields["team"].queryset = teams.distinct()

    def clean_area(self):
        raw = (self.cleaned_data.get("area") or "").strip()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ValidationError(_("Draw the area as a closed polygon of at least three "
                                    "points.")) from None


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           widget=forms.TextInput(attrs=TEXT))
    definition = forms.CharField(
        label=gettext_lazy("Sections and questions"), max_length=50_000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 22, "class": "form-control font-monospace"}))


class ReportForm(forms.Form):
    """The author's part of a report: the fields its kind asks for."""

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        text_labels = (labels.WORK_TEXT_LABELS if kind == ReportKind.WORK_WEEKLY
                       else labels.TEXT_LABELS)
        for name in REPORT_TEXT_FIELDS[kind]:
            self.fields[name] = forms.CharField(
                label=text_labels[name], required=False, max_length=5000,
                widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class CommentForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Comment"), max_length=2000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 2}))
