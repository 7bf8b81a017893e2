from django.urls import path

from exams import case_views, exam_views, gradebook_views, practice_views, role_play_views, views

app_name = "exams"

urlpatterns = [
    path("cases/<int:case_id>/", views.case_detail, name="case-detail"),
    path("roleplays/<int:role_play_id>/", views.roleplay_detail, name="roleplay-detail"),
    # Case analyses and role-play sessions
    path("cases/<int:case_id>/analysis/", case_views.case_analysis, name="case-analysis"),
    path(
        "cases/<int:case_id>/analysis/submit/", case_views.case_analysis_submit, name="case-analysis-submit"
    ),
    path("roleplays/<int:role_play_id>/sessions/", role_play_views.session_list, name="roleplay-sessions"),
    path(
        "roleplays/<int:role_play_id>/sessions/new/",
        role_play_views.session_create,
        name="roleplay-session-create",
    ),
    path("roleplay-sessions/<int:session_id>/", role_play_views.session_detail, name="roleplay-session"),
    path(
        "roleplay-sessions/<int:session_id>/control/",
        role_play_views.session_control,
        name="roleplay-session-control",
    ),
    path(
        "roleplay-sessions/<int:session_id>/advance/",
        role_play_views.session_advance,
        name="roleplay-session-advance",
    ),
    path(
        "roleplay-sessions/<int:session_id>/deliverable/",
        role_play_views.deliverable_save,
        name="roleplay-deliverable-save",
    ),
    path(
        "roleplay-sessions/<int:session_id>/reflection/",
        role_play_views.reflection_save,
        name="roleplay-reflection-save",
    ),
    path("grades/", gradebook_views.grades_mine, name="grades-mine"),
    # Practice: lesson exercises and runs
    path("lessons/<int:lesson_id>/exercises/", practice_views.lesson_exercises, name="lesson-exercises"),
    path("tasks/<int:task_id>/", practice_views.task_detail, name="task-detail"),
    path("tasks/<int:task_id>/runs/", practice_views.task_run, name="task-run"),
    path("runs/<int:submission_id>/", practice_views.submission_detail, name="submission-detail"),
    path("runs/<int:submission_id>/changes/", practice_views.submission_diff, name="submission-diff"),
    # Exams with tickets
    path("exams/<int:exam_id>/", exam_views.exam_detail, name="exam-detail"),
    path("exams/<int:exam_id>/draw/", exam_views.exam_draw, name="exam-draw"),
    path("sittings/<int:sitting_id>/", exam_views.sitting_detail, name="sitting-detail"),
    path("sittings/<int:sitting_id>/save/", exam_views.sitting_save, name="sitting-save"),
    path(
        "sittings/<int:sitting_id>/answers/<int:question_id>/",
        exam_views.sitting_answer_save,
        name="sitting-answer-save",
    ),
    path(
        "sittings/<int:sitting_id>/cases/<int:case_id>/",
        exam_views.sitting_case_save,
        name="sitting-case-save",
    ),
    path("sittings/<int:sitting_id>/code/", exam_views.sitting_code_save, name="sitting-code-save"),
    path("sittings/<int:sitting_id>/checks/", exam_views.sitting_check, name="sitting-check"),
    path("sittings/<int:sitting_id>/submit/", exam_views.sitting_submit, name="sitting-submit"),
    path("sittings/<int:sitting_id>/status/", exam_views.sitting_status, name="sitting-status"),
]
