from django.urls import path

from accounts.api import views

app_name = "accounts-api"

urlpatterns = [
    path("auth/token/", views.AuthTokenObtainApi.as_view(), name="auth-token"),
    path("me/", views.MeApi.as_view(), name="me"),
    path("notifications/", views.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all/", views.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path(
        "notifications/<int:notification_id>/read/",
        views.NotificationReadApi.as_view(),
        name="notification-read",
    ),
]
