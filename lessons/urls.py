from django.urls import path

from lessons import views

app_name = "lessons"

urlpatterns = [
    path("<int:lesson_id>/", views.lesson_detail, name="lesson-detail"),
    path("<int:lesson_id>/complete/", views.lesson_complete, name="lesson-complete"),
]
