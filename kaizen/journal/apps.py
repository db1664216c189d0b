from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "kaizen.journal"
    label = "journal"
    verbose_name = "Event journal"
