from django.urls import path

from exams.api import views

app_name = "exams-api"

urlpatterns = [
    path("practice/tasks/<int:task_id>/", views.PracticeTaskDetailApi.as_view(), name="task-detail"),
    path("practice/tasks/<int:task_id>/runs/", views.PracticeRunCreateApi.as_view(), name="run-create"),
    path("practice/tasks/<int:task_id>/history/", views.PracticeRunHistoryApi.as_view(), name="run-history"),
    path("practice/runs/<int:submission_id>/", views.PracticeRunDetailApi.as_view(), name="run-detail"),
    path("exams/<int:exam_id>/draw/", views.ExamDrawApi.as_view(), name="exam-draw"),
    path("sittings/<int:sitting_id>/", views.SittingDetailApi.as_view(), name="sitting-detail"),
    path(
        "sittings/<int:sitting_id>/answers/<int:question_id>/",
        views.SittingAnswerSaveApi.as_view(),
        name="sitting-answer-save",
    ),
    path(
        "sittings/<int:sitting_id>/cases/<int:case_id>/",
        views.SittingCaseSaveApi.as_view(),
        name="sitting-case-save",
    ),
    path("sittings/<int:sitting_id>/code/", views.SittingCodeSaveApi.as_view(), name="sitting-code-save"),
    path("sittings/<int:sitting_id>/checks/", views.SittingCheckCreateApi.as_view(), name="sitting-check"),
    path("sittings/<int:sitting_id>/submit/", views.SittingSubmitApi.as_view(), name="sitting-submit"),
]
