"""Form fields that parse ids, numbers and dates with core.params (issue 7, §3).

Page forms and the API's filter sets (core.filters) use them, so `?customer=` beyond 64 bits
or `?date_from=0001-01-01` is an error next to the field, never a query.
"""

from django import forms
from django.core.exceptions import ValidationError

from outletcrm.core import params


class IdField(forms.CharField):
    """A form field for one database id, parsed by params.parse_id."""

    def to_python(self, value):
        try:
            return params.parse_id(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages, code="invalid") from None


class BoundedIntegerField(forms.CharField):
    """A whole number that fits a 64-bit column."""

    def to_python(self, value):
        try:
            return params.parse_int(value, field="value", minimum=-params.MAX_ID,
                                    maximum=params.MAX_ID)
        except ValidationError as exc:
            raise ValidationError(exc.messages, code="invalid") from None


class BoundedDateField(forms.DateField):
    """A YYYY-MM-DD date within params.EARLIEST_DATE … LATEST_DATE (the widget stays a date)."""

    def to_python(self, value):
        try:
            return params.parse_date(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages, code="invalid") from None


