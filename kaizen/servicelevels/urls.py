from django.urls import include, path

from kaizen.servicelevels import report_urls, views

app_name = "servicelevels"

urlpatterns = [
    path("", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<str:number>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<str:number>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<str:number>/versions/new/", views.terms_create, name="terms_create"),
    path(
        "agreements/<str:number>/versions/<int:sequence>/edit/",
        views.terms_edit,
        name="terms_edit",
    ),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("suppliers/", views.supplier_list, name="supplier_list"),
    path("suppliers/new/", views.supplier_create, name="supplier_create"),
    path("suppliers/<int:pk>/", views.supplier_detail, name="supplier_detail"),
    path("suppliers/<int:pk>/edit/", views.supplier_edit, name="supplier_edit"),
    *report_urls.urlpatterns,
    path("", include("kaizen.servicelevels.review_urls")),
]
