"""Every app's API mounted under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("courses.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("quizzes.api.urls")),
    path("", include("quizzes.api.flashcard_urls")),
    path("", include("lessons.api.urls")),
    path("", include("reviews.api.report_urls")),
    path("", include("reviews.api.urls")),
    path("", include("exams.api.urls")),
    path("", include("exams.api.grading_urls")),
]
