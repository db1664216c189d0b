from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "kaizen.sla"
    label = "sla"
    verbose_name = "Service level agreements"

    def ready(self) -> None:
        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        from kaizen.journal.verify import FoldedKind, ListedField, register
        from kaizen.sla import services

        register(
            FoldedKind(
                "sla.calendar",
                services.CALENDARS,
                listed=(
                    ListedField("periods", services.calendar_lists(services.stored_periods)),
                    ListedField("closures", services.calendar_lists(services.stored_closures)),
                ),
            )
        )
        register(FoldedKind("sla.definition", services.DEFINITIONS))
