"""Account pages: sign-up, profile, language, notification inbox. Login, logout and password
reset are Django's views, configured in accounts/urls.py."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling, trigger_client_event

from accounts import selectors
from accounts.forms import NotificationPreferencesForm, ProfileForm, SignupForm, form_add_service_errors
from accounts.models import Notification
from accounts.notifications import notification_mark_all_read, notification_mark_read
from accounts.services import user_create, user_profile_update

# Sent with every response that changes read state; the header badge listens for it.
NOTIFICATIONS_CHANGED = "notifications-changed"


def login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's login_required, except that an HTMX request is sent to the login page as a
    whole-page navigation instead of having the login page swapped into a fragment."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            next_url = request.htmx.current_url_abs_path or reverse("accounts:inbox")
            return HttpResponseClientRedirect(
                f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"
            )
        return redirect_to_login(request.get_full_path())

    return wrapper


def _safe_next(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error, SignupForm.service_field_map)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, _("Welcome to Kafedra, %(name)s!") % {"name": user.username})
            return redirect(_safe_next(request))
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)})


def _language_cookie_set(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    data = request.POST if request.method == "POST" else None
    profile_form = ProfileForm.for_user(user, data=data)
    preferences_form = NotificationPreferencesForm(
        data=data, channels=selectors.notification_preferences_for_user(user=user)
    )
    if request.method == "POST" and profile_form.is_valid() and preferences_form.is_valid():
        try:
            user_profile_update(
                user=user,
                data=profile_form.cleaned_data,
                notification_preferences=preferences_form.preferences(),
            )
        except ValidationError as error:
            form_add_service_errors(profile_form, error)
        else:
            messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            if user.preferred_language:
                # Keeps the language after logging out too.
                _language_cookie_set(response, user.preferred_language)
            return response
    return render(
        request,
        "accounts/profile.html",
        {"profile_form": profile_form, "preferences_form": preferences_form},
    )


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie and redirect); for a logged-in user the choice also becomes
    their preferred language, which is what they will get on every device."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_profile_update(user=request.user, data={"preferred_language": language})
    return response


def _inbox_context(request: HttpRequest, *, page_number: str | None, unread_only: bool) -> dict:
    notifications = selectors.notification_list_for_user(user=request.user, unread_only=unread_only)
    page = Paginator(notifications, selectors.INBOX_PAGE_SIZE).get_page(page_number)
    return {"page": page, "unread_only": unread_only}


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    context = _inbox_context(
        request, page_number=request.GET.get("page"), unread_only=request.GET.get("unread") == "1"
    )
    # A fragment for the inbox's own HTMX links; a whole page for a boosted link or a history restore.
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "accounts/partials/notification_list.html", context)
    return render(request, "accounts/inbox.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = notification_mark_read(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    if not request.htmx:
        return redirect("accounts:inbox")
    response = render(request, "accounts/partials/notification_item.html", {"notification": notification})
    return trigger_client_event(response, NOTIFICATIONS_CHANGED)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notification_mark_all_read(user=request.user)
    if not request.htmx:
        return redirect("accounts:inbox")
    context = _inbox_context(
        request, page_number=request.POST.get("page"), unread_only=request.POST.get("unread") == "1"
    )
    response = render(request, "accounts/partials/notification_list.html", context)
    return trigger_client_event(response, NOTIFICATIONS_CHANGED)


@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The header badge. Polled by HTMX; an anonymous poller (its session ended) is told to stop
    polling instead of being redirected to the login page."""
    if not request.user.is_authenticated:
        return HttpResponseStopPolling()
    count = selectors.notification_unread_count(user=request.user)
    return render(request, "accounts/partials/notification_count.html", {"unread_count": count})
