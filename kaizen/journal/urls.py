from django.urls import path

from kaizen.journal import views

app_name = "journal"
urlpatterns = [path("", views.audit, name="audit")]
