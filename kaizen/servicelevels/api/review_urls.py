"""The service review endpoints under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from kaizen.servicelevels.api.review_views import ReviewActionView, ServiceReviewViewSet

router = SimpleRouter()
router.register("service-reviews", ServiceReviewViewSet, basename="service-review")

urlpatterns = [
    path(
        "service-reviews/<str:number>/actions/<int:pk>/",
        ReviewActionView.as_view(),
        name="service-review-action",
    ),
    *router.urls,
]
