"""Accounts are managed by staff with model permissions only: instructors never list users
(they pick lesson authors and feedback owners among their course's team on those forms)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, NotificationPreference, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "display_name", "is_staff", "is_active", "date_joined")
    search_fields = ("username", "email", "display_name", "first_name", "last_name")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("display_name", "preferred_language", "time_zone")}),
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("title", "user__username", "user__email")
    ordering = ("-created_at", "-id")
    autocomplete_fields = ("user",)
    readonly_fields = ("dedupe_key",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "in_app", "email")
    list_filter = ("kind", "in_app", "email")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    ordering = ("user__username", "kind")
    autocomplete_fields = ("user",)
