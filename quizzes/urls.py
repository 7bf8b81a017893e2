from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("<int:quiz_id>/", views.quiz_detail, name="quiz-detail"),
    path("<int:quiz_id>/start/", views.attempt_start, name="attempt-start"),
    path("attempts/<int:attempt_id>/", views.attempt_take, name="attempt-take"),
    path(
        "attempts/<int:attempt_id>/responses/<int:question_id>/",
        views.response_save,
        name="response-save",
    ),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt-submit"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result, name="attempt-result"),
    path("attempts/<int:attempt_id>/status/", views.attempt_status, name="attempt-status"),
]
