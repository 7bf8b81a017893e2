"""API of case analyses, role-play sessions, the grading desk and the gradebook (mounted under
/api/v1/ by config/api_router.py)."""

from django.urls import path

from exams.api import desk_case_views, desk_gradebook_views, desk_role_play_views, desk_views

app_name = "grading-api"

urlpatterns = [
    # Case analyses (students)
    path(
        "cases/<int:case_id>/analysis/", desk_case_views.CaseAnalysisDetailApi.as_view(), name="case-analysis"
    ),
    path(
        "cases/<int:case_id>/analysis/draft/",
        desk_case_views.CaseAnalysisSaveApi.as_view(),
        name="case-analysis-save",
    ),
    path(
        "cases/<int:case_id>/analysis/submit/",
        desk_case_views.CaseAnalysisSubmitApi.as_view(),
        name="case-analysis-submit",
    ),
    # Role-play sessions (participants)
    path(
        "roleplay-sessions/<int:session_id>/me/",
        desk_role_play_views.RolePlaySessionMineApi.as_view(),
        name="roleplay-session-mine",
    ),
    path(
        "roleplay-sessions/<int:session_id>/deliverable/",
        desk_role_play_views.RolePlayDeliverableSaveApi.as_view(),
        name="roleplay-deliverable-save",
    ),
    path(
        "roleplay-sessions/<int:session_id>/reflection/",
        desk_role_play_views.RolePlayReflectionSaveApi.as_view(),
        name="roleplay-reflection-save",
    ),
    # Grading desk (the course's team; staff read)
    path("desk/courses/<slug:slug>/items/", desk_views.DeskQueueApi.as_view(), name="desk-queue"),
    path("desk/items/<str:kind>/<int:item_id>/", desk_views.DeskItemApi.as_view(), name="desk-item"),
    path("desk/items/<str:kind>/<int:item_id>/grade/", desk_views.DeskGradeApi.as_view(), name="desk-grade"),
    path("desk/overrides/", desk_views.DeskOverrideApi.as_view(), name="desk-override"),
    # Gradebook
    path(
        "gradebook/courses/<slug:slug>/",
        desk_gradebook_views.GradebookCourseApi.as_view(),
        name="gradebook-course",
    ),
    path("gradebook/me/", desk_gradebook_views.GradebookMineApi.as_view(), name="gradebook-mine"),
]
