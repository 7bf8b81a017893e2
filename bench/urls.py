"""The benchmark URLconf (``config.settings.bench``): the whole site plus the reference views."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/bare/", views.bare, name="bench-bare"),
    path("bench/bare-db/", views.bare_db, name="bench-bare-db"),
    path("bench/whoami/", views.whoami, name="bench-whoami"),
    path("", include("config.urls")),
]
