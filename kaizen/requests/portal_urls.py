from django.urls import path

from kaizen.requests import views

# The catalogue, request types and requests. Request numbers last: the other paths must not
# be read as one.
urlpatterns = [
    path("", views.request_list, name="list"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/", views.order, name="order"),
    path("mine/", views.mine, name="mine"),
    path("types/", views.type_list, name="type_list"),
    path("types/new/", views.type_create, name="type_create"),
    path("types/<int:pk>/", views.type_detail, name="type_detail"),
    path("types/<int:pk>/edit/", views.type_edit, name="type_edit"),
    path("types/<int:pk>/form/", views.type_form, name="type_form"),
    path("types/<int:pk>/approval-steps/", views.type_steps, name="type_steps"),
    path("types/<int:pk>/tasks/", views.type_tasks, name="type_tasks"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("<str:number>/", views.request_detail, name="request_detail"),
    path("<str:number>/cancel/", views.cancel, name="cancel"),
    path("<str:number>/assign/", views.assign, name="assign"),
    path("<str:number>/hold/", views.hold, name="hold"),
    path("<str:number>/resume/", views.resume, name="resume"),
    path("<str:number>/fulfil/", views.fulfil, name="fulfil"),
    path("<str:number>/fail/", views.fail, name="fail"),
    path("<str:number>/close/", views.close, name="close"),
    path("<str:number>/comment/", views.comment, name="comment"),
    path("<str:number>/attach/", views.attach, name="attach"),
]
