from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kaizen.core"
    label = "core"
