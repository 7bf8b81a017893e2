"""Every app's API mounted under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("courses.api.urls")),
]
