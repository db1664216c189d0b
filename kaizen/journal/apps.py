from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JournalConfig(AppConfig):
    name = "kaizen.journal"
    label = "journal"
    verbose_name = "Event journal"

    def ready(self) -> None:
        # Every app's event_shapes.py says how its events read (kaizen/journal/presenting.py).
        autodiscover_modules("event_shapes")
