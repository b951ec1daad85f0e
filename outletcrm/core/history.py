"""Record who changed what (dynamic management, brief §7).

Values are kept language-neutrally where they have a label (core.i18n): a choice field keeps
its label's message, a record of a configurable list both its names, so a reader sees the
history in their own language whoever wrote it.
"""

import datetime
import decimal
from collections.abc import Iterable, Mapping

from django.db import models

from outletcrm.core import i18n
from outletcrm.core.models import ChangeLog


def _plain(value):
    """Turn a field value into something JSON keeps and people can read."""
    if isinstance(value, models.Model):
        return i18n.name(value)
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
            values[name] = i18n.param(i18n.label(instance, name))
        else:
            values[name] = _plain(getattr(instance, name))
    return values


def diff(before: dict, after: dict) -> dict:
    """Fields whose value changed, as {field: [old, new]}."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def record_change(
    *, instance: models.Model, action: str, actor, changes: dict | None = None,
    customer_id: int | None = None, note="", note_params: Mapping | None = None,
) -> ChangeLog:
    """Write one history entry.

    `note` is either what a person typed (kept as typed) or the system's own note: a lazy
    message with its `note_params`, stored language-neutrally (core.i18n).
    """
    note, note_message = i18n.store(note, note_params, max_length=300)
    return ChangeLog.objects.create(
        object_type=instance._meta.model_name,
        object_id=instance.pk,
        customer_id=customer_id,
        object_repr=str(instance)[:200],
        action=action,
        changes=changes or {},
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
        note_message=note_message,
    )
