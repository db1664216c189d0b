"""Domain errors every app may raise, and that the API answers the same way everywhere.

A Django ValidationError (naming the field) is the error of a request that is wrong in itself;
`Conflict` is the error of a request that may be right but that the record's current state
refuses: a step gate that blocks, a record changed since the caller read it. The API's
exception handler (kaizen.api.errors) answers a Conflict with 409 and its `conflict_detail()`,
whichever app raised it, so no API view wraps its service calls for it.
"""

from typing import Any


class Conflict(Exception):
    """The record's current state refuses the change (HTTP 409 in the API). Subclasses name
    what the client needs to resolve it in `conflict_detail()`. A conflict that is also a
    ValidationError (so that the web forms put it on a field) inherits from both."""

    def conflict_detail(self) -> dict[str, Any]:
        return {"detail": str(self)}


class StaleRecord(Conflict):
    """The record changed since the caller read it (optimistic locking). `current_version` is
    the version to read again: the API answers 409 with it, and a web form takes it so that
    saving again is a deliberate choice (kaizen.core.forms.run_service)."""

    current_version: int
