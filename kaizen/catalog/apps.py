from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kaizen.catalog"
    label = "catalog"
    verbose_name = "Service catalogue"

    def ready(self) -> None:
        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        from kaizen.catalog.services import CIS, OFFERINGS, SERVICES
        from kaizen.journal.verify import FoldedKind, register

        register(FoldedKind("catalog.service", SERVICES))
        register(FoldedKind("catalog.offering", OFFERINGS))
        register(FoldedKind("catalog.ci", CIS))  # its services, a many-field, as a set
