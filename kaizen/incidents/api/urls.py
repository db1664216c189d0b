from django.urls import path
from rest_framework.routers import SimpleRouter

from kaizen.incidents.api import views

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("categories", views.CategoryViewSet, basename="category")
urlpatterns = [
    path("priority-matrix/", views.PriorityMatrixView.as_view(), name="priority-matrix"),
    *router.urls,
]
