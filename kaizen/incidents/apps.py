from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "kaizen.incidents"
    label = "incidents"
    verbose_name = "Incident management"

    def ready(self) -> None:
        from kaizen.incidents import sla_kind

        sla_kind.register()
