"""Record who changed what (dynamic management, brief §7)."""

import datetime
import decimal
from collections.abc import Iterable

from django.db import models

from outletcrm.core.models import ChangeLog


def _plain(value):
    """Turn a field value into something JSON keeps and people can read."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    """Values of `fields` on `instance`, foreign keys by their display text."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            if instance.pk:
                values[name] = sorted(str(o) for o in getattr(instance, name).all())
            else:
                values[name] = []
        elif field.is_relation:
            values[name] = _plain(getattr(instance, name))
        elif field.choices:
            values[name] = getattr(instance, f"get_{name}_display")()
        else:
            values[name] = _plain(getattr(instance, name))
    return values


def diff(before: dict, after: dict) -> dict:
    """Fields whose value changed, as {field: [old, new]}."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def record_change(
    *, instance: models.Model, action: str, actor, changes: dict | None = None,
    customer_id: int | None = None, note: str = "",
) -> ChangeLog:
    """Write one history entry."""
    return ChangeLog.objects.create(
        object_type=instance._meta.model_name,
        object_id=instance.pk,
        customer_id=customer_id,
        object_repr=str(instance)[:200],
        action=action,
        changes=changes or {},
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:300],
    )
