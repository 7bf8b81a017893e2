from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views
from accounts.forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password-change-done")),
        name="password-change",
    ),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password-reset-done"),
            extra_email_context={"site_name": "Kafedra"},
        ),
        name="password-reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password-reset-complete")
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password-reset-complete"
    ),
    path("profile/", views.profile, name="profile"),
    path("language/", views.language_set, name="language-set"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/count/", views.notification_count, name="notification-count"),
    path("inbox/read-all/", views.notification_read_all, name="notification-read-all"),
    path("inbox/<int:notification_id>/read/", views.notification_read, name="notification-read"),
]
