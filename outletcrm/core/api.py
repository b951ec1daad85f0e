"""API plumbing shared by every app: pagination, error format, scoped base viewset."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination, renderers, serializers
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from outletcrm.core import scoping
from outletcrm.core.params import MAX_ID


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def validation_error_detail(exc: DjangoValidationError):
    """A Django ValidationError as DRF's field-level error body."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    """Turn service-level errors into 400/403/404 responses with readable messages."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("You are not allowed to do this."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    return drf_exception_handler(exc, context)


class ScopedQuerysetMixin:
    """Cuts a viewset's queryset down to the caller's data scope (core.scoping), always.

    Use it first in the bases: `class VisitViewSet(ScopedQuerysetMixin, ModelViewSet)`. Set
    `scope_via` to the lookup path from the viewset's model to the customer ("customer__" for
    contacts, visits, orders…). Because `get_object()` looks records up in this queryset, a
    record outside the caller's scope answers 404 exactly like a missing one. Subclasses that
    narrow the queryset further must start from `super().get_queryset()`.

    (A mixin rather than a GenericViewSet subclass: this module holds the pagination class
    that DRF's generic views import, so it cannot import them itself.)
    """

    scope_via: str = ""

    def get_queryset(self):
        return scoping.restrict(super().get_queryset(), self.request.user, via=self.scope_via)


class StrictFieldsMixin:
    """Refuse input keys a serializer does not know instead of silently dropping them.

    A typo such as `ownr` would otherwise look like a successful save that changed nothing.
    Read-only fields are known, so a client may send back what it read.
    """

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError(
                    {
                        api_settings.NON_FIELD_ERRORS_KEY: [
                            _("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)}
                        ]
                    }
                )
        return super().to_internal_value(data)


class IdField(serializers.IntegerField):
    """An id in a request (body or query): a positive whole number that fits the database."""

    default_error_messages = {
        "invalid": gettext_lazy("Enter a valid id (a positive whole number)."),
        "min_value": gettext_lazy("Enter a valid id (a positive whole number)."),
        "max_value": gettext_lazy("Enter a valid id (a positive whole number)."),
        "max_string_length": gettext_lazy("Enter a valid id (a positive whole number)."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XlsxRenderer(renderers.BaseRenderer):
    """Lets a client ask for an Excel download with `Accept: <xlsx media type>`.

    Views return the workbook bytes themselves; anything else (an error body) is sent as JSON.
    """

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        # An error body is JSON, and says so, even to a client that asked for a workbook.
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return renderers.JSONRenderer().render(data)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download."""
    response = HttpResponse(content, content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
