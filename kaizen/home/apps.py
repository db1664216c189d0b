from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The landing pages: they read from every process, so they sit above all of them."""

    name = "kaizen.home"
    label = "home"
    verbose_name = "Home pages"
