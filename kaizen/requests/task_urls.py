from django.urls import path

from kaizen.requests import task_views

urlpatterns = [
    path("tasks/", task_views.task_queue, name="task_queue"),
    path("tasks/<str:number>/", task_views.task_detail, name="task_detail"),
    path("tasks/<str:number>/assign/", task_views.task_assign, name="task_assign"),
    path("tasks/<str:number>/note/", task_views.task_note, name="task_note"),
    path("tasks/<str:number>/<slug:action>/", task_views.task_action, name="task_action"),
]
