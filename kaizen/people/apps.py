from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "kaizen.people"
    label = "people"
    verbose_name = "People and roles"

    def ready(self) -> None:
        from kaizen.people import signins  # noqa: F401 - journals sign-ins (signal receivers)
        from kaizen.people.api import schema  # noqa: F401 - registers the OpenAPI extension
