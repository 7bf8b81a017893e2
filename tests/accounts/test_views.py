import json
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationPreference, User
from tests.accounts.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
HTMX = {"HTTP_HX_REQUEST": "true"}


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# sign up


def test_signup_page_has_a_labelled_field_for_every_input(client):
    response = client.get(reverse("accounts:signup"))

    assert response.status_code == 200
    content = response.content.decode()
    for name in ("username", "email", "password1", "password2"):
        assert f'<label for="id_{name}"' in content


def test_signup_creates_the_account_and_logs_in(client):
    # when
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "alice",
            "email": "alice@example.com",
            "password1": "a-long-secret-42",
            "password2": "a-long-secret-42",
        },
    )

    # then
    assert response.status_code == 302 and response.url == settings.LOGIN_REDIRECT_URL
    user = User.objects.get(username="alice")
    assert logged_in_user_id(client) == str(user.pk)


def test_signup_goes_to_a_safe_next_page_only(client):
    data = {
        "username": "alice",
        "email": "a@example.com",
        "password1": "a-long-secret-42",
        "password2": "a-long-secret-42",
    }

    response = client.post(reverse("accounts:signup") + "?next=https://evil.example/", data)

    assert response.url == "/"


def test_signup_errors_are_shown_and_the_typed_values_kept_except_passwords(client):
    # given
    UserFactory(email="taken@example.com")

    # when
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "alice",
            "email": "taken@example.com",
            "password1": "a-long-secret-42",
            "password2": "different-42",
        },
    )

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "An account with this e-mail address already exists." in content
    assert 'value="alice"' in content and 'value="taken@example.com"' in content
    assert "a-long-secret-42" not in content
    assert not User.objects.filter(username="alice").exists()


def test_signup_refuses_a_common_password(client):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "alice", "email": "a@example.com", "password1": "password", "password2": "password"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(username="alice").exists()


def test_logged_in_user_is_sent_away_from_signup(client):
    client.force_login(UserFactory())

    assert client.get(reverse("accounts:signup")).status_code == 302


# log in and out


def test_login_with_the_right_password_logs_in_and_redirects(client):
    user = UserFactory(username="alice")

    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": PASSWORD, "next": "/courses/x/"}
    )

    assert response.status_code == 302 and response.url == "/courses/x/"
    assert logged_in_user_id(client) == str(user.pk)


def test_login_with_a_wrong_password_keeps_the_username_but_not_the_password(client):
    UserFactory(username="alice")

    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "guess-one"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Please enter a correct username and password" in content
    assert 'value="alice"' in content and "guess-one" not in content
    assert logged_in_user_id(client) is None


def test_login_is_refused_for_fifteen_minutes_after_five_failures(client):
    # given
    UserFactory(username="alice")
    for _ in range(4):
        client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong"})

    # when: the fifth failure, then the right password
    fifth = client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong"})
    sixth = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})

    # then
    for response in (fifth, sixth):
        assert response.status_code == 200
        assert "Too many failed login attempts. Try again in 15 minutes." in response.content.decode()
    assert logged_in_user_id(client) is None
    # from another address the user still gets in
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 302


def test_logout_needs_post_and_logs_out(client):
    # given
    client.force_login(UserFactory())

    # when / then
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == "/"
    assert logged_in_user_id(client) is None


def test_header_shows_account_links_for_each_state(client):
    # anonymous
    content = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:signup") in content and reverse("accounts:inbox") not in content

    # logged in
    client.force_login(UserFactory())
    content = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:inbox") in content and reverse("accounts:notification-count") in content
    assert f'action="{reverse("accounts:logout")}" method="post"' in content
    assert f'action="{reverse("accounts:language-set")}"' in content


# password reset


def test_password_reset_by_email_lets_the_user_choose_a_new_password(client):
    # given
    UserFactory(username="alice", email="alice@example.com")

    # when: the user asks for the link
    response = client.post(reverse("accounts:password-reset"), {"email": "ALICE@example.com"})

    # then
    assert response.status_code == 302 and response.url == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"] and "Kafedra" in message.subject
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body).group(1)

    # when: the user follows it and sets a new password
    response = client.get(link, follow=True)
    assert response.context["validlink"] is True
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": "brand-new-secret-7", "new_password2": "brand-new-secret-7"}
    )

    # then
    assert response.status_code == 302 and response.url == reverse("accounts:password-reset-complete")
    assert client.login(username="alice", password="brand-new-secret-7")


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302 and response.url == reverse("accounts:password-reset-done")
    assert mail.outbox == []


def test_a_used_reset_link_no_longer_works(client):
    UserFactory(username="alice", email="alice@example.com")
    client.post(reverse("accounts:password-reset"), {"email": "alice@example.com"})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        set_password_url, {"new_password1": "brand-new-secret-7", "new_password2": "brand-new-secret-7"}
    )

    response = client.get(link, follow=True)

    assert response.context["validlink"] is False
    assert "This link no longer works" in response.content.decode()


def test_password_change_page_works_for_a_logged_in_user(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "brand-new-secret-7",
            "new_password2": "brand-new-secret-7",
        },
    )

    assert response.status_code == 302 and response.url == reverse("accounts:password-change-done")
    user.refresh_from_db()
    assert user.check_password("brand-new-secret-7")


# profile


def profile_data(**overrides):
    data = {
        "profile-display_name": "Алиса",
        "profile-preferred_language": "en",
        "profile-time_zone": "Europe/Berlin",
    }
    for kind in Notification.Kind.values:
        data[f"notifications-{kind}__in_app"] = "on"
        data[f"notifications-{kind}__email"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_profile_needs_login(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={reverse('accounts:profile')}"


def test_profile_shows_current_values_and_every_notification_kind(client):
    user = UserFactory(display_name="Alice", time_zone="Asia/Tokyo")
    NotificationPreference.objects.create(user=user, kind="digest", in_app=True, email=False)
    client.force_login(user)

    response = client.get(reverse("accounts:profile"))

    content = response.content.decode()
    assert 'value="Alice"' in content
    assert '<option value="Asia/Tokyo" selected>' in content
    assert len(response.context["preferences_form"].rows()) == len(Notification.Kind.values)
    assert response.context["preferences_form"]["digest__email"].value() is False


def test_saving_the_profile_stores_everything_and_sets_the_language_cookie(client):
    # given
    user = UserFactory()
    client.force_login(user)

    # when
    response = client.post(reverse("accounts:profile"), profile_data(**{"notifications-digest__email": None}))

    # then
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language, user.time_zone) == ("Алиса", "en", "Europe/Berlin")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    digest = NotificationPreference.objects.get(user=user, kind="digest")
    assert (digest.in_app, digest.email) == (True, False)
    assert NotificationPreference.objects.filter(user=user).count() == len(Notification.Kind.values)
    assert "Your profile has been saved." in client.get(reverse("accounts:profile")).content.decode()


def test_profile_with_an_unknown_time_zone_shows_the_error_and_keeps_input(client):
    # given
    user = UserFactory(display_name="Old")
    client.force_login(user)

    # when
    response = client.post(reverse("accounts:profile"), profile_data(**{"profile-time_zone": "Mars/Base"}))

    # then
    assert response.status_code == 200
    assert response.context["profile_form"].errors["time_zone"]
    assert 'value="Алиса"' in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Old"


def test_the_profile_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)

    with django_assert_max_num_queries(4):
        assert client.get(reverse("accounts:profile")).status_code == 200


# language switcher


def test_language_switch_sets_the_cookie_and_the_logged_in_users_preference(client):
    # given
    user = UserFactory(preferred_language="ru")
    client.force_login(user)

    # when
    response = client.post(reverse("accounts:language-set"), {"language": "en", "next": "/accounts/profile/"})

    # then
    assert response.status_code == 302 and response.url == "/accounts/profile/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_language_switch_for_an_anonymous_user_only_sets_the_cookie(client):
    response = client.post(reverse("accounts:language-set"), {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_language_switch_ignores_a_language_the_site_does_not_offer(client):
    user = UserFactory(preferred_language="ru")
    client.force_login(user)

    response = client.post(reverse("accounts:language-set"), {"language": "xx-nope", "next": "/"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.preferred_language == "ru"


def test_language_switch_needs_post(client):
    assert client.get(reverse("accounts:language-set")).status_code == 405


# inbox


def test_inbox_needs_login(client):
    response = client.get(reverse("accounts:inbox"))

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_inbox_lists_only_the_users_own_notifications_newest_first(client):
    # given
    user = UserFactory()
    NotificationFactory(user=user, title="Older")
    NotificationFactory(user=user, title="Newer")
    NotificationFactory(title="Someone else's")
    client.force_login(user)

    # when
    response = client.get(reverse("accounts:inbox"))

    # then
    content = response.content.decode()
    assert content.index("Newer") < content.index("Older")
    assert "Someone else&#x27;s" not in content and "Someone else's" not in content


def test_inbox_pages_hold_thirty_and_unread_filter_works(client):
    # given
    user = UserFactory()
    NotificationFactory.create_batch(35, user=user)
    NotificationFactory.create_batch(5, user=user, read_at=timezone.now())
    client.force_login(user)

    # when
    first = client.get(reverse("accounts:inbox"))
    second = client.get(reverse("accounts:inbox"), {"page": 2})
    unread = client.get(reverse("accounts:inbox"), {"unread": "1", "page": 2})
    nonsense = client.get(reverse("accounts:inbox"), {"page": "abc"})

    # then
    assert len(first.context["page"].object_list) == 30
    assert len(second.context["page"].object_list) == 10
    assert len(unread.context["page"].object_list) == 5
    assert nonsense.status_code == 200 and nonsense.context["page"].number == 1


def test_inbox_htmx_request_gets_the_list_fragment_only(client):
    user = UserFactory()
    NotificationFactory(user=user, title="Graded")
    client.force_login(user)

    response = client.get(reverse("accounts:inbox"), {"page": 1}, **HTMX)

    content = response.content.decode()
    assert 'id="notification-list"' in content and "Graded" in content
    assert "<html" not in content


def test_inbox_query_count_does_not_grow_with_notifications(client, django_assert_max_num_queries):
    # given
    user = UserFactory()
    Notification.objects.bulk_create(
        [Notification(user=user, kind=Notification.Kind.ATTEMPT_GRADED, title=f"N{i}") for i in range(500)]
    )
    client.force_login(user)

    # when / then: session, user, count, page
    with django_assert_max_num_queries(4):
        response = client.get(reverse("accounts:inbox"), {"page": 3})
    assert response.status_code == 200 and len(response.context["page"].object_list) == 30


def test_marking_one_read_with_htmx_returns_the_updated_item_and_tells_the_badge(client):
    # given
    notification = NotificationFactory(title="Graded")
    client.force_login(notification.user)

    # when
    response = client.post(reverse("accounts:notification-read", args=[notification.pk]), **HTMX)

    # then
    assert response.status_code == 200
    assert "notifications-changed" in json.loads(response["HX-Trigger"])
    content = response.content.decode()
    assert f'id="notification-{notification.pk}"' in content and "notification-unread" not in content
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_one_read_without_javascript_redirects_back_to_the_inbox(client):
    notification = NotificationFactory()
    client.force_login(notification.user)

    response = client.post(reverse("accounts:notification-read", args=[notification.pk]))

    assert response.status_code == 302 and response.url == reverse("accounts:inbox")


def test_another_users_notification_cannot_be_marked_read(client):
    # given
    notification = NotificationFactory()
    client.force_login(UserFactory())

    # when
    response = client.post(reverse("accounts:notification-read", args=[notification.pk]), **HTMX)

    # then
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_needs_post_and_login(client):
    notification = NotificationFactory()
    url = reverse("accounts:notification-read", args=[notification.pk])

    assert client.post(url).status_code == 302  # anonymous: to the login page
    htmx = client.post(url, HTTP_HX_CURRENT_URL="http://testserver/accounts/inbox/", **HTMX)
    assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith(reverse("accounts:login"))
    client.force_login(notification.user)
    assert client.get(url).status_code == 405


def test_mark_all_read_with_htmx_returns_the_refreshed_list(client):
    # given
    user = UserFactory()
    NotificationFactory.create_batch(3, user=user)
    other = NotificationFactory()
    client.force_login(user)

    # when
    response = client.post(reverse("accounts:notification-read-all"), {"page": "1", "unread": "1"}, **HTMX)

    # then
    assert response.status_code == 200 and "notifications-changed" in json.loads(response["HX-Trigger"])
    assert "You have read everything." in response.content.decode()
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_unread_count_badge(client, django_assert_max_num_queries):
    # given
    user = UserFactory()
    NotificationFactory.create_batch(3, user=user)
    NotificationFactory(user=user, read_at=timezone.now())
    client.force_login(user)

    # when
    with django_assert_max_num_queries(3):
        response = client.get(reverse("accounts:notification-count"), **HTMX)

    # then
    content = response.content.decode()
    assert '<span class="badge">3' in content and "unread notifications" in content


def test_unread_count_badge_is_empty_when_all_is_read(client):
    client.force_login(UserFactory())

    response = client.get(reverse("accounts:notification-count"), **HTMX)

    assert response.status_code == 200 and response.content.decode().strip() == ""


def test_unread_count_tells_an_anonymous_poller_to_stop(client):
    response = client.get(reverse("accounts:notification-count"), **HTMX)

    assert response.status_code == 286
