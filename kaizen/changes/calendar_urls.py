"""The change calendar: month, week and list views, windows, conflicts, the iCalendar feed: the
pages' addresses, under /changes/ (namespace "changes")."""

from django.urls import path

from kaizen.changes import calendar_views as views

urlpatterns = [
    path("calendar/", views.calendar_month, name="calendar"),
    path("calendar/week/", views.calendar_week, name="calendar_week"),
    path("calendar/list/", views.calendar_list, name="calendar_list"),
    path("calendar/windows/", views.window_list, name="window_list"),
    path("calendar/windows/new/", views.window_create, name="window_create"),
    path("calendar/windows/<int:pk>/", views.window_edit, name="window_edit"),
    path("calendar/windows/<int:pk>/delete/", views.window_delete, name="window_delete"),
    path(
        "calendar/acknowledge/<str:number>/",
        views.acknowledge_conflict,
        name="acknowledge_conflict",
    ),
    path("calendar/feed/", views.feed_settings, name="calendar_feed"),
    path("calendar/feed/<str:token>.ics", views.calendar_ics, name="calendar_ics"),
]
