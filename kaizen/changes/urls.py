from django.urls import include, path

from kaizen.changes import views

app_name = "changes"

urlpatterns = [
    path("", views.change_list, name="list"),
    path("new/", views.create, name="create"),
    path("new/standard/", views.create_standard, name="create_standard"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_propose, name="template_propose"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/revise/", views.template_propose, name="template_revise"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    # The parts: authorisation (CAB), calendar, risk.
    path("", include("kaizen.changes.cab_urls")),
    path("", include("kaizen.changes.calendar_urls")),
    path("", include("kaizen.changes.risk_urls")),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/edit/", views.edit, name="edit"),
    path("<str:number>/transition/", views.transition, name="transition"),
    path("<str:number>/review/", views.review, name="review"),
    path("<str:number>/comment/", views.comment, name="comment"),
    path("<str:number>/attach/", views.attach, name="attach"),
    path("<str:number>/caused/", views.caused_add, name="caused_add"),
    path("<str:number>/caused/propose/", views.caused_propose, name="caused_propose"),
    path("<str:number>/caused/<int:pk>/", views.caused_decide, name="caused_decide"),
]
