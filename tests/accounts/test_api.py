import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Notification, NotificationPreference
from tests.accounts.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def user():
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def logged_in(api, user):
    api.force_authenticate(user)
    return api


# auth/token/


def test_token_is_issued_for_the_right_credentials_and_authenticates(api, user):
    # when
    response = api.post(
        reverse("accounts-api:auth-token"), {"username": "alice", "password": PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=user).key == token
    me = APIClient().get(reverse("accounts-api:me"), HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200 and me.json()["username"] == "alice"


def test_token_is_refused_for_a_wrong_password(api, user):
    response = api.post(
        reverse("accounts-api:auth-token"), {"username": "alice", "password": "nope"}, format="json"
    )

    assert response.status_code == 400
    assert "correct username and password" in response.json()["detail"]
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    "body", [{}, {"username": "alice"}, {"username": "", "password": ""}, ["alice", "x"]]
)
def test_token_request_with_bad_input_is_a_400_with_field_errors(api, body):
    response = api.post(reverse("accounts-api:auth-token"), body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input." and response.json()["errors"]


def test_token_request_with_malformed_json_is_a_400(api):
    response = api.post(reverse("accounts-api:auth-token"), "{nope", content_type="application/json")

    assert response.status_code == 400 and "detail" in response.json()


def test_token_is_throttled_like_the_login_page(api, user):
    # given
    for _ in range(4):
        api.post(reverse("accounts-api:auth-token"), {"username": "alice", "password": "nope"}, format="json")

    # when
    fifth = api.post(
        reverse("accounts-api:auth-token"), {"username": "alice", "password": "nope"}, format="json"
    )
    sixth = api.post(
        reverse("accounts-api:auth-token"), {"username": "alice", "password": PASSWORD}, format="json"
    )

    # then
    for response in (fifth, sixth):
        assert response.status_code == 429
        assert response.json()["detail"] == "Too many failed login attempts. Try again in 15 minutes."
        assert 890 <= int(response["Retry-After"]) <= 900


def test_login_page_failures_count_towards_the_api_throttle(client, api, user):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})

    response = api.post(
        reverse("accounts-api:auth-token"), {"username": "alice", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 429


# me/


def test_me_needs_authentication(api):
    assert api.get(reverse("accounts-api:me")).status_code == 403
    assert api.patch(reverse("accounts-api:me"), {}, format="json").status_code == 403
    assert "detail" in api.get(reverse("accounts-api:me")).json()


def test_me_returns_the_profile_and_every_preference(logged_in, user):
    # given
    NotificationPreference.objects.create(user=user, kind="digest", in_app=False, email=True)

    # when
    response = logged_in.get(reverse("accounts-api:me"))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice" and body["email"] == "alice@example.com"
    preferences = {item["kind"]: (item["in_app"], item["email"]) for item in body["notification_preferences"]}
    assert len(preferences) == len(Notification.Kind.values)
    assert preferences["digest"] == (False, True) and preferences["attempt_graded"] == (True, True)


def test_me_patch_changes_only_what_is_sent(logged_in, user):
    # given
    user.display_name = "Alice"
    user.save()

    # when
    response = logged_in.patch(
        reverse("accounts-api:me"),
        {"time_zone": "Asia/Yekaterinburg", "notification_preferences": [{"kind": "digest", "email": False}]},
        format="json",
    )

    # then
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.display_name, user.time_zone) == ("Alice", "Asia/Yekaterinburg")
    digest = NotificationPreference.objects.get(user=user, kind="digest")
    assert (digest.in_app, digest.email) == (True, False)
    assert response.json()["time_zone"] == "Asia/Yekaterinburg"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_language": "de"}, "preferred_language"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"display_name": "x" * 151}, "display_name"),
        ({"display_name": None}, "display_name"),
        ({"notification_preferences": [{"kind": "gossip"}]}, "notification_preferences"),
        ({"notification_preferences": [{"kind": "digest"}, {"kind": "digest"}]}, "notification_preferences"),
        (
            {"notification_preferences": [{"kind": "digest", "email": "sometimes"}]},
            "notification_preferences",
        ),
        ({"notification_preferences": "all"}, "notification_preferences"),
    ],
)
def test_me_patch_with_bad_input_is_a_400_and_changes_nothing(logged_in, user, body, field):
    # when
    response = logged_in.patch(reverse("accounts-api:me"), body, format="json")

    # then
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input." and field in response.json()["errors"]
    user.refresh_from_db()
    assert user.time_zone == "" and not NotificationPreference.objects.filter(user=user).exists()


def test_me_patch_with_a_non_object_body_is_a_400(logged_in):
    response = logged_in.patch(reverse("accounts-api:me"), [1, 2], format="json")

    assert response.status_code == 400 and response.json()["detail"] == "Invalid input."


# notifications/


def test_notifications_need_authentication(api):
    notification = NotificationFactory()

    assert api.get(reverse("accounts-api:notification-list")).status_code == 403
    assert api.post(reverse("accounts-api:notification-read", args=[notification.pk])).status_code == 403
    assert api.post(reverse("accounts-api:notification-read-all")).status_code == 403


def test_notification_list_shows_only_own_notifications_paginated(logged_in, user):
    # given
    NotificationFactory.create_batch(31, user=user)
    NotificationFactory(title="Someone else's")

    # when
    first = logged_in.get(reverse("accounts-api:notification-list"))
    second = logged_in.get(reverse("accounts-api:notification-list"), {"page": 2})

    # then
    assert first.status_code == 200
    assert first.json()["count"] == 31 and len(first.json()["results"]) == 30 and first.json()["next"]
    assert len(second.json()["results"]) == 1
    titles = {item["title"] for item in first.json()["results"] + second.json()["results"]}
    assert "Someone else's" not in titles
    assert set(first.json()["results"][0]) == {
        "id",
        "kind",
        "title",
        "body",
        "url",
        "created_at",
        "read_at",
        "is_read",
    }


def test_notification_list_unread_filter(logged_in, user):
    NotificationFactory(user=user, title="Unread")
    NotificationFactory(user=user, title="Read", read_at=timezone.now())

    response = logged_in.get(reverse("accounts-api:notification-list"), {"unread": "true"})

    assert [item["title"] for item in response.json()["results"]] == ["Unread"]
    assert response.json()["results"][0]["is_read"] is False


@pytest.mark.parametrize(
    ("params", "status"), [({"unread": "maybe"}, 400), ({"page": "abc"}, 404), ({"page": 99}, 404)]
)
def test_notification_list_bad_parameters_are_json_errors(logged_in, user, params, status):
    NotificationFactory(user=user)

    response = logged_in.get(reverse("accounts-api:notification-list"), params)

    assert response.status_code == status and "detail" in response.json()


def test_notification_list_query_count_does_not_grow(logged_in, user, django_assert_max_num_queries):
    # given
    Notification.objects.bulk_create(
        [Notification(user=user, kind=Notification.Kind.ATTEMPT_GRADED, title=f"N{i}") for i in range(500)]
    )

    # when / then: count, page
    with django_assert_max_num_queries(2):
        response = logged_in.get(reverse("accounts-api:notification-list"), {"page": 5, "page_size": 100})
    assert len(response.json()["results"]) == 100


def test_marking_own_notification_read(logged_in, user):
    notification = NotificationFactory(user=user)

    response = logged_in.post(reverse("accounts-api:notification-read", args=[notification.pk]))

    assert response.status_code == 200
    assert response.json()["id"] == notification.pk and response.json()["is_read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("make_id", [lambda: NotificationFactory().pk, lambda: 999_999, lambda: 10**30])
def test_marking_another_users_or_a_missing_notification_is_a_404(logged_in, make_id):
    notification_id = make_id()

    response = logged_in.post(reverse("accounts-api:notification-read", args=[notification_id]))

    assert response.status_code == 404 and "detail" in response.json()
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_read_all_marks_only_own_unread(logged_in, user):
    NotificationFactory.create_batch(2, user=user)
    NotificationFactory(user=user, read_at=timezone.now())
    other = NotificationFactory()

    response = logged_in.post(reverse("accounts-api:notification-read-all"))

    assert response.status_code == 200 and response.json() == {"marked_read": 2}
    other.refresh_from_db()
    assert other.read_at is None


def test_read_endpoints_refuse_get(logged_in, user):
    notification = NotificationFactory(user=user)

    assert logged_in.get(reverse("accounts-api:notification-read", args=[notification.pk])).status_code == 405
    assert logged_in.get(reverse("accounts-api:notification-read-all")).status_code == 405
