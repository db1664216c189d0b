from django.urls import path

from kaizen.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("new/", views.new_import, name="new"),
    path("new/<str:token>/", views.preview_import, name="preview"),
    path("new/<str:token>/start/", views.start_import, name="start"),
    path("new/<str:token>/discard/", views.discard_import, name="discard"),
    path("<int:pk>/", views.run_detail, name="detail"),
    path("<int:pk>/progress.json", views.run_progress, name="progress"),
    path("<int:pk>/errors.csv", views.run_errors_csv, name="errors_csv"),
    path("<int:pk>/again/", views.run_again, name="again"),
]
