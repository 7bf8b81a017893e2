import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from accounts.exceptions import InvalidCredentials, LoginLocked
from accounts.models import Notification, NotificationPreference, User
from accounts.services import auth_token_get_or_create, user_authenticate, user_create, user_profile_update
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def login_request(ip: str = "10.0.0.1"):
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)


# user_create


def test_user_create_makes_an_account_that_can_log_in():
    # when
    user = user_create(username="alice", email=" Alice@Example.COM ", password="a-long-secret-42")

    # then
    user.refresh_from_db()
    assert user.is_active and user.check_password("a-long-secret-42")
    assert user.email == "Alice@example.com"  # the domain is normalized


def test_user_create_refuses_a_username_taken_in_another_case():
    # given
    UserFactory(username="alice")

    # when / then
    with pytest.raises(ValidationError) as error:
        user_create(username="ALICE", email="other@example.com", password="a-long-secret-42")
    assert "username" in error.value.message_dict
    assert User.objects.count() == 1


def test_user_create_refuses_an_email_address_already_used():
    # given
    UserFactory(email="alice@example.com")

    # when / then
    with pytest.raises(ValidationError) as error:
        user_create(username="alice2", email="ALICE@example.com", password="a-long-secret-42")
    assert "email" in error.value.message_dict


def test_user_create_refuses_a_weak_password_and_a_missing_email_together():
    # when / then
    with pytest.raises(ValidationError) as error:
        user_create(username="bob", email="", password="123")
    assert set(error.value.message_dict) == {"email", "password"}
    assert not User.objects.filter(username="bob").exists()


def test_user_create_refuses_an_invalid_username():
    with pytest.raises(ValidationError) as error:
        user_create(username="no spaces!", email="x@example.com", password="a-long-secret-42")
    assert "username" in error.value.message_dict


# user_authenticate


def test_user_authenticate_returns_the_user_for_right_credentials():
    # given
    user = UserFactory(username="alice")

    # when / then
    assert user_authenticate(request=login_request(), username="alice", password=PASSWORD) == user


def test_user_authenticate_refuses_a_wrong_password():
    UserFactory(username="alice")

    with pytest.raises(InvalidCredentials):
        user_authenticate(request=login_request(), username="alice", password="wrong")


def test_user_authenticate_refuses_an_inactive_user():
    UserFactory(username="alice", is_active=False)

    with pytest.raises(InvalidCredentials):
        user_authenticate(request=login_request(), username="alice", password=PASSWORD)


def test_fifth_failure_locks_and_even_the_right_password_is_then_refused():
    # given
    UserFactory(username="alice")
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            user_authenticate(request=login_request(), username="alice", password="wrong")

    # when / then: the fifth failure says so
    with pytest.raises(LoginLocked, match="15 minutes") as error:
        user_authenticate(request=login_request(), username="alice", password="wrong")
    assert error.value.retry_after == 900
    with pytest.raises(LoginLocked):
        user_authenticate(request=login_request(), username="alice", password=PASSWORD)
    # another address is not locked out
    assert user_authenticate(request=login_request("10.0.0.2"), username="alice", password=PASSWORD)


def test_a_successful_login_resets_the_failure_count():
    # given
    UserFactory(username="alice")
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            user_authenticate(request=login_request(), username="alice", password="wrong")

    # when
    user_authenticate(request=login_request(), username="alice", password=PASSWORD)

    # then: four more failures are allowed before the lock
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            user_authenticate(request=login_request(), username="alice", password="wrong")


# user_profile_update


def test_user_profile_update_saves_fields_and_preferences():
    # given
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind=Notification.Kind.DIGEST, in_app=False, email=False)

    # when
    user_profile_update(
        user=user,
        data={"display_name": "Алиса", "preferred_language": "en", "time_zone": "Asia/Novosibirsk"},
        notification_preferences={
            Notification.Kind.DIGEST: {"email": True},  # in_app keeps its stored value
            Notification.Kind.ATTEMPT_GRADED: {"in_app": True, "email": False},
        },
    )

    # then
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language, user.time_zone) == ("Алиса", "en", "Asia/Novosibirsk")
    stored = {p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user=user)}
    assert stored == {"digest": (False, True), "attempt_graded": (True, False)}


def test_user_profile_update_can_clear_the_language_and_time_zone():
    user = UserFactory(preferred_language="ru", time_zone="Europe/Moscow")

    user_profile_update(user=user, data={"preferred_language": "", "time_zone": ""})

    user.refresh_from_db()
    assert (user.preferred_language, user.time_zone) == ("", "")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"preferred_language": "de"}, "preferred_language"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"display_name": "x" * 151}, "display_name"),
    ],
)
def test_user_profile_update_refuses_invalid_values_and_saves_nothing(data, field):
    # given
    user = UserFactory(display_name="Old")

    # when / then
    with pytest.raises(ValidationError) as error:
        user_profile_update(
            user=user,
            data={"display_name": "New", **data},
            notification_preferences={"digest": {"email": False}},
        )
    assert field in error.value.message_dict
    user.refresh_from_db()
    assert user.display_name == "Old"
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_user_profile_update_refuses_an_unknown_notification_kind():
    with pytest.raises(ValidationError) as error:
        user_profile_update(
            user=UserFactory(), data={}, notification_preferences={"gossip": {"email": False}}
        )
    assert "notification_preferences" in error.value.message_dict


def test_user_profile_update_rejects_fields_outside_the_profile():
    user = UserFactory()

    with pytest.raises(ValueError, match="is_staff"):
        user_profile_update(user=user, data={"is_staff": True})
    with pytest.raises(ValueError, match="sms"):
        user_profile_update(user=user, data={}, notification_preferences={"digest": {"sms": True}})


# auth_token_get_or_create


def test_auth_token_is_created_once_and_then_reused():
    user = UserFactory()

    first = auth_token_get_or_create(user=user)
    second = auth_token_get_or_create(user=user)

    assert first.key == second.key and len(first.key) == 40
