"""Forms of the churn pages."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.churn.choices import FlagStatus, Outcome
from outletcrm.churn.models import ChurnSettings


class HandleForm(forms.Form):
    outcome = forms.ChoiceField(label=pgettext_lazy("churn", "Outcome"), choices=Outcome.choices)
    note = forms.CharField(label=pgettext_lazy("churn", "Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(label=pgettext_lazy("churn flag", "Status"), required=False,
                               choices=[("", _("All")), *FlagStatus.choices])


class RulesForm(forms.ModelForm):
    class Meta:
        model = ChurnSettings
        fields = ["interval_multiple", "min_orders", "value_drop_percent", "dormant_days",
                  "lost_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
