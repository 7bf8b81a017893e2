from django.urls import path

from lessons.api import views

app_name = "lessons-api"

urlpatterns = [
    path("lessons/<int:lesson_id>/", views.LessonDetailApi.as_view(), name="lesson-detail"),
    path("lessons/<int:lesson_id>/complete/", views.LessonCompleteApi.as_view(), name="lesson-complete"),
]
