from django.urls import path

from kaizen.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/<slug:slug>/", views.service_detail, name="service_detail"),
    path("services/<slug:slug>/edit/", views.service_edit, name="service_edit"),
    path("services/<slug:slug>/lifecycle/", views.service_lifecycle, name="service_lifecycle"),
    path("services/<slug:slug>/offerings/new/", views.offering_form, name="offering_create"),
    path(
        "services/<slug:slug>/offerings/<int:pk>/edit/", views.offering_form, name="offering_edit"
    ),
    path("services/<slug:slug>/dependencies/", views.dependency_add, name="dependency_add"),
    path(
        "services/<slug:slug>/dependencies/<int:pk>/remove/",
        views.dependency_remove,
        name="dependency_remove",
    ),
    path("cis/", views.ci_list, name="ci_list"),
    path("cis/new/", views.ci_form, name="ci_create"),
    path("cis/<int:pk>/", views.ci_detail, name="ci_detail"),
    path("cis/<int:pk>/edit/", views.ci_form, name="ci_edit"),
]
