from rest_framework.routers import SimpleRouter

from kaizen.kpis.api import views

router = SimpleRouter()
router.register("kpis", views.KPIViewSet, basename="kpi")
router.register("custom-kpis", views.CustomKPIViewSet, basename="custom-kpi")
urlpatterns = router.urls
