"""What other apps hear of a change's moves, by registration (the changes app imports no app
above it): e.g. the improvement register moves a corrective action that a change carries out
as the change is implemented, closed, cancelled or rejected. A listener runs in the move's
transaction, after its journal event; an error in it rolls the move back."""

from collections.abc import Callable

from kaizen.changes.models import Change

ChangeListener = Callable[[Change, str], None]  # (the change as moved, its previous state)

_listeners: list[ChangeListener] = []


def register_change_listener(listener: ChangeListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def change_moved(change: Change, previous_state: str) -> None:
    for listener in _listeners:
        listener(change, previous_state)
