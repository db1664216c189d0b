"""One error shape for the whole API: the domain's errors turned into 400s and 409s.

Services raise Django's ValidationError with the offending field as key; the API answers 400
with `{"field": ["message"]}` (DRF's own shape), so clients always learn which field was wrong.
A `kaizen.core.errors.Conflict` (the record's state refuses the change, e.g. a step gate that
blocks) is a 409 with the error's `conflict_detail()`; it is matched first, since a conflict
may also be a ValidationError for the web forms' sake. API views call services directly: this
handler is the one place these errors become responses.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from kaizen.core.errors import Conflict

NOT_FOUND = "Not found."


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """An API path that does not exist: JSON like every other API answer."""
    return JsonResponse({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)


def validation_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                message for item in items for message in item.messages
            ]
            for field, items in error.error_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Conflict):
        # The detail as the conflict gives it (an APIException would turn its numbers, such
        # as a version, into strings); the transaction rolls back as for any API error.
        set_rollback()
        return Response(exc.conflict_detail(), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, Http404 | exceptions.NotFound):
        # One message for every record (docs/api.md): "No BusinessCalendar matches the given
        # query" named a class, and a record one may not see answers exactly as a missing one.
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, RequestDataTooBig):
        # Django's own answer is an HTML page; an API client gets JSON saying what to do.
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        exc = exceptions.ParseError(
            f"The request body is larger than {limit_mb:g} MB. Send files as multipart "
            "uploads to an attachments endpoint."
        )
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields."
        )
    return drf_exception_handler(exc, context)
