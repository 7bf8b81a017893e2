from django.urls import path

from reviews import report_views

app_name = "reports"

urlpatterns = [
    path("feedback/", report_views.feedback_report, name="feedback-report"),
    path("feedback/csv/<slug:table>/", report_views.feedback_report_csv, name="feedback-report-csv"),
]
