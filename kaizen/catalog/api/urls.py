from rest_framework.routers import SimpleRouter

from kaizen.catalog.api import views

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="service")
router.register("offerings", views.OfferingViewSet, basename="offering")
router.register("dependencies", views.DependencyViewSet, basename="dependency")
router.register("cis", views.ConfigurationItemViewSet, basename="ci")
urlpatterns = router.urls
