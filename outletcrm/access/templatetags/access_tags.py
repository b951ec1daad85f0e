from django import template

from outletcrm.core import scoping

register = template.Library()


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return (mapping or {}).get(key)


@register.filter
def is_archive_keeper(user) -> bool:
    """Custodians and administrators (the access report, the inboxes, the export list)."""
    return scoping.is_archive_keeper(user)
