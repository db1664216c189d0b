"""The journal equals the data: folding a record's events in order gives its stored fields.

Every app registers its kinds of record here (from its AppConfig.ready), so the journal, low in
the layers, learns about catalog, people, SLA and incidents records without importing them.
A kind is its `TrackedRecord` (the columns its events report) and the lists beside its row
that its events journal too (a CI's services, a calendar's periods, a team's members).

Folding: a record starts from its model's defaults; each event, oldest first, sets every field
its `changes` name to the change's "new" value. Comparing: a related record by its id (its
name may have changed since), a time as an instant, a list as a set. A mismatch is a change
the journal does not hold (or one it holds that the data lost): `kaizen journal verify`
reports each one and fails.

The hash chain (kaizen/journal/chain.py) is checked too: `verify_chain` walks the events in id
order and names the first one whose hash or link does not hold.
"""

import decimal
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.dateparse import parse_datetime

from kaizen.journal.chain import event_hash
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import EVENT_COLUMNS, to_journal_value
from kaizen.journal.tracking import TrackedRecord

State = dict[str, Any]
# The stored lists of a batch of records: primary key -> the list in journal form.
StoredLists = Callable[[list[Any]], Mapping[Any, list[Any]]]


@dataclass(frozen=True)
class ListedField:
    """A list beside a record's row that its events journal under `name`."""

    name: str
    stored: StoredLists


@dataclass(frozen=True)
class FoldedKind:
    """One kind of record: `name` as reports show it (e.g. "catalog.service"). `data_folds`
    take the events that change a list through their `data` instead of `changes` (a team's
    member added or removed): event type -> how the folded state takes that event's data.
    `folded_events`, when given, are the only event types whose `changes` are folded."""

    name: str
    tracked: TrackedRecord
    listed: tuple[ListedField, ...] = ()
    # When given, only these event types' `changes` are the record's own: the others journal
    # changes of records beside it under the same subject (an initiative's actions and KPIs).
    folded_events: frozenset[str] = frozenset()
    data_folds: Mapping[str, Callable[[State, Mapping[str, Any]], None]] = field(
        default_factory=dict
    )

    @property
    def model(self) -> type[models.Model]:
        return self.tracked.model


_KINDS: dict[str, FoldedKind] = {}


def register(kind: FoldedKind) -> None:
    _KINDS[kind.name] = kind


def registered() -> list[FoldedKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)


def many_to_many(model: type[models.Model], name: str) -> ListedField:
    """A many-to-many field journaled as the list of its records ({"id", "repr"} each)."""
    relation = model._meta.get_field(name)
    through = relation.remote_field.through  # type: ignore[union-attr]
    source = f"{relation.m2m_field_name()}_id"  # type: ignore[union-attr]
    target = f"{relation.m2m_reverse_field_name()}_id"  # type: ignore[union-attr]

    def stored(pks: list[Any]) -> Mapping[Any, list[Any]]:
        lists: dict[Any, list[Any]] = defaultdict(list)
        rows = through.objects.filter(**{f"{source}__in": pks}).values_list(source, target)
        for owner, member in rows:
            lists[owner].append(member)
        return lists

    return ListedField(name, stored)


def set_member(name: str, present: bool) -> Callable[[State, Mapping[str, Any]], None]:
    """A data fold for an event that adds (or removes) the record in `data["member"]`."""

    def fold(state: State, data: Mapping[str, Any]) -> None:
        members = {_related_id(item) for item in state.get(name) or []}
        member = _related_id(data.get("member"))
        if present:
            members.add(member)
        else:
            members.discard(member)
        state[name] = sorted(members, key=str)

    return fold


@dataclass(frozen=True)
class Mismatch:
    kind: str
    record: str
    field: str
    journal: Any
    stored: Any

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.record}: {self.field}: journal {self.journal!r}, "
            f"stored {self.stored!r}"
        )


@dataclass
class KindReport:
    kind: str
    records: int = 0
    events: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


def _related_id(value: Any) -> Any:
    if isinstance(value, Mapping) and "id" in value:
        return value["id"]
    return value


def _list_form(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return sorted((_related_id(item) for item in value), key=str)


def _column_form(model_field: models.Field) -> Callable[[Any], Any]:
    """The comparable form of a column's value, from the journal's or the database's."""
    if model_field.is_relation:
        return _related_id
    if isinstance(model_field, models.DateTimeField):
        return lambda value: parse_datetime(value) if isinstance(value, str) else value
    if isinstance(model_field, models.DecimalField):
        return lambda value: None if value is None else decimal.Decimal(str(value))
    return to_journal_value


def _fold(kind: FoldedKind, events: Iterable[tuple[str, str, dict, dict]]) -> dict[str, State]:
    names = set(kind.tracked.tracked_fields) | {listed.name for listed in kind.listed}
    states: dict[str, State] = defaultdict(dict)
    for subject_id, event_type, changes, data in events:
        state = states[subject_id]
        if kind.folded_events and event_type not in kind.folded_events:
            changes = {}
        for name, change in changes.items():
            if name in names and isinstance(change, Mapping):
                state[name] = change.get("new")
        fold_data = kind.data_folds.get(event_type)
        if fold_data is not None:
            fold_data(state, data)
    return states


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def verify_kind(kind: FoldedKind, batch_size: int = 2000) -> KindReport:
    """Fold every record's events of `kind` and compare them to its stored fields."""
    model = kind.model
    report = KindReport(kind.name)
    subject_type = ContentType.objects.get_for_model(model)
    events = JournalEvent.objects.filter(subject_type=subject_type)
    many = kind.tracked.many_fields
    columns = {
        name: model._meta.get_field(name)
        for name in kind.tracked.tracked_fields
        if name not in many
    }
    listed = (*kind.listed, *(many_to_many(model, name) for name in many))
    forms = {name: _column_form(model_field) for name, model_field in columns.items()}
    attnames = [model_field.attname for model_field in columns.values()]
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    report.records = len(pks)
    for batch in _chunks(pks, batch_size):
        rows = model._default_manager.filter(pk__in=batch).values("pk", *attnames)
        history = events.filter(subject_id__in=[str(pk) for pk in batch]).order_by("id")
        folded = _fold(kind, history.values_list("subject_id", "event_type", "changes", "data"))
        report.events += history.count()
        lists = {each.name: each.stored(batch) for each in listed}
        labels = dict(
            model._default_manager.filter(pk__in=batch).values_list("pk", kind.tracked.label_field)
        )
        for row in rows:
            pk = row["pk"]
            state = folded.get(str(pk), {})
            record = f"{labels[pk]!s} (id {pk})"
            for name, model_field in columns.items():
                form = forms[name]
                stored = form(row[model_field.attname])
                journal = form(state[name]) if name in state else form(model_field.get_default())
                if journal != stored:
                    report.mismatches.append(Mismatch(kind.name, record, name, journal, stored))
            for listed_field in listed:
                stored_list = _list_form(list(lists[listed_field.name].get(pk, [])))
                journal_list = _list_form(list(state.get(listed_field.name) or []))
                if journal_list != stored_list:
                    report.mismatches.append(
                        Mismatch(kind.name, record, listed_field.name, journal_list, stored_list)
                    )
    stored_ids = {str(pk) for pk in pks}
    journaled = events.order_by().values_list("subject_id", flat=True).distinct()
    for subject_id in journaled.iterator():
        if subject_id not in stored_ids:
            report.mismatches.append(
                Mismatch(kind.name, f"id {subject_id}", "(record)", "journaled", "not stored")
            )
    return report


def verify_journal(kinds: Iterable[FoldedKind] | None = None) -> list[KindReport]:
    return [verify_kind(kind) for kind in (registered() if kinds is None else kinds)]


@dataclass(frozen=True)
class ChainBreak:
    """The first event at which the chain does not hold, and why."""

    event_id: int
    reason: str

    def __str__(self) -> str:
        return f"event {self.event_id}: {self.reason}"


@dataclass
class ChainReport:
    events: int = 0
    head: str = ""  # the last event's hash ("" for an empty journal)
    head_event: int | None = None
    broken: ChainBreak | None = None
    expected_head_found: bool | None = None  # None when no head was expected


_CHAIN_COLUMNS = ("id", *EVENT_COLUMNS)


def _break_reason(
    pk: int, previous_hash: str | None, chain_hash: str | None, recomputed: str, before: Any
) -> str | None:
    if not chain_hash:
        return "it has no hash: it was written past the journal's writers"
    if recomputed != chain_hash:
        return "its content does not match its hash: it was changed after it was written"
    if previous_hash == before[1]:
        return None
    if before[0] is None:
        return (
            "it is the first event but is chained to an earlier one: events were removed before it"
        )
    return (
        f"it is chained to another event than event {before[0]}, the one before it: "
        f"an event was inserted or removed between {before[0]} and {pk}, "
        f"or event {before[0]} was rewritten"
    )


def verify_chain(expect_head: str | None = None, batch_size: int = 5000) -> ChainReport:
    """Walk the events in id order, recompute each hash and its link to the one before, and
    stop at the first that does not hold. `expect_head`: a head recorded earlier, which must
    still be the hash of some event (events appended since are fine)."""
    labels = {
        pk: f"{app_label}.{model}"
        for pk, app_label, model in ContentType.objects.values_list("pk", "app_label", "model")
    }
    report = ChainReport(expected_head_found=None if expect_head is None else False)
    before: tuple[int | None, str] = (None, "")  # the previous event's id and hash
    last_id = 0
    while report.broken is None:
        rows = list(
            JournalEvent.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list(*_CHAIN_COLUMNS)[:batch_size]
        )
        if not rows:
            break
        for row in rows:
            pk, at, kind, actor, actor_repr, subject_type, subject = row[:7]
            subject_repr, changes, data, correlation, previous_hash, chain_hash = row[7:]
            recomputed = event_hash(
                previous_hash or "",
                occurred_at=at,
                event_type=kind,
                actor_id=actor,
                actor_repr=actor_repr,
                subject_type=labels.get(subject_type, str(subject_type)),
                subject_id=subject,
                subject_repr=subject_repr,
                changes=changes,
                data=data,
                correlation_id=correlation,
            )
            reason = _break_reason(pk, previous_hash, chain_hash, recomputed, before)
            if reason is not None:
                report.broken = ChainBreak(pk, reason)
                break
            report.events += 1
            if expect_head is not None and chain_hash == expect_head:
                report.expected_head_found = True
            before = (pk, chain_hash)
        last_id = rows[-1][0]
    report.head_event, report.head = before
    return report
