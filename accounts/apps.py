from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib import admin

        from accounts import receivers  # noqa: F401 - connects the cache-invalidation receivers
        from accounts.forms import AdminLoginForm

        # /admin/login/ would otherwise be a way around the login throttle.
        admin.site.login_form = AdminLoginForm
