from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "kaizen.people"
    label = "people"
    verbose_name = "People and roles"

    def ready(self) -> None:
        from kaizen.people import signins  # noqa: F401 - journals sign-ins (signal receivers)
        from kaizen.people.api import schema  # noqa: F401 - registers the OpenAPI extension

        self._register_folded_kinds()

    def _register_folded_kinds(self) -> None:
        """What `kaizen journal verify` folds and compares (kaizen/journal/verify.py): a
        team's members are journaled when it is created, then one added or removed at a time."""
        from kaizen.journal.events import EventType
        from kaizen.journal.verify import FoldedKind, many_to_many, register, set_member
        from kaizen.people.models import Team
        from kaizen.people.services import TEAMS, USERS

        register(FoldedKind("people.user", USERS))
        register(
            FoldedKind(
                "people.team",
                TEAMS,
                listed=(many_to_many(Team, "members"),),
                data_folds={
                    EventType.TEAM_MEMBER_ADDED: set_member("members", present=True),
                    EventType.TEAM_MEMBER_REMOVED: set_member("members", present=False),
                },
            )
        )
