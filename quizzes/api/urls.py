from django.urls import path

from quizzes.api import views

app_name = "quizzes-api"

urlpatterns = [
    path("quizzes/<int:quiz_id>/", views.QuizDetailApi.as_view(), name="quiz-detail"),
    path("quizzes/<int:quiz_id>/attempts/", views.AttemptStartApi.as_view(), name="attempt-start"),
    path("attempts/<int:attempt_id>/", views.AttemptDetailApi.as_view(), name="attempt-detail"),
    path(
        "attempts/<int:attempt_id>/answers/<int:question_id>/",
        views.AnswerSaveApi.as_view(),
        name="answer-save",
    ),
    path("attempts/<int:attempt_id>/submit/", views.AttemptSubmitApi.as_view(), name="attempt-submit"),
    path("attempts/<int:attempt_id>/result/", views.AttemptResultApi.as_view(), name="attempt-result"),
]
