from django.urls import path

from kaizen.notifications import views

app_name = "notifications"
urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("failed/", views.failed_list, name="failed"),
]
