from django.urls import path

from kaizen.availability import views

app_name = "availability"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("outages/", views.outage_list, name="outage_list"),
    path("outages/new/", views.outage_create, name="outage_create"),
    path("outages/<str:number>/", views.outage_detail, name="outage"),
    path("outages/<str:number>/edit/", views.outage_edit, name="outage_edit"),
    path("outages/<str:number>/confirm/", views.outage_confirm, name="outage_confirm"),
    path("outages/<str:number>/dismiss/", views.outage_dismiss, name="outage_dismiss"),
    path("outages/<str:number>/end/", views.outage_end, name="outage_end"),
    path("services/<slug:slug>/", views.service_page, name="service"),
    path("services/<slug:slug>/target/", views.set_target, name="set_target"),
]
