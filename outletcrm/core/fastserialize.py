"""Serializers that read a row without DRF's per-row, per-field introspection (issue 11).

DRF's `Serializer.to_representation` asks every field of every row how to read its value:
`get_attribute` walks the source, and for each value it finds calls `is_simple_callable`,
which builds an `inspect.signature` of `get_status_display` and friends, once per row and
field. A 50-row list spends more time there than in the database.

`FastRepresentationMixin` works out once per serializer instance (the `many=True` child is
one instance per response) and model class how each readable field gets its value:

  * a plain model attribute or property: `getattr`;
  * a method without arguments (`get_*_display`): call it;
  * a related id (PrimaryKeyRelatedField and subclasses, no pk_field): the `<name>_id`
    column, as DRF's pk-only optimisation reads it;
  * anything else (nested serializers, method fields, dotted or `*` sources, many-related
    fields, list fields): DRF's own `field.get_attribute`, unchanged.

The value then goes through the field's own `to_representation` (None stays None), exactly as
in DRF, so the output is the same, byte for byte; tests/customers/test_api_fastpath.py holds
the customer list and card equal to the plain DRF serializer's.

`CachedFieldsMixin` builds a ModelSerializer's fields from its Meta once per class and hands
each instance deep copies (DRF rebuilds them from the model on every request otherwise).
"""

import copy
import functools
import inspect
import operator

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from rest_framework.fields import Field, SkipField, is_simple_callable
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField, RelatedField


def _identity(value):
    return value


def _call(name):
    def get(instance):
        return getattr(instance, name)()

    return get


def choice_labels(field) -> dict:
    """A model field's choices as {value: label}, the labels in the active language: what
    Django's `get_<field>_display` looks a value up in (`dict(make_hashable(flatchoices))`),
    made once by the caller instead of on every call."""
    labels = {}
    for value, label in field.flatchoices:  # as dict(): a repeated value keeps the last label
        labels[make_hashable(value)] = force_str(label, strings_only=True)
    return labels


@functools.lru_cache(maxsize=128)
def choice_labels_in(field, language: str | None) -> dict:
    """choice_labels(field) for `language`, the active language (the caller passes
    get_language()): the labels are fixed per language, so a list makes the map once per
    process and language, not once per response. Do not mutate the map."""
    return choice_labels(field)


def _display(model, name):
    """For Django's own `get_<field>_display` of `model`: a getter that looks the label up in
    a map made once (per serializer instance, so in the response's language), or None.

    Django's method rebuilds `dict(make_hashable(field.flatchoices))` on every call, which
    hashes, and so translates, every lazy label of the field: a 50-row list made 35,000
    gettext calls, a fifth of its CPU time (issue 11 profile). Same value, same result."""
    if not (name.startswith("get_") and name.endswith("_display")):
        return None
    method = inspect.getattr_static(model, name, None)
    if not (isinstance(method, functools.partialmethod)
            and method.func is Model._get_FIELD_display):
        return None
    field = method.keywords["field"]
    labels = choice_labels(field)
    attname = field.attname

    def get(instance):
        value = getattr(instance, attname)
        try:
            return labels.get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return force_str(labels.get(make_hashable(value), value), strings_only=True)

    return get


def _field_plan(field, instance):
    """(getter, to_representation) for one field; getter None means DRF's get_attribute."""
    attrs = field.source_attrs
    if field.source == "*" or len(attrs) != 1:
        return None, field.to_representation
    name = attrs[0]
    model = type(instance)
    if isinstance(field, RelatedField):
        if not (isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None
                and field.use_pk_only_optimization()):
            # StringRelatedField and others read the related object: plain getattr.
            if type(field).get_attribute is RelatedField.get_attribute and hasattr(
                    instance, name) and not callable(getattr(instance, name)):
                return operator.attrgetter(name), field.to_representation
            return None, field.to_representation
        try:
            model_field = model._meta.get_field(name)
        except (FieldDoesNotExist, AttributeError):
            return None, field.to_representation
        if not getattr(model_field, "concrete", False) or not model_field.is_relation:
            return None, field.to_representation
        return operator.attrgetter(model_field.attname), _identity
    if type(field).get_attribute is not Field.get_attribute:
        return None, field.to_representation
    try:
        value = getattr(instance, name)
    except Exception:  # noqa: BLE001 - let DRF's path raise or skip as it does
        return None, field.to_representation
    if is_simple_callable(value):
        return _display(model, name) or _call(name), field.to_representation
    if callable(value):
        return None, field.to_representation
    return operator.attrgetter(name), field.to_representation


class FastRepresentationMixin:
    """A Serializer whose to_representation reads each field the way worked out for the
    first row of each model class (see the module docstring); output identical to DRF's."""

    def _representation_plan(self, instance):
        plans = self.__dict__.setdefault("_fast_plans", {})
        plan = plans.get(type(instance))
        if plan is None:
            plan = []
            for field in self._readable_fields:
                getter, represent = _field_plan(field, instance)
                plan.append((field.field_name, field, getter, represent))
            plans[type(instance)] = plan
        return plan

    def to_representation(self, instance):
        ret = {}
        for name, field, getter, represent in self._representation_plan(instance):
            if getter is None:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
                check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
                ret[name] = None if check is None else field.to_representation(attribute)
            else:
                attribute = getter(instance)
                ret[name] = None if attribute is None else represent(attribute)
        return ret


class CachedFieldsMixin:
    """Build a ModelSerializer's declared and generated fields once per class."""

    def get_fields(self):
        cls = type(self)
        cached = cls.__dict__.get("_cached_fields")
        if cached is None:
            cached = super().get_fields()
            cls._cached_fields = cached
        return copy.deepcopy(cached)


def _label_getter(model, source: str):
    """For `get_<field>_display` of `model`: a function of the column value giving the same
    label Django's method gives (the lazy label translated now, in the request's language),
    or None when `source` is no such method."""
    if not (source.startswith("get_") and source.endswith("_display")):
        return None
    method = inspect.getattr_static(model, source, None)
    if not (isinstance(method, functools.partialmethod)
            and method.func is Model._get_FIELD_display):
        return None
    field = method.keywords["field"]
    labels = {}
    for value, label in field.flatchoices:  # as dict(): a repeated value keeps the last label
        labels[make_hashable(value)] = label

    def get(value):
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            label = labels.get(make_hashable(value), value)
        return force_str(label, strings_only=True)

    return field.attname, get


class ValuesRepresentation:
    """A serializer's output made from a dict of column values instead of a model instance
    (issue 11: the card's read). Built once per serializer class from an unbound instance;
    the fields' own `to_representation` turn each value into its JSON form, as DRF does, so
    the output is DRF's, byte for byte (tests/customers/test_api_fastpath.py).

    `special` maps field names to `function(row, context)`: their value as it goes into the
    output (nested lists, method fields, names of related records, properties). Every other
    readable field must be a plain column (read as row[source]), a related id (row[<attname>])
    or a `get_<field>_display` label (from row[<attname>]); anything else is refused here, at
    the first use, rather than served differently from DRF. The field objects are shared by
    every request and thread: only their `to_representation` is called, which keeps no state.
    """

    def __init__(self, serializer, *, special: dict, columns):
        model = serializer.Meta.model
        columns = set(columns)
        self.plan = []
        for field in serializer._readable_fields:
            name = field.field_name
            if name in special:
                self.plan.append((name, special[name], None))
                continue
            if field.source == "*" or len(field.source_attrs) != 1:
                raise TypeError(f"{type(serializer).__name__}.{name}: needs a special reader")
            source = field.source
            if isinstance(field, RelatedField):
                if not (isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None):
                    raise TypeError(f"{type(serializer).__name__}.{name}: needs a special reader")
                key, represent = model._meta.get_field(source).attname, None
            elif (label := _label_getter(model, source)) is not None:
                key, label_of = label

                def represent(value, _label=label_of, _field=field):
                    value = _label(value)
                    return None if value is None else _field.to_representation(value)
            else:
                key, represent = source, field.to_representation
            if key not in columns:
                raise TypeError(f"{type(serializer).__name__}.{name}: column {key} is not read")
            self.plan.append((name, key, represent))

    def __call__(self, row: dict, context=None) -> dict:
        out = {}
        for name, key, represent in self.plan:
            if represent is None:
                out[name] = key(row, context) if callable(key) else row[key]
            else:
                value = row[key]
                out[name] = None if value is None else represent(value)
        return out
