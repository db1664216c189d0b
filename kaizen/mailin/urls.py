from django.urls import path

from kaizen.mailin import views

app_name = "mailin"
urlpatterns = [
    path("mailboxes/", views.mailbox_list, name="mailbox_list"),
    path("mailboxes/new/", views.mailbox_create, name="mailbox_create"),
    path("mailboxes/<int:pk>/", views.mailbox_detail, name="mailbox_detail"),
    path("mailboxes/<int:pk>/edit/", views.mailbox_edit, name="mailbox_edit"),
    path("messages/", views.message_list, name="message_list"),
    path("messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("messages/<int:pk>/reprocess/", views.message_reprocess, name="message_reprocess"),
]
