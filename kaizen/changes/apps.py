from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "kaizen.changes"
    label = "changes"
    verbose_name = "Change enablement"

    def ready(self) -> None:
        from kaizen.changes.services.base import CHANGES
        from kaizen.journal.verify import FoldedKind, register

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py): a
        # change's fields, its services and CIs as sets.
        register(FoldedKind("changes.change", CHANGES))
