"""Encryption at rest of sensitive personal fields (issue 10 item 5; brief §7, privacy).

Contacts' mobiles, birthdays and interests are personal data a leaving rep or a copied
database must not carry away readable. They are stored as Fernet tokens (AES-128-CBC plus
HMAC-SHA256, from the `cryptography` package) under keys from the environment:

  FIELD_ENCRYPTION_KEY   one key, or several separated by commas: the first encrypts, all
                         decrypt (MultiFernet), so a key is rotated by putting a new one first,
                         running `outletcrm rotate_field_keys`, then dropping the old one.
                         Required in production; derived from SECRET_KEY in demo and test.
  FIELD_HASH_KEY         the key of the lookup hashes (below); defaults to one derived from
                         the last (oldest) encryption key, so rotating the encryption key does
                         not change the hashes until the old key is dropped (then rerun the
                         rotation command, which also rewrites the hashes).

A ciphertext cannot be searched, so where the archive looks a phone up (search, duplicate
check) it compares a keyed hash (HMAC-SHA256) of the normalised number, kept in its own
indexed column: equal numbers give equal hashes, and nobody without the key can test guesses
against them.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

# Every Fernet token (version byte 0x80, then a timestamp) starts so; not a secret.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105


def _derived_key(secret: str, purpose: str) -> bytes:
    digest = hashlib.sha256(f"outletcrm:{purpose}:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _keys() -> tuple[bytes, ...]:
    configured = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []
    if configured:
        return tuple(k.encode() if isinstance(k, str) else k for k in configured)
    return (_derived_key(settings.SECRET_KEY, "field-encryption"),)


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


@cache
def _hash_key() -> bytes:
    configured = getattr(settings, "FIELD_HASH_KEY", "") or ""
    if configured:
        return configured.encode()
    return hashlib.sha256(b"outletcrm:lookup-hash:" + _keys()[-1]).digest()


def reset_keys() -> None:
    """Forget the cached keys (tests that change the settings; key rotation)."""
    _keys.cache_clear()
    _fernet.cache_clear()
    _hash_key.cache_clear()


def encrypt(text: str) -> str:
    """The token for `text` ("" stays "": an empty field has nothing to hide)."""
    if not text:
        return text
    return _fernet().encrypt(text.encode()).decode("ascii")


def decrypt(stored: str | None) -> str | None:
    """The text of a stored token. A value that is not a token is returned as it is: rows
    written before encryption, until the data migration or the rotation command rewrites them."""
    if not stored or not stored.startswith(TOKEN_PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken as exc:  # a key that was dropped too early: say so, never guess
        raise InvalidToken(
            "A stored field cannot be decrypted with any key in FIELD_ENCRYPTION_KEY") from exc


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(TOKEN_PREFIX)


def rotate(stored: str) -> str:
    """Re-encrypt a token under the first (newest) key."""
    if not stored:
        return stored
    if not is_encrypted(stored):
        return encrypt(stored)
    return _fernet().rotate(stored.encode()).decode("ascii")


def lookup_hash(normalised: str) -> str:
    """The keyed hash of a normalised value (a phone number) for equality lookups; "" for ""."""
    if not normalised:
        return ""
    return hmac.new(_hash_key(), normalised.encode(), hashlib.sha256).hexdigest()
