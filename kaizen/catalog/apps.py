from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kaizen.catalog"
    label = "catalog"
    verbose_name = "Service catalogue"
