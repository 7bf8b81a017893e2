from django.urls import path

from exams import health_views

app_name = "health"

urlpatterns = [
    path("sandbox/", health_views.sandbox_health, name="sandbox"),
    path("sandbox.json", health_views.sandbox_health_json, name="sandbox-json"),
]
