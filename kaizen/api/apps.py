from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kaizen.api"
    label = "kaizen_api"
    verbose_name = "REST API"
