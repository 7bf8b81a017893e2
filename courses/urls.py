from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("courses/<slug:slug>/", views.course_detail, name="course-detail"),
]
