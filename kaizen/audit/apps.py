from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Reading the journal: the audit trail page and the events API with its cursor feed.
    The journal app below holds the mechanism (events, append-only storage, selectors); who
    may read the whole trail depends on process roles, so the readers sit above people."""

    name = "kaizen.audit"
    label = "audit"
    verbose_name = "Audit trail"
