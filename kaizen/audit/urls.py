from django.urls import path

from kaizen.audit import views

app_name = "audit"
urlpatterns = [path("", views.audit, name="audit")]
