"""Permission-aware reads: a user only ever gets the changes, comments and files they may see."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from kaizen.changes.models import (
    FAILED_CLOSURE_CODES,
    CausedIncidentStatus,
    Change,
    ChangeAttachment,
    ChangeComment,
    ChangeTemplate,
    TemplateStatus,
)
from kaizen.changes.permissions import can_see_work_notes, can_work_changes, is_cab_member
from kaizen.people.models import User

DETAIL_RELATED = (
    "category",
    "template",
    "requester",
    "owner",
    "assignment_group",
    "implementer",
)


def changes_for(user: User) -> QuerySet[Change]:
    """Agents and CAB members see every change; anyone else only the changes they raised."""
    if can_work_changes(user) or is_cab_member(user):
        return Change.objects.all()
    if user.is_authenticated and user.is_active:
        return Change.objects.filter(requester=user)
    return Change.objects.none()


def change_detail_for(user: User) -> QuerySet[Change]:
    return (
        changes_for(user)
        .select_related(*DETAIL_RELATED)
        .prefetch_related("services", "configuration_items")
    )


def comments_for(user: User, change: Change) -> QuerySet[ChangeComment]:
    comments = change.comments.select_related("author")
    if not can_see_work_notes(user):
        comments = comments.filter(is_work_note=False)
    return comments


def attachments_for(change: Change) -> QuerySet[ChangeAttachment]:
    return change.attachments.select_related("uploaded_by")


def attachment_for(user: User, pk: int) -> ChangeAttachment | None:
    return (
        ChangeAttachment.objects.filter(pk=pk, change__in=changes_for(user))
        .select_related("change")
        .first()
    )


def templates_for(user: User) -> QuerySet[ChangeTemplate]:
    """Agents see every version; requesters none (they do not raise changes)."""
    if not can_work_changes(user):
        return ChangeTemplate.objects.none()
    return ChangeTemplate.objects.select_related("category", "assignment_group", "proposed_by")


def approved_templates() -> QuerySet[ChangeTemplate]:
    return ChangeTemplate.objects.filter(status=TemplateStatus.APPROVED).order_by("name")


@dataclass(frozen=True)
class TemplateRecord:
    """How the changes raised from one template version went."""

    changes: int
    closed: int
    failed: int
    caused_incidents: int

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.closed if self.closed else None


def template_records(template_ids: Iterable[int]) -> dict[int, TemplateRecord]:
    """Per template version: its changes, those closed, failed or backed out, and the
    incidents confirmed as caused by them (two queries, whatever the number of templates)."""
    ids = list(template_ids)
    counts = (
        Change.objects.filter(template_id__in=ids)
        .values("template_id")
        .annotate(
            changes=Count("pk"),
            closed=Count("pk", filter=Q(closed_at__isnull=False)),
            failed=Count("pk", filter=Q(closure_code__in=FAILED_CLOSURE_CODES)),
        )
    )
    caused = dict(
        Change.objects.filter(
            template_id__in=ids, caused_incidents__status=CausedIncidentStatus.CONFIRMED
        )
        .values("template_id")
        .annotate(n=Count("caused_incidents"))
        .values_list("template_id", "n")
    )
    records = {pk: TemplateRecord(0, 0, 0, 0) for pk in ids}
    for row in counts:
        pk = row["template_id"]
        records[pk] = TemplateRecord(
            row["changes"], row["closed"], row["failed"], caused.get(pk, 0)
        )
    return records
