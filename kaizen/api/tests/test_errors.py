"""The one API error path: whatever app raises them, a domain ValidationError is a 400 naming
the field and a Conflict a 409 with its own detail, both through the exception handler (no
wrapper in the view)."""

from typing import Any

from django.core.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from kaizen.core.errors import Conflict


class Changed(Conflict):
    """A conflict that tells the client which version to read again."""

    def conflict_detail(self) -> dict[str, Any]:
        return {**super().conflict_detail(), "current_version": 7}


class Blocked(ValidationError, Conflict):
    """A conflict that is also a ValidationError, for the web forms (as a gate that blocks)."""

    def conflict_detail(self) -> dict[str, Any]:
        return {"detail": self.messages[0], "missing": ["a reason"]}


def answer(error: Exception) -> Response:
    class Raising(APIView):
        authentication_classes: list[Any] = []
        permission_classes: list[Any] = []

        def post(self, request: Request) -> Response:
            raise error

    return Raising.as_view()(APIRequestFactory().post("/", {}, format="json"))


def test_it_answers_a_domain_validation_error_with_400_naming_the_field():
    response = answer(ValidationError({"owner": "choose who owns it"}))
    assert response.status_code == 400
    assert response.data == {"owner": ["choose who owns it"]}


def test_it_answers_a_validation_error_without_a_field_with_non_field_errors():
    response = answer(ValidationError("not now"))
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["not now"]}


def test_it_answers_a_conflict_with_409_and_its_detail():
    response = answer(Changed("INC0001 was changed by Ada"))
    assert response.status_code == 409
    assert response.data == {"detail": "INC0001 was changed by Ada", "current_version": 7}


def test_it_answers_a_conflict_that_is_also_a_validation_error_with_409():
    response = answer(Blocked({"current_step": ["Step 2 cannot pass yet.", "a reason"]}))
    assert response.status_code == 409
    assert response.data == {"detail": "Step 2 cannot pass yet.", "missing": ["a reason"]}
