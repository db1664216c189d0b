from django.urls import path

from kaizen.notifications.api.views import NotificationPreferencesView

urlpatterns = [
    path(
        "notification-preferences/",
        NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
]
