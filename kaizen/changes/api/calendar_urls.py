"""The change calendar: month, week and list views, windows, conflicts, the iCalendar feed: the
API's addresses, under /api/v1/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
