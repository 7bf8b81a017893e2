from django.urls import path

from courses.api import views

app_name = "courses-api"

urlpatterns = [
    path("courses/", views.CourseListApi.as_view(), name="course-list"),
    path("courses/<slug:slug>/", views.CourseDetailApi.as_view(), name="course-detail"),
    path("courses/<slug:slug>/enroll/", views.CourseEnrollApi.as_view(), name="course-enroll"),
    path("dashboard/", views.DashboardApi.as_view(), name="dashboard"),
]
