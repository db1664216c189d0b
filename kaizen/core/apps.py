from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "kaizen.core"
    label = "core"

    def ready(self) -> None:
        # Every app's navigation.py registers its menu entries (kaizen/core/navigation.py).
        autodiscover_modules("navigation")
        from django.contrib.auth.signals import user_logged_in

        from kaizen.core.middleware import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="kaizen.core.session_clock")
