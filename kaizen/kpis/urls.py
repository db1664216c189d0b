from django.urls import path

from kaizen.kpis import views

app_name = "kpis"
urlpatterns = [
    path("", views.scorecard_page, name="scorecard"),
    path("collect/", views.collect_now, name="collect"),
    path("custom/new/", views.custom_kpi_form, name="custom_create"),
    path("uploads/<int:pk>/", views.upload_report, name="upload_report"),
    # Keys hold dots ("incident.mttr"), never slashes: <str:> matches them whole.
    path("<str:key>/", views.kpi_detail, name="detail"),
    path("<str:key>/edit/", views.custom_kpi_form, name="custom_edit"),
    path("<str:key>/upload/", views.upload_points, name="upload"),
]
