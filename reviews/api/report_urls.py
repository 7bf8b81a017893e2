from django.urls import path

from reviews.api import report_views

app_name = "reports-api"

urlpatterns = [
    path("reports/feedback/", report_views.FeedbackReportApi.as_view(), name="feedback-report"),
]
