from django.urls import path

from kaizen.incidents import category_views, views

app_name = "incidents"
urlpatterns = [
    path("", views.home, name="home"),
    path("queues/<slug:name>/", views.queue_list, name="queue"),
    path("mine/", views.my_list, name="my_list"),
    path("report/", views.report, name="report"),
    path("new/", views.create, name="create"),
    path("bulk/", views.bulk, name="bulk"),
    path("priority-matrix/", views.priority_matrix, name="priority_matrix"),
    path("categories/", category_views.category_list, name="category_list"),
    path("categories/new/", category_views.category_create, name="category_create"),
    path("categories/<int:pk>/edit/", category_views.category_edit, name="category_edit"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/edit/", views.edit, name="edit"),
    path("<str:number>/transition/", views.transition, name="transition"),
    path("<str:number>/hold-reason/", views.hold_reason, name="hold_reason"),
    path("<str:number>/assign/", views.assign, name="assign"),
    path("<str:number>/comments/", views.comment, name="comment"),
    path("<str:number>/attachments/", views.attach, name="attach"),
]
