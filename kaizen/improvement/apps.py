from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "kaizen.improvement"
    label = "improvement"
    verbose_name = "Continual improvement"

    def ready(self) -> None:
        from kaizen.changes.hooks import register_change_listener
        from kaizen.improvement import from_review
        from kaizen.improvement.changes import follow_change
        from kaizen.improvement.kpi_source import register

        register()  # the `improvement` KPI source and the register's KPIs in the library
        # A service review's page links its actions into the register (and back).
        from_review.register()
        self._register_journal_folds()
        # A corrective action carried out by a change follows the change's outcome.
        register_change_listener(follow_change)

    @staticmethod
    def _register_journal_folds() -> None:
        """What `kaizen journal verify` folds and compares (kaizen/journal/verify.py): an
        initiative's own fields, from the events that change them (the events of its KPIs,
        gaps and actions, journaled on it too, describe those records)."""
        from kaizen.improvement.services.initiatives import INITIATIVES
        from kaizen.journal.events import EventType
        from kaizen.journal.verify import FoldedKind, register

        # A next cycle is created by its CYCLE_OPENED event (with every field).
        own = {*INITIATIVES.versioned_events, EventType.CYCLE_OPENED}
        register(
            FoldedKind(
                "improvement.initiative",
                INITIATIVES,
                folded_events=frozenset(str(event) for event in own),
            )
        )
