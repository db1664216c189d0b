from django.urls import path

from kaizen.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.home, name="home"),
    path("definitions/", views.definition_list, name="definition_list"),
    path("definitions/new/", views.definition_create, name="definition_create"),
    path("definitions/<slug:slug>/", views.definition_detail, name="definition_detail"),
    path("definitions/<slug:slug>/edit/", views.definition_edit, name="definition_edit"),
    path("definitions/<slug:slug>/publish/", views.version_publish, name="version_publish"),
    path("definitions/<slug:slug>/triggers/new/", views.trigger_add, name="trigger_add"),
    path("triggers/<int:pk>/edit/", views.trigger_edit, name="trigger_edit"),
    path("definitions/<slug:slug>/results/", views.results, name="results"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/", views.invitation_detail, name="invitation_detail"),
    path("follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up_detail"),
    path("mine/", views.my_surveys, name="my_surveys"),
    path("mine/<int:pk>/", views.my_survey, name="my_survey"),
    # Without signing in: the e-mail's links and the answer page they lead to.
    path("a/<str:token>/", views.answer_mail, name="answer_mail"),
    path("r/<str:token>/", views.answer_page, name="answer_page"),
]
