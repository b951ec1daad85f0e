"""The last line of defence against integers beyond a column's range (issue 7, §3).

Django already answers `pk=10**30` with "no match" (IntegerFieldOverflow), but not a lookup
through a relation (`owner=10**30`, `customer_id=…`) nor `__in` on either: those hand the
number to the driver, which raises OverflowError on SQLite and NumericValueOutOfRange on
PostgreSQL, a 500. The lookups registered here (core.apps) give the same "no match" answer.

Input is still parsed at the boundary (core.params), where the user gets a clear message; this
only guarantees that a value that slips through cannot crash a query.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def _integer_range(lookup, connection) -> tuple[int | None, int | None]:
    field = lookup.lhs.output_field
    field = getattr(field, "target_field", None) or field
    try:
        return connection.ops.integer_field_range(field.get_internal_type())
    except (KeyError, AttributeError):
        return None, None


def _in_range(value, low, high) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return True
    return (low is None or value >= low) and (high is None or value <= high)


class BoundedRelatedExact(RelatedExact):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and not _in_range(self.rhs, *_integer_range(self,
                                                                                    connection)):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class _BoundedInMixin:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and isinstance(self.rhs, list | tuple | set | frozenset):
            low, high = _integer_range(self, connection)
            kept = [value for value in self.rhs if _in_range(value, low, high)]
            if not kept:
                raise EmptyResultSet
            self.rhs = kept
        return super().process_rhs(compiler, connection)


class BoundedIn(_BoundedInMixin, In):
    pass


class BoundedRelatedIn(_BoundedInMixin, RelatedIn):
    pass


def register() -> None:
    IntegerField.register_lookup(BoundedIn)
    ForeignKey.register_lookup(BoundedRelatedExact)
    ForeignKey.register_lookup(BoundedRelatedIn)
