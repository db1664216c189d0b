from django.urls import include, path
from rest_framework.routers import SimpleRouter

from kaizen.changes.api import views

router = SimpleRouter()
router.register("change-templates", views.ChangeTemplateViewSet, basename="change-template")
router.register("change-categories", views.ChangeCategoryViewSet, basename="change-category")
router.register("changes", views.ChangeViewSet, basename="change")

urlpatterns = [
    # The parts first: their paths under changes/ must not be read as a change number.
    path("", include("kaizen.changes.api.cab_urls")),
    path("", include("kaizen.changes.api.calendar_urls")),
    path("", include("kaizen.changes.api.risk_urls")),
    *router.urls,
]
