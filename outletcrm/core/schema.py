"""The OpenAPI schema tells the truth about every answer (issue 7, §3).

drf-spectacular documents the success answer of each operation. Clients (and the schema fuzz
run, tests/api/test_fuzz_schema.py) also meet the error answers, which every operation shares:

  400  the input is wrong: {"field": ["message", …]} ("non_field_errors" for the whole
       request) or {"detail": "message"} (e.g. a body that is not JSON, or nested too deeply)
  401  no or a bad token                      {"detail": "message"}  (so are 403…429; an
       operation that names the field at fault may answer {"field": ["message"]} instead)
  403  not allowed                             {"detail": "message"}
  404  no such record in your data scope, or a page past the last one   {"detail": "message"}
  415  a request body of a type the operation does not read            {"detail": "message"}
  429  too many attempts (throttled operations) {"detail": "message"}

`AutoSchema` adds these to each operation unless the operation documents its own, and gives
an error answer that an operation documents without a body the standard body. It also marks a
read-only field nullable when its source walks through a relation that may be empty (a
`customer_class.name` of a customer without a class is null, not a string), and describes a
time of day as the local "HH:MM[:SS]" it is, not as an RFC 3339 time with an offset.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {},
    "description": 'What went wrong, in the reader\'s language: {"detail": "message"}, or '
                   'field errors such as {"stop": ["message"]}.',
}
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": 'Field errors, e.g. {"name": ["message", …]}; "non_field_errors" for the '
                   'whole request; or {"detail": "message"}. Nothing was written.',
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input; nothing was written.",
    "401": "Not logged in, or the token is not valid.",
    "403": "You are not allowed to do this.",
    "404": "Not found, or outside your data scope.",
    "415": "The request body has a media type this operation does not read.",
    "429": "Too many requests; try again later.",
}
JSON = "application/json"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            self._add_error_responses(operation)
        return operation

    def _error_codes(self, operation) -> list[str]:
        codes = ["400"]
        view = self.view
        if getattr(view, "authentication_classes", None):
            codes.append("401")
        if not all(issubclass(p, AllowAny) for p in getattr(view, "permission_classes", [])):
            codes += ["401", "403"]
        codes.append("404")
        if "requestBody" in operation:
            codes.append("415")
        if getattr(view, "throttle_classes", None):
            codes.append("429")
        return codes

    def _add_error_responses(self, operation) -> None:
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code.startswith("4") and not response.get("content"):
                body = FIELD_ERRORS if code == "400" else ERROR_DETAIL
                response["content"] = {JSON: {"schema": dict(body)}}

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(schema, dict) and schema.get("format") == "time":
            # JSON Schema's "time" is RFC 3339's full-time, with an offset ("09:30:00+08:00");
            # opening hours are local wall-clock times ("09:30:00"), so say exactly that.
            del schema["format"]
            schema["pattern"] = TIME_PATTERN
        return schema

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if (direction == "response" and isinstance(field, serializers.Field)
                and field.read_only and not meta.get("nullable")
                and _source_may_be_null(field)):
            meta["nullable"] = True
        return meta


def _source_may_be_null(field) -> bool:
    """Whether a field's dotted source passes through a model field that may be empty."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None) or []
    if model is None or not attrs or field.source == "*":
        return False
    for attr in attrs:
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False
