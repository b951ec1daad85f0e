"""API filters that parse ids, numbers and dates with core.params (issue 7, §3).

django-filter's stock filters hand `?owner=99999999999999999999` to the database (an
OverflowError on SQLite, a 500) and accept `?date_from=0001-01-01`. `FilterSet` here is the base
of every API filter set: the filters it builds for model fields, and the `IdFilter`,
`IdChoiceFilter` and `DateFilter` an explicit filter set declares, refuse such values with a
400 and a clear message. `FilterBackend` (settings.REST_FRAMEWORK) uses it for the filter sets
it builds from a view's `filterset_fields`, so no view can forget.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.db import models
from django_filters import fields as filter_fields
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as RestFilterSet
from drf_spectacular.utils import extend_schema_field

from outletcrm.core import params
from outletcrm.core.forms import BoundedDateField, BoundedIntegerField, IdField

INTEGER_FIELDS = (models.AutoField, models.IntegerField)  # Big/Small/Positive… are subclasses


def _is_integer_target(field) -> bool:
    """Whether a model choice field looks its values up by an integer column."""
    model = field.queryset.model
    target = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
    return isinstance(target, INTEGER_FIELDS)


class IdModelChoiceField(filter_fields.ModelChoiceField):
    def to_python(self, value):
        if value in self.empty_values or (self.null_label is not None
                                          and value == self.null_value):
            return super().to_python(value)
        if _is_integer_target(self):
            try:
                value = params.parse_id(value)
            except ValidationError as exc:
                raise ValidationError(exc.messages, code="invalid_choice") from None
        return super().to_python(value)


class IdModelMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    def _check_values(self, value):
        if _is_integer_target(self):
            try:
                value = [v if self.null_label is not None and v == self.null_value
                         else params.parse_id(v) for v in value]
            except ValidationError as exc:
                raise ValidationError(exc.messages, code="invalid_pk_value") from None
        return super()._check_values(value)


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": params.MAX_ID}


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.NumberFilter):
    """`?customer=12`: one id, bounded; filters `<field_name>` (e.g. customer_id)."""

    field_class = IdField


class IntegerFilter(django_filters.NumberFilter):
    field_class = BoundedIntegerField


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdModelChoiceField


class IdMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = IdModelMultipleChoiceField


class DateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


def _replace(defaults: dict, old, new) -> dict:
    return {key: ({**spec, "filter_class": new} if spec.get("filter_class") is old else spec)
            for key, spec in defaults.items()}


_DEFAULTS = dict(RestFilterSet.FILTER_DEFAULTS)
for _old, _new in ((django_filters.ModelChoiceFilter, IdChoiceFilter),
                   (django_filters.ModelMultipleChoiceFilter, IdMultipleChoiceFilter),
                   (django_filters.DateFilter, DateFilter)):
    _DEFAULTS = _replace(_DEFAULTS, _old, _new)
for _field in (models.AutoField, models.SmallIntegerField, models.IntegerField,
               models.PositiveIntegerField, models.PositiveSmallIntegerField):
    _DEFAULTS[_field] = {"filter_class": IntegerFilter}


class FilterSet(RestFilterSet):
    """The base of every API filter set: ids, integers and dates are bounded."""

    FILTER_DEFAULTS = _DEFAULTS


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose generated filter sets start from core.filters.FilterSet."""

    filterset_base = FilterSet


__all__ = ["FilterBackend", "FilterSet", "IdFilter", "IdChoiceFilter", "IdMultipleChoiceFilter",
           "IntegerFilter", "DateFilter", "IdField", "BoundedDateField"]
