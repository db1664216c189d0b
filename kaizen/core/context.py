"""Per-request context that services read without threading it through every call.

Only the correlation id lives here: it groups the journal events written by one request,
command or task. The actor is never implicit: every `do_*` service takes `actor=` explicitly.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_correlation_id: ContextVar[uuid.UUID | None] = ContextVar("kaizen_correlation_id", default=None)


def current_correlation_id() -> uuid.UUID:
    """The id of the current request/command, or a fresh one for a lone call."""
    return _correlation_id.get() or uuid.uuid4()


@contextmanager
def correlation(correlation_id: uuid.UUID | None = None) -> Iterator[uuid.UUID]:
    value = correlation_id or uuid.uuid4()
    token = _correlation_id.set(value)
    try:
        yield value
    finally:
        _correlation_id.reset(token)
