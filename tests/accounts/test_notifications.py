import smtplib
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.functional import lazy

from accounts import notifications
from accounts.models import Notification, NotificationPreference
from accounts.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notification_send,
)
from accounts.tasks import notification_email_task, notification_email_unstored_task
from tests.accounts.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

GRADED = Notification.Kind.ATTEMPT_GRADED


def prefer(user, *, in_app: bool, email: bool, kind: str = GRADED) -> None:
    NotificationPreference.objects.create(user=user, kind=kind, in_app=in_app, email=email)


# notification_send: preferences


def test_by_default_the_notification_goes_to_the_inbox_and_email_is_queued_on_commit(
    django_capture_on_commit_callbacks, email_task_calls
):
    # given
    user = UserFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notification_send(user=user, kind=GRADED, title="Quiz 1 graded", url="/quizzes/1/")

    # then
    assert notification is not None and notification.pk
    assert (notification.user, notification.title, notification.url) == (user, "Quiz 1 graded", "/quizzes/1/")
    assert len(callbacks) == 1
    assert email_task_calls == [("stored", (notification.pk,), {})]


def test_in_app_off_creates_nothing_but_still_emails(django_capture_on_commit_callbacks, email_task_calls):
    # given
    user = UserFactory()
    prefer(user, in_app=False, email=True)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = notification_send(user=user, kind=GRADED, title="Quiz 1 graded", body="85 %")

    # then
    assert result is None
    assert not Notification.objects.exists()
    [(task, args, kwargs)] = email_task_calls
    assert task == "unstored" and args == ()
    assert kwargs["user_id"] == user.pk and kwargs["title"] == "Quiz 1 graded" and kwargs["body"] == "85 %"


def test_email_off_creates_the_notification_without_queueing_email(
    django_capture_on_commit_callbacks, email_task_calls
):
    # given
    user = UserFactory()
    prefer(user, in_app=True, email=False)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notification_send(user=user, kind=GRADED, title="Quiz 1 graded")

    # then
    assert notification is not None
    assert callbacks == [] and email_task_calls == []


def test_both_off_delivers_nothing(django_capture_on_commit_callbacks, email_task_calls):
    user = UserFactory()
    prefer(user, in_app=False, email=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert notification_send(user=user, kind=GRADED, title="x") is None

    assert not Notification.objects.exists() and email_task_calls == []


def test_a_preference_for_another_kind_does_not_apply(django_capture_on_commit_callbacks, email_task_calls):
    user = UserFactory()
    prefer(user, in_app=False, email=False, kind=Notification.Kind.DIGEST)

    with django_capture_on_commit_callbacks(execute=True):
        assert notification_send(user=user, kind=GRADED, title="x") is not None

    assert len(email_task_calls) == 1


def test_no_email_is_queued_for_a_user_without_an_address(
    django_capture_on_commit_callbacks, email_task_calls
):
    user = UserFactory(email="")

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=user, kind=GRADED, title="x")

    assert email_task_calls == []


def test_nothing_is_queued_when_the_callers_transaction_rolls_back(
    django_capture_on_commit_callbacks, email_task_calls
):
    # given
    user = UserFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notification_send(user=user, kind=GRADED, title="x")
                raise RuntimeError("the caller failed")
        except RuntimeError:
            pass

    # then
    assert callbacks == [] and email_task_calls == []
    assert not Notification.objects.exists()


# notification_send: dedupe


def test_same_dedupe_key_returns_the_first_notification_and_queues_one_email(
    django_capture_on_commit_callbacks, email_task_calls
):
    # given
    user = UserFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_send(user=user, kind=GRADED, title="Graded", dedupe_key="attempt:7:graded")
        second = notification_send(
            user=user, kind=GRADED, title="Graded again", dedupe_key="attempt:7:graded"
        )

    # then
    assert second == first
    assert Notification.objects.count() == 1
    assert len(email_task_calls) == 1


def test_the_same_dedupe_key_for_another_user_is_a_different_notification():
    first = notification_send(user=UserFactory(), kind=GRADED, title="x", dedupe_key="k")
    second = notification_send(user=UserFactory(), kind=GRADED, title="x", dedupe_key="k")

    assert first != second and Notification.objects.count() == 2


def test_notifications_without_a_dedupe_key_are_never_deduplicated():
    user = UserFactory()

    notification_send(user=user, kind=GRADED, title="x")
    notification_send(user=user, kind=GRADED, title="x")

    assert Notification.objects.filter(user=user).count() == 2


def test_a_concurrent_insert_that_wins_the_race_is_returned(
    django_capture_on_commit_callbacks, email_task_calls, monkeypatch
):
    # given: another worker commits the same (user, dedupe_key) between our check and our insert
    user = UserFactory()
    winner = []
    full_clean = Notification.full_clean

    def full_clean_then_lose_the_race(self, *args, **kwargs):
        full_clean(self, *args, **kwargs)
        winner.append(NotificationFactory(user=user, kind=GRADED, title="winner", dedupe_key="race"))

    monkeypatch.setattr(Notification, "full_clean", full_clean_then_lose_the_race)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = notification_send(user=user, kind=GRADED, title="loser", dedupe_key="race")

    # then: the loser's insert was rolled back to its savepoint and the transaction goes on
    assert result == winner[0]
    assert list(Notification.objects.values_list("title", flat=True)) == ["winner"]
    assert email_task_calls == []  # the winner queued its own e-mail


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_with_one_dedupe_key_make_one_row(email_task_calls):
    # given
    user = UserFactory()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def send():
        try:
            barrier.wait()
            results.append(notification_send(user=user, kind=GRADED, title="x", dedupe_key="once").pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert Notification.objects.filter(user=user).count() == 1
    assert set(results) == {Notification.objects.get(user=user).pk}
    assert len([call for call in email_task_calls if call[0] == "stored"]) == 1


def test_a_dedupe_key_already_used_is_not_emailed_again_when_in_app_is_now_off(
    django_capture_on_commit_callbacks, email_task_calls
):
    # given
    user = UserFactory()
    existing = notification_send(user=user, kind=GRADED, title="x", dedupe_key="k")
    prefer(user, in_app=False, email=True)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = notification_send(user=user, kind=GRADED, title="x", dedupe_key="k")

    # then
    assert result == existing and email_task_calls == []


# notification_send: input


def test_lazy_title_and_body_are_evaluated_in_the_users_language():
    # given
    user = UserFactory(preferred_language="en")
    current_language = lazy(translation.get_language, str)

    # when
    with translation.override("ru"):
        notification = notification_send(
            user=user, kind=GRADED, title=current_language(), body=current_language()
        )

    # then
    assert (notification.title, notification.body) == ("en", "en")


def test_a_too_long_title_is_shortened():
    notification = notification_send(user=UserFactory(), kind=GRADED, title="x" * 300)

    assert len(notification.title) == 200 and notification.title.endswith("…")


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="gossip"):
        notification_send(user=UserFactory(), kind="gossip", title="x")
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "//evil.example/x", "ftp://files.example/x", "relative"]
)
def test_an_unsafe_link_is_refused(url):
    with pytest.raises(ValueError, match="link"):
        notification_send(user=UserFactory(), kind=GRADED, title="x", url=url)


def test_an_absolute_web_link_is_accepted():
    notification = notification_send(user=UserFactory(), kind=GRADED, title="x", url="https://example.com/a")

    assert notification.url == "https://example.com/a"


# e-mail delivery


def test_email_task_sends_once_even_when_run_twice():
    # given
    user = UserFactory(email="alice@example.com", display_name="Alice")
    notification = NotificationFactory(user=user, title="Quiz 1 graded", body="You scored 85 %.", url="/q/1/")

    # when
    notification_email_task(notification.pk)
    notification_email_task(notification.pk)

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "[Kafedra] Quiz 1 graded"
    assert "Alice" in message.body and "You scored 85 %." in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_email_service_returns_false_for_an_already_emailed_notification():
    # given
    notification = NotificationFactory(emailed_at=timezone.now())

    # when / then
    assert notifications.notification_email_send(notification=notification) is False
    assert mail.outbox == []


def test_email_is_rendered_in_the_users_language(monkeypatch):
    # given
    languages = []
    original = notifications.render_to_string

    def spy(template_name, context=None, *args, **kwargs):
        languages.append(translation.get_language())
        return original(template_name, context, *args, **kwargs)

    monkeypatch.setattr(notifications, "render_to_string", spy)
    notification = NotificationFactory(user=UserFactory(preferred_language="en"))

    # when
    with translation.override("ru"):
        notification_email_task(notification.pk)

    # then
    assert languages == ["en", "en"]


def test_email_task_ignores_a_deleted_notification():
    # given
    notification = NotificationFactory()
    notification_id = notification.pk
    notification.delete()

    # when
    notification_email_task(notification_id)

    # then
    assert mail.outbox == []


def test_email_failure_releases_the_claim_so_a_retry_sends_it(monkeypatch):
    # given
    notification = NotificationFactory()

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", refuse)
        # when
        with pytest.raises(smtplib.SMTPServerDisconnected):
            notifications.notification_email_send(notification=notification)

    # then
    notification.refresh_from_db()
    assert notification.emailed_at is None
    notification_email_task(notification.pk)
    assert len(mail.outbox) == 1


def test_email_is_not_sent_to_a_user_without_an_address():
    notification = NotificationFactory(user=UserFactory(email=""))

    notification_email_task(notification.pk)

    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_unstored_email_task_sends_once_per_delivery_key():
    # given
    user = UserFactory(email="bob@example.com")
    arguments = {
        "user_id": user.pk,
        "kind": GRADED,
        "title": "Graded",
        "body": "",
        "url": "",
        "delivery_key": "k1",
    }

    # when
    notification_email_unstored_task(**arguments)
    notification_email_unstored_task(**arguments)
    notification_email_unstored_task(**{**arguments, "delivery_key": "k2"})

    # then
    assert [m.subject for m in mail.outbox] == ["[Kafedra] Graded", "[Kafedra] Graded"]


def test_email_only_notifications_with_one_dedupe_key_are_sent_once(
    django_capture_on_commit_callbacks, monkeypatch
):
    # given: the queued task runs right away
    user = UserFactory()
    prefer(user, in_app=False, email=True)
    monkeypatch.setattr(
        notification_email_unstored_task, "delay", lambda **kwargs: notification_email_unstored_task(**kwargs)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=user, kind=GRADED, title="Reminder", dedupe_key="deadline:3")
        notification_send(user=user, kind=GRADED, title="Reminder", dedupe_key="deadline:3")

    # then
    assert len(mail.outbox) == 1


def test_email_link_is_absolute_when_the_site_address_is_configured(settings):
    settings.SITE_URL = "https://kafedra.example.com/"
    notification = NotificationFactory(url="/courses/ml/")

    notification_email_task(notification.pk)

    assert "https://kafedra.example.com/courses/ml/" in mail.outbox[0].body
    assert "https://kafedra.example.com/accounts/profile/" in mail.outbox[0].body


# marking read


def test_mark_read_sets_read_at_once():
    # given
    notification = NotificationFactory()

    # when
    first = notification_mark_read(user=notification.user, notification_id=notification.pk).read_at
    second = notification_mark_read(user=notification.user, notification_id=notification.pk).read_at

    # then
    assert first is not None and second == first
    notification.refresh_from_db()
    assert notification.read_at == first


def test_mark_read_refuses_another_users_notification():
    # given
    notification = NotificationFactory()

    # when / then
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(user=UserFactory(), notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_the_users_unread_notifications():
    # given
    user = UserFactory()
    NotificationFactory.create_batch(3, user=user)
    NotificationFactory(user=user, read_at=timezone.now())
    other = NotificationFactory()

    # when
    marked = notification_mark_all_read(user=user)

    # then
    assert marked == 3
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
