"""Authorisation of a change by its approvers (the change manager, the CAB, ...)."""

import datetime as dt

from kaizen.changes.models import Change
from kaizen.people.models import User


def open_authorisation(change: Change, *, actor: User | None, at: dt.datetime) -> None:
    """Start the approval round the change's risk and type call for; it ends in
    lifecycle.do_decide_authorisation."""
