from django.urls import include, path

from kaizen.problems import views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.create, name="create"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    # The parts first: their paths must not be read as a problem number.
    path("", include("kaizen.problems.candidate_urls")),
    path("", include("kaizen.problems.known_error_urls")),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/edit/", views.edit, name="edit"),
    path("<str:number>/analysis/", views.analysis, name="analysis"),
    path("<str:number>/transition/", views.transition, name="transition"),
    path("<str:number>/link/", views.link, name="link"),
    path("<str:number>/unlink/", views.unlink, name="unlink"),
    path("<str:number>/comment/", views.comment, name="comment"),
    path("<str:number>/attach/", views.attach, name="attach"),
]
