from rest_framework.routers import SimpleRouter

from kaizen.improvement.api import views

router = SimpleRouter()
router.register("goals", views.GoalViewSet, basename="goal")
router.register("initiatives", views.InitiativeViewSet, basename="initiative")
router.register("initiative-kpis", views.InitiativeKPIViewSet, basename="initiative-kpi")
router.register("cleaning-rules", views.CleaningRuleViewSet, basename="cleaning-rule")
router.register("gaps", views.GapViewSet, basename="gap")
router.register("analyses", views.AnalysisViewSet, basename="analysis")
router.register("actions", views.ActionViewSet, basename="improvement-action")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
urlpatterns = router.urls
