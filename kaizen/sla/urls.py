from django.urls import path

from kaizen.sla import views

app_name = "sla"
urlpatterns = [
    path("", views.definition_list, name="definition_list"),
    path("definitions/new/", views.definition_form, name="definition_create"),
    path("definitions/<int:pk>/", views.definition_detail, name="definition_detail"),
    path("definitions/<int:pk>/edit/", views.definition_form, name="definition_edit"),
    path("calendars/", views.calendar_list, name="calendar_list"),
    path("calendars/new/", views.calendar_form, name="calendar_create"),
    path("calendars/<slug:slug>/", views.calendar_detail, name="calendar_detail"),
    path("calendars/<slug:slug>/edit/", views.calendar_form, name="calendar_edit"),
]
