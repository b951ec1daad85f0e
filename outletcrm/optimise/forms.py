"""Parsing of the rep's base (start points, hours, transport); the service validates and saves."""

from django import forms

from outletcrm.optimise.models import RepBase


class RepBaseForm(forms.ModelForm):
    class Meta:
        model = RepBase
        fields = ["home_lat", "home_lng", "office_lat", "office_lng", "work_start", "work_end",
                  "mode"]
        widgets = {"work_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "work_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(
                field.widget, forms.Select) else "form-control")
