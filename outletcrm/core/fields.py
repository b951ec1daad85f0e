"""Model fields whose values are encrypted at rest (core/crypto.py).

The column holds a Fernet token as text; the model attribute holds the plain value (a string or
a date). A token differs on every save, so the database can only test such a column for being
empty: equality with a value, ranges, ordering and date parts are refused (FieldError) instead
of silently matching nothing. Look values up through a separate keyed hash (crypto.lookup_hash).
"""

import datetime

from django.db import models

from outletcrm.core import crypto

_ALLOWED_LOOKUPS = {"isnull", "exact"}  # exact only ever with "" (empty), see the docstring


class _EncryptedMixin:
    def get_internal_type(self) -> str:
        return "TextField"

    def get_lookup(self, lookup_name):
        if lookup_name not in _ALLOWED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, name):
        return None

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("db_index", None)
        return name, path, args, kwargs


class EncryptedCharField(_EncryptedMixin, models.CharField):
    """A short text (a mobile number, interests) stored encrypted; max_length bounds the
    plain text, the column is unbounded text."""

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))


class EncryptedDateField(_EncryptedMixin, models.DateField):
    """A date (a birthday) stored encrypted as its ISO text."""

    def from_db_value(self, value, expression, connection):
        text = crypto.decrypt(value)
        if not text:
            return None
        if isinstance(text, datetime.date):
            return text
        return datetime.date.fromisoformat(str(text)[:10])

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or value == "":
            return None
        return crypto.encrypt(value.isoformat() if isinstance(value, datetime.date) else str(value))
