from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "kaizen.changes"
    label = "changes"
    verbose_name = "Change enablement"
