"""What every service level write shares: the tracked fields of each kind of record, its row
lock with the version check, and the ending (save, journal event with complete changes),
through the shared record mechanics of kaizen/journal/tracking.py."""

import datetime as dt

from django.utils import timezone

from kaizen.journal.tracking import TrackedRecord
from kaizen.servicelevels.models import (
    Agreement,
    AgreementTerms,
    Customer,
    ReviewAction,
    ServiceReview,
    Supplier,
)

CUSTOMER_FIELDS = ("name", "kind", "description", "contact_name", "contact_email")
CUSTOMERS = TrackedRecord(
    model=Customer,
    tracked_fields=(*CUSTOMER_FIELDS, "representatives"),
    many_fields=("representatives",),
    noun="customer",
    label_field="name",
)
SUPPLIER_FIELDS = (
    "name",
    "description",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "is_active",
)
SUPPLIERS = TrackedRecord(
    model=Supplier, tracked_fields=SUPPLIER_FIELDS, noun="supplier", label_field="name"
)
AGREEMENT_FIELDS = (
    "number",
    "kind",
    "name",
    "description",
    "customer",
    "provider_team",
    "consumer_team",
    "supplier",
    "owner",
    "status",
    "starts_on",
    "ends_on",
    "review_cadence",
    "reference",
)
AGREEMENTS = TrackedRecord(
    model=Agreement,
    tracked_fields=AGREEMENT_FIELDS,
    related_fields=("customer", "provider_team", "consumer_team", "supplier", "owner"),
    noun="agreement",
)
TERMS_MANY_FIELDS = ("services", "offerings", "configuration_items")
TERMS_FIELDS = (
    "agreement",
    "sequence",
    "valid_from",
    "calendar",
    "availability_percent",
    "targets",
    "handoff_minutes",
    "note",
    *TERMS_MANY_FIELDS,
)
TERMS = TrackedRecord(
    model=AgreementTerms,
    tracked_fields=TERMS_FIELDS,
    related_fields=("agreement", "calendar"),
    many_fields=TERMS_MANY_FIELDS,
    noun="agreement version",
    label=str,
    label_field="sequence",
)
REVIEW_FIELDS = (
    "number",
    "agreement",
    "period_start",
    "period_end",
    "due_on",
    "scheduled_for",
    "status",
    "held_on",
    "attendees",
    "minutes",
    "cancelled_reason",
)
REVIEWS = TrackedRecord(
    model=ServiceReview,
    tracked_fields=REVIEW_FIELDS,
    related_fields=("agreement",),
    noun="service review",
)
REVIEW_ACTION_FIELDS = ("review", "title", "owner", "due_on", "status", "improvement_reference")
REVIEW_ACTIONS = TrackedRecord(
    model=ReviewAction,
    tracked_fields=REVIEW_ACTION_FIELDS,
    related_fields=("review", "owner"),
    noun="review action",
    label_field="title",
)


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()
