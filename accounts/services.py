"""Writes to accounts: creating and updating users, logging in, profiles and API tokens.
(Notification delivery is in ``accounts.notifications``.)"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import Token

from accounts.exceptions import InvalidCredentials, LoginLocked
from accounts.models import Notification, NotificationPreference, User
from accounts.selectors import notification_preferences_for_user, time_zone_names
from accounts.throttling import (
    client_ip,
    login_failure_register,
    login_failures_clear,
    login_lockout_remaining,
)
from core.exceptions import ApplicationError

# Fixed, documented development passwords (they pass AUTH_PASSWORD_VALIDATORS). They are set
# only on accounts without a usable password, never over one the user chose.
DEMO_STUDENT = ("student", "student-demo-pass")
DEMO_INSTRUCTOR = ("instructor", "instructor-demo-pass")
DEMO_STAFF = ("staff", "staff-demo-pass")

# Staff read the feedback reports: they get every view_* permission of these apps.
REPORT_APP_LABELS = ("courses", "lessons", "quizzes", "exams", "reviews")


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    created: bool
    password_set: bool  # set by this run (the account had no usable password)
    password_is_demo: bool  # False: someone changed it, and it was kept
    lead_of: list[str] = field(default_factory=list)  # instructor: slugs of the courses led


def _account_ensure(
    *, role: str, username: str, password: str, display_name: str, is_staff: bool = False
) -> tuple[User, DemoAccount]:
    """The user ``username``, created if missing, with ``password`` set if it has no usable one
    and ``is_staff`` raised if asked; and how that went, as a DemoAccount."""
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username, email=f"{username}@kafedra.example", display_name=display_name)
    # A new user's password is "", which Django counts as usable.
    password_set = created or not user.password or not user.has_usable_password()
    if password_set:
        user.set_password(password)
    changed_staff = is_staff and not user.is_staff
    user.is_staff = user.is_staff or is_staff
    if created:
        user.full_clean()
        user.save()
    elif password_set or changed_staff:
        user.save(update_fields=["password", "is_staff"])
    account = DemoAccount(
        role=role,
        username=username,
        password=password,
        created=created,
        password_set=password_set,
        password_is_demo=password_set or user.check_password(password),
    )
    return user, account


@transaction.atomic
def demo_accounts_ensure(*, course_slugs: Sequence[str] | None = None) -> list[DemoAccount]:
    """Make sure the demo ``student``, ``instructor`` and ``staff`` accounts exist and can log in.

    Idempotent: missing users are created; the documented demo password is set only on a user
    without a usable password (e.g. the ``instructor`` created by the seed bundle import), so a
    password someone changed is kept. ``instructor`` becomes the lead of the courses
    ``course_slugs`` or, without them, of every published course that has no lead yet.
    ``staff`` gets ``is_staff`` and every ``view_*`` permission of the report apps.

    Raises ApplicationError (before changing anything) when a slug names no course.
    """
    from courses.models import Course, CourseStaff

    if course_slugs:
        courses = list(Course.objects.filter(slug__in=course_slugs))
        unknown = sorted(set(course_slugs) - {course.slug for course in courses})
        if unknown:
            raise ApplicationError(_("No course with the slug: %(slugs)s.") % {"slugs": ", ".join(unknown)})
    else:
        courses = list(
            Course.objects.filter(status=Course.Status.PUBLISHED).exclude(staff__role=CourseStaff.Role.LEAD)
        )

    _student, student = _account_ensure(
        role="student", username=DEMO_STUDENT[0], password=DEMO_STUDENT[1], display_name="Demo Student"
    )
    instructor_user, instructor = _account_ensure(
        role="instructor",
        username=DEMO_INSTRUCTOR[0],
        password=DEMO_INSTRUCTOR[1],
        display_name="Demo Instructor",
    )
    # Written here rather than through a courses service: courses has no staff service yet.
    for course in courses:
        membership, _created = CourseStaff.objects.get_or_create(
            course=course, user=instructor_user, defaults={"role": CourseStaff.Role.LEAD}
        )
        if membership.role != CourseStaff.Role.LEAD:
            membership.role = CourseStaff.Role.LEAD
            membership.save(update_fields=["role", "updated_at"])
    instructor.lead_of.extend(
        Course.objects.filter(staff__user=instructor_user, staff__role=CourseStaff.Role.LEAD)
        .order_by("slug")
        .values_list("slug", flat=True)
    )

    staff_user, staff = _account_ensure(
        role="staff", username=DEMO_STAFF[0], password=DEMO_STAFF[1], display_name="Demo Staff", is_staff=True
    )
    report_permissions = Permission.objects.filter(
        content_type__app_label__in=REPORT_APP_LABELS, codename__startswith="view_"
    )
    staff_user.user_permissions.add(*report_permissions)
    return [student, instructor, staff]


# Sign-up, login and profile ------------------------------------------------------------------

PROFILE_FIELDS = ("display_name", "preferred_language", "time_zone")
NOTIFICATION_CHANNELS = ("in_app", "email")


@transaction.atomic
def user_create(*, username: str, email: str, password: str) -> User:
    """Create an active account that can log in with ``password`` (signing up).

    Needs a username no other account has (compared case-insensitively), an e-mail address no
    other account uses (password reset finds accounts by e-mail) and a password that
    AUTH_PASSWORD_VALIDATORS accept. Raises ValidationError keyed by ``username``, ``email`` and
    ``password`` otherwise; nothing is saved then.
    """
    user = User(username=username, email=User.objects.normalize_email(email.strip()))
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if "username" not in errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("A user with that username already exists.")]
    if not user.email:
        errors.setdefault("email", []).append(_("Enter your e-mail address."))
    elif "email" not in errors and User.objects.filter(email__iexact=user.email).exists():
        errors["email"] = [_("An account with this e-mail address already exists.")]
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    return user


def _lockout_message(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many failed login attempts. Try again in %(minutes)d minute.",
        "Too many failed login attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def user_authenticate(*, request: HttpRequest, username: str, password: str) -> User:
    """The active user with these credentials, checked under the login throttle.

    Raises LoginLocked while ``username`` is locked out from the request's address (the password
    is not even checked then) and when this failure reaches the limit; InvalidCredentials for any
    other failure. A success forgets the failures counted so far. Does not log the user in.
    """
    ip = client_ip(request)
    remaining = login_lockout_remaining(username=username, ip=ip)
    if remaining:
        raise LoginLocked(_lockout_message(remaining), retry_after=remaining)
    user = authenticate(request, username=username, password=password)
    if user is None:
        lockout = login_failure_register(username=username, ip=ip)
        if lockout:
            raise LoginLocked(_lockout_message(lockout), retry_after=lockout)
        raise InvalidCredentials(
            _("Please enter a correct username and password. Note that both fields may be case-sensitive.")
        )
    login_failures_clear(username=username, ip=ip)
    return user


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    data: Mapping[str, str],
    notification_preferences: Mapping[str, Mapping[str, bool]] | None = None,
) -> User:
    """Change the profile fields in ``data`` (any of PROFILE_FIELDS) and, when given, how each
    notification kind is delivered, e.g. ``{"digest": {"email": False}}``; a kind or channel left
    out keeps its current value. All or nothing: nothing is saved unless everything is valid.

    Raises ValidationError keyed by field for an unknown language, time zone or notification
    kind, or a display name that is too long; ValueError for a field or channel that is not part
    of the profile (a programming error).
    """
    unknown_fields = set(data) - set(PROFILE_FIELDS)
    if unknown_fields:
        raise ValueError(f"Not profile fields: {sorted(unknown_fields)}")
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name, value in data.items():
        try:
            cleaned[name] = User._meta.get_field(name).clean(value, user)
        except ValidationError as error:
            errors[name] = error.messages
    if cleaned.get("time_zone") and cleaned["time_zone"] not in time_zone_names():
        errors["time_zone"] = [_("Choose a time zone from the list.")]
    preferences = dict(notification_preferences or {})
    for channels in preferences.values():
        unknown_channels = set(channels) - set(NOTIFICATION_CHANNELS)
        if unknown_channels:
            raise ValueError(f"Not notification channels: {sorted(unknown_channels)}")
    unknown_kinds = set(preferences) - set(Notification.Kind.values)
    if unknown_kinds:
        errors["notification_preferences"] = [
            _("Unknown notification kind: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown_kinds))}
        ]
    if errors:
        raise ValidationError(errors)

    changed = [name for name, value in cleaned.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, cleaned[name])
    if changed:
        user.save(update_fields=changed)
    if preferences:
        _notification_preferences_save(user=user, preferences=preferences)
    return user


def _notification_preferences_save(*, user: User, preferences: Mapping[str, Mapping[str, bool]]) -> None:
    # One read and one upsert, whatever the number of kinds; safe against a concurrent save of
    # the same kinds (ON CONFLICT on the (user, kind) unique constraint).
    current = {channels.kind: channels for channels in notification_preferences_for_user(user=user)}
    now = timezone.now()
    rows = [
        NotificationPreference(
            user=user,
            kind=kind,
            in_app=bool(channels.get("in_app", current[kind].in_app)),
            email=bool(channels.get("email", current[kind].email)),
            created_at=now,
            updated_at=now,
        )
        for kind, channels in preferences.items()
    ]
    NotificationPreference.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["in_app", "email", "updated_at"],
    )


def auth_token_get_or_create(*, user: User) -> Token:
    """The user's API token, created on first use (safe against a concurrent first use)."""
    token, _created = Token.objects.get_or_create(user=user)
    return token
