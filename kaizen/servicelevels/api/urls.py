from django.urls import include, path
from rest_framework.routers import SimpleRouter

from kaizen.servicelevels.api import report_urls as report_api_urls
from kaizen.servicelevels.api.views import AgreementViewSet, CustomerViewSet, SupplierViewSet

router = SimpleRouter()
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("customers", CustomerViewSet, basename="customer")
router.register("suppliers", SupplierViewSet, basename="supplier")

urlpatterns = [
    *report_api_urls.urlpatterns,
    path("", include("kaizen.servicelevels.api.review_urls")),
    *router.urls,
]
