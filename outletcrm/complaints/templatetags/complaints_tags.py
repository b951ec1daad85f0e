"""Working time in a page: 95 working minutes → "1 h 35 min"."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def working_time(minutes) -> str:
    """Working minutes as hours and minutes (a working day is 8 hours)."""
    if minutes is None:
        return "—"
    minutes = abs(int(minutes))
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": rest}
