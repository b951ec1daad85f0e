"""A JSON request-body parser with bounds (issue 7, §3), the API's default.

DRF's own parser hands Python's `json` whatever arrives: 5,000 nested brackets end in a
RecursionError (a 500), `1e400` becomes an infinite float and a 40-digit integer reaches the
database driver. This one refuses, with a 400 and a clear message, a body that is

  - larger than settings.API_JSON_MAX_BYTES,
  - nested deeper than settings.API_JSON_MAX_DEPTH (objects and arrays),
  - not JSON, or holds NaN/Infinity, a number beyond a 64-bit integer or a float that
    overflows,
  - a bare number, string or null rather than an object or a list (`-919` as a whole body
    made a view that reads `request.data.get(…)` fail).

`parse_json_body` applies the same bounds to JSON read outside DRF.
"""

import codecs
import json
import math

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings

from outletcrm.core.params import MAX_ID

MAX_INT = MAX_ID  # the largest integer a 64-bit database column holds


class _OutOfRange(ValueError):
    pass


def _parse_int(text: str) -> int:
    # Python refuses to convert over 4,300 digits; anything beyond 19 is out of range anyway.
    if len(text.lstrip("-")) > 19 or abs(value := int(text)) > MAX_INT:
        raise _OutOfRange(text[:40])
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _OutOfRange(text[:40])
    return value


def _refuse_constant(name: str):
    raise _OutOfRange(name)


def _depth_exceeds(data, limit: int) -> bool:
    """Whether containers nest deeper than `limit` (iterative: no recursion on any input)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))
    return False


def loads_bounded(text: str | bytes, *, max_depth: int | None = None):
    """Parse JSON text within the bounds above; raise ParseError (a 400) otherwise."""
    max_depth = max_depth or settings.API_JSON_MAX_DEPTH
    try:
        data = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_refuse_constant)
    except RecursionError:
        data = None
        too_deep = True
    except _OutOfRange as exc:
        raise ParseError(_("The number %(value)s in the request body is out of range.")
                         % {"value": exc.args[0]}) from None
    except UnicodeDecodeError:
        raise ParseError(_("The request body is not valid UTF-8 text.")) from None
    except json.JSONDecodeError as exc:
        raise ParseError(_("The request body is not valid JSON (line %(line)s, column "
                           "%(column)s).") % {"line": exc.lineno, "column": exc.colno}) from None
    except ValueError:
        raise ParseError(_("The request body is not valid JSON.")) from None
    else:
        too_deep = _depth_exceeds(data, max_depth)
    if too_deep:
        raise ParseError(_("The request body is nested too deeply (at most %(depth)s levels).")
                         % {"depth": max_depth})
    return data


def read_bounded(stream, limit: int | None = None) -> bytes:
    """Read a body, refusing one larger than `limit` bytes without reading all of it."""
    limit = limit or settings.API_JSON_MAX_BYTES
    raw = stream.read(limit + 1) if stream is not None else b""
    if len(raw) > limit:
        raise ParseError(_("The request body is too large (at most %(mb)s MB).")
                         % {"mb": round(limit / (1024 * 1024), 1)})
    return raw


def parse_json_body(request, *, max_bytes: int | None = None, max_depth: int | None = None):
    """A plain Django view's JSON body, within the same bounds as the API's."""
    return loads_bounded(read_bounded(request, max_bytes), max_depth=max_depth)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded in size, depth and numbers (see the module docstring)."""

    strict = api_settings.STRICT_JSON

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        raw = read_bounded(stream)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The request body is not valid UTF-8 text.")) from None
        data = loads_bounded(text)
        if not isinstance(data, dict | list):
            raise ParseError(_("The request body must be a JSON object ({…})."))
        return data
