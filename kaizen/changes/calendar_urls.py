"""The change calendar: month, week and list views, windows, conflicts, the iCalendar feed: the
pages' addresses, under /changes/ (namespace "changes")."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
