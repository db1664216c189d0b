"""Calling a domain service from an API handler, with its ValidationError turned into a 400."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions

from kaizen.api.errors import validation_detail

T = TypeVar("T")


def call_service(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return function(*args, **kwargs)
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(validation_detail(exc)) from exc
