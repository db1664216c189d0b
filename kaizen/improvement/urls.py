from django.urls import path

from kaizen.improvement import opportunity_views, report_views, views

app_name = "improvement"
urlpatterns = [
    # the register
    path("", views.register, name="register"),
    path("board/", views.board, name="board"),
    path("new/", views.initiative_create, name="initiative_create"),
    path("<int:pk>/", views.initiative, name="initiative"),
    path("<int:pk>/edit/", views.initiative_edit, name="initiative_edit"),
    path("<int:pk>/step/<int:step>/", views.step, name="step"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/return/", views.return_to_step, name="return"),
    # step outputs
    path("<int:pk>/kpis/add/", views.kpi_add, name="kpi_add"),
    path("<int:pk>/kpis/<int:kpi_pk>/", views.kpi_edit, name="kpi_edit"),
    path("<int:pk>/kpis/<int:kpi_pk>/remove/", views.kpi_remove, name="kpi_remove"),
    path("<int:pk>/assess/", views.assess, name="assess"),
    path("<int:pk>/gaps/<int:gap_pk>/", views.gap_edit, name="gap_edit"),
    path("<int:pk>/kpis/<int:kpi_pk>/rules/add/", views.rule_add, name="rule_add"),
    path(
        "<int:pk>/kpis/<int:kpi_pk>/rules/<int:rule_pk>/remove/",
        views.rule_remove,
        name="rule_remove",
    ),
    path("<int:pk>/kpis/<int:kpi_pk>/analyse/", views.analyse, name="analyse"),
    path("<int:pk>/kpis/<int:kpi_pk>/baseline/", views.baseline, name="baseline"),
    path("<int:pk>/decision/", views.decision, name="decision"),
    path("<int:pk>/actions/add/", views.action_add, name="action_add"),
    path("<int:pk>/actions/<int:action_pk>/", views.action_edit, name="action_edit"),
    path("<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("<int:pk>/next-cycle/", views.next_cycle, name="next_cycle"),
    # goals
    path("goals/", views.goals, name="goals"),
    path("goals/new/", views.goal_create, name="goal_create"),
    path("goals/<int:pk>/", views.goal, name="goal"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    # step 6: the report, as a page, a PDF and a read-only shared link
    path("<int:pk>/report/", report_views.report_page, name="report"),
    path("<int:pk>/report.pdf", report_views.report_pdf, name="report_pdf"),
    path("<int:pk>/share/", report_views.share, name="share"),
    path("<int:pk>/unshare/", report_views.unshare, name="unshare"),
    path("shared/<str:token>/", report_views.shared_report, name="shared_report"),
    path("shared/<str:token>/report.pdf", report_views.shared_report_pdf, name="shared_pdf"),
    # opportunities the data suggests
    path("opportunities/", opportunity_views.opportunity_list, name="opportunities"),
    path("opportunities/scan/", opportunity_views.scan, name="opportunity_scan"),
    path("opportunities/<int:pk>/", opportunity_views.opportunity, name="opportunity"),
    path("opportunities/<int:pk>/dismiss/", opportunity_views.dismiss, name="opportunity_dismiss"),
    path("opportunities/<int:pk>/start/", opportunity_views.start, name="opportunity_start"),
]
