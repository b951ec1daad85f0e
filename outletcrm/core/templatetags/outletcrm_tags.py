"""Template helpers shared by every page: permissions, history rendering, badges."""

import datetime
from functools import cache

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.translation import gettext as _

from outletcrm.core import i18n, scoping

register = template.Library()

# Lifecycle status → Bootstrap colour (brief §3: potential → intent → active → dormant/lost).
STATUS_COLOURS = {
    "potential": "secondary",
    "intent": "info",
    "active": "success",
    "dormant": "warning",
    "lost": "danger",
}
TIMELINE_ICONS = {
    "archive": "bi-archive",
    "visit": "bi-geo-alt",
    "order": "bi-cart3",
    "complaint": "bi-exclamation-triangle",
    "care": "bi-gift",
    "call": "bi-telephone",
}


@register.filter
def page_query(number, param: str) -> dict[str, int]:
    """`{param: number}` for `{% querystring clean_query n|page_query:param %}`: lets one page
    hold two paged tables, each with its own page parameter (includes/pagination.html)."""
    return {param: number}


@register.filter
def can_view_audit(user) -> bool:
    return scoping.can_view_audit(user)


@register.filter
def can_archive(user) -> bool:
    return scoping.can_archive_customer(user)


@register.filter
def can_merge(user) -> bool:
    return scoping.can_merge_customers(user)


@register.filter
def can_edit(user) -> bool:
    return scoping.can_edit_customer(user)


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def timeline_icon(kind: str) -> str:
    return TIMELINE_ICONS.get(kind, "bi-dot")


@cache
def _model_for(object_type: str):
    """The model a ChangeLog.object_type (a model_name) refers to, in any app."""
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return model
    return None


@cache
def _field_order(object_type: str) -> dict[str, int]:
    """Field positions of a model, so changes read in the order of its form."""
    model = _model_for(object_type)
    if model is None:
        return {}
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
    return {field.name: position for position, field in enumerate(fields)}


def field_label(object_type: str, field_name: str) -> str:
    """The verbose name of a changed field, in the reader's language."""
    model = _model_for(object_type)
    if model is not None:
        try:
            return str(model._meta.get_field(field_name).verbose_name)
        except FieldDoesNotExist:
            pass
    return field_name


@register.filter
def object_type_label(object_type: str) -> str:
    model = _model_for(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def readable(value) -> str:
    """A history value as people read it: lists joined, dates localised, blanks as a dash."""
    if isinstance(value, dict):  # a label or name stored language-neutrally (core.i18n)
        value = i18n.render(value)
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return "、".join(readable(v) for v in value)
    if isinstance(value, str) and len(value) >= 8 and value[:4].isdigit():
        moment = parse_datetime(value) if "T" in value else None
        if moment is not None:
            return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
        day = parse_date(value) if len(value) == 10 else None
        if day is not None:
            return formats.date_format(day, "DATE_FORMAT")
    if isinstance(value, str) and len(value) in (5, 8) and value[2:3] == ":":
        moment = parse_time(value)
        if isinstance(moment, datetime.time):
            return moment.strftime("%H:%M")
    return str(value)


@register.filter
def change_rows(entry) -> list[dict]:
    """One ChangeLog entry's changes as rows of field label, old value and new value."""
    rows = []
    order = _field_order(entry.object_type)
    # PostgreSQL's jsonb does not keep key order, so order by the model's fields.
    changes = sorted((entry.changes or {}).items(), key=lambda item: order.get(item[0], 999))
    for name, pair in changes:
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        rows.append(
            {
                "label": field_label(entry.object_type, name),
                "old": readable(old),
                "new": readable(new),
                "had_old": old not in (None, "", []),
            }
        )
    return rows


@register.filter
def can_run_platform(user) -> bool:
    """Administrators see the company calendar and the job runs."""
    return scoping.can_run_platform(user)


@register.filter
def can_supervise_field(user) -> bool:
    """Supervisors, managers and administrators see the supervision and design pages."""
    return scoping.is_field_supervisor(user)


@register.filter
def run_duration(value) -> str:
    """A job run's duration, short: "0.4s", "12.0s", "3:05", "1:02:03"."""
    if value is None:
        return "—"
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def can_see_prospects(user) -> bool:
    """Whether the development pipeline is in the user's menu (core.scoping)."""
    return scoping.can_see_prospects(user)
