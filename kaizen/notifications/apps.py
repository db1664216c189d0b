from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kaizen.notifications"
    label = "notifications"
    verbose_name = "Notifications"
