from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "kaizen.availability"
    label = "availability"
    verbose_name = "Availability"

    def ready(self) -> None:
        from kaizen.availability.services.base import OUTAGES, TARGETS
        from kaizen.journal.verify import FoldedKind, register

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("availability.outage", OUTAGES))
        register(FoldedKind("availability.target", TARGETS))
