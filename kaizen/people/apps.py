from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "kaizen.people"
    label = "people"
    verbose_name = "People and roles"
