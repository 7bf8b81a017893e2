"""Forms of the account pages. They parse and validate input; the services make the changes
(and validate again, so that the API and other callers get the same guarantees)."""

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from accounts.exceptions import InvalidCredentials, LoginLocked
from accounts.models import User
from accounts.selectors import NotificationChannels, time_zone_names
from accounts.services import user_authenticate


def form_add_service_errors(
    form: forms.BaseForm, error: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: each error on the form field it names
    (through ``field_map`` where the names differ), the rest above the form."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = field_map.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


class SignupForm(UserCreationForm):
    """Username, e-mail, password twice."""

    # Where the service's errors are shown: password errors under the confirmation, as Django does.
    service_field_map = {"password": "password2"}

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _("Used to reset your password and to send you notifications.")
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["email"].widget.attrs.update(autocomplete="email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this e-mail address already exists."), code="unique")
        return email


class ThrottledLoginMixin:
    """Check the credentials of an AuthenticationForm through the throttled ``user_authenticate``,
    so that every login form shares one lockout per username and address."""

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = user_authenticate(
                    request=self.request, username=username, password=password
                )
            except LoginLocked as error:
                raise ValidationError(error.message, code="throttled") from None
            except InvalidCredentials:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The site's login form."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form, under the same throttle (installed in AccountsConfig.ready)."""


def _time_zone_choices() -> list[tuple[str, str]]:
    return [("", _("Server time zone")), *((name, name.replace("_", " ")) for name in time_zone_names())]


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        help_text=_("Shown to instructors and other students instead of your username."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("As my browser asks")), *User.Language.choices],
        required=False,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        required=False,
        help_text=_("Deadlines and dates are shown in this time zone."),
    )

    @classmethod
    def for_user(cls, user: User, data: Mapping | None = None) -> "ProfileForm":
        initial = {
            "display_name": user.display_name,
            "preferred_language": user.preferred_language,
            "time_zone": user.time_zone,
        }
        return cls(data=data, initial=initial, prefix="profile")


@dataclass(frozen=True)
class PreferenceRow:
    label: str
    in_app: BoundField
    email: BoundField


class NotificationPreferencesForm(forms.Form):
    """Two checkboxes (inbox, e-mail) for each notification kind."""

    def __init__(self, *args, channels: list[NotificationChannels], **kwargs) -> None:
        kwargs.setdefault("prefix", "notifications")
        super().__init__(*args, **kwargs)
        self.channels = channels
        for item in channels:
            self.fields[f"{item.kind}__in_app"] = forms.BooleanField(
                label=_("%(kind)s: in the inbox") % {"kind": item.label}, required=False, initial=item.in_app
            )
            self.fields[f"{item.kind}__email"] = forms.BooleanField(
                label=_("%(kind)s: by e-mail") % {"kind": item.label}, required=False, initial=item.email
            )

    def rows(self) -> list[PreferenceRow]:
        return [
            PreferenceRow(
                label=item.label, in_app=self[f"{item.kind}__in_app"], email=self[f"{item.kind}__email"]
            )
            for item in self.channels
        ]

    def preferences(self) -> dict[str, dict[str, bool]]:
        """The cleaned choices in the shape ``user_profile_update`` takes."""
        return {
            item.kind: {
                "in_app": self.cleaned_data[f"{item.kind}__in_app"],
                "email": self.cleaned_data[f"{item.kind}__email"],
            }
            for item in self.channels
        }
