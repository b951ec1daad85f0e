"""Forms of the evaluation pages. They check types only; the services check the meaning."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.customers.choices import ClassScheme
from outletcrm.customers.models import CustomerClass
from outletcrm.evaluation import sources
from outletcrm.evaluation.choices import Dimension, Direction, ProposalStatus
from outletcrm.evaluation.models import ClassificationSettings


def _styled(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


class ModelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("Used for classification"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


def source_choices():
    return [(s.name, s.label) for s in sources.all_sources()]


class IndicatorForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, required=False)
    name = forms.CharField(label=_("Name"), max_length=80)
    dimension = forms.ChoiceField(label=_("Dimension"), choices=Dimension.choices)
    source = forms.ChoiceField(label=pgettext_lazy("indicator", "Source"), choices=())
    source_key = forms.CharField(label=_("Value"), max_length=60)
    weight = forms.DecimalField(label=_("Weight"), max_digits=6, decimal_places=2)
    standard = forms.DecimalField(label=_("Standard value"), max_digits=16, decimal_places=2)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    cap = forms.DecimalField(label=_("Cap (× standard)"), max_digits=4, decimal_places=2,
                             initial=1)
    unit = forms.CharField(label=pgettext_lazy("indicator", "Unit"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices()
        _styled(self)


class BandForm(forms.Form):
    grade = forms.CharField(label=_("Grade"), max_length=20)
    min_score = forms.DecimalField(label=_("From score"), max_digits=6, decimal_places=2)
    customer_class = forms.ModelChoiceField(
        label=_("Proposed class"), required=False,
        queryset=CustomerClass.objects.filter(scheme=ClassScheme.IMPORTANCE))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=2, can_delete=True,
                                         max_num=40, absolute_max=60, validate_max=True)
BandFormSet = forms.formset_factory(BandForm, extra=1, can_delete=True, max_num=10,
                                    absolute_max=20, validate_max=True)


class DecideForm(forms.Form):
    note = forms.CharField(label=pgettext_lazy("proposal", "Note"), max_length=300,
                           required=False)


class ProposalFilterForm(forms.Form):
    status = forms.ChoiceField(label=pgettext_lazy("proposal", "Status"), required=False,
                               choices=[("", _("All")), *ProposalStatus.choices])


class ManualValueForm(forms.Form):
    key = forms.SlugField(max_length=60)
    value = forms.DecimalField(max_digits=16, decimal_places=2, required=False, min_value=0)


class RulesForm(forms.ModelForm):
    class Meta:
        model = ClassificationSettings
        fields = ["auto_apply", "a_share", "b_share", "recency_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)
