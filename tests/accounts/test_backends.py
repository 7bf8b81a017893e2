"""The signed-in user is read from the cache (accounts.backends.CachedModelBackend) and every
write to the account takes effect on the next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import CachedModelBackend, user_cache_key

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:notification-count")


def _user_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(PAGE)
    return sum('FROM "accounts_user"' in query["sql"] for query in queries.captured_queries)


def test_the_user_is_loaded_once_then_read_from_the_cache(client, student):
    # given
    client.force_login(student)

    # when / then
    assert _user_queries(client) == 1
    assert _user_queries(client) == 0


def test_a_deactivated_account_is_signed_out_on_the_next_request(client, student):
    # given
    client.force_login(student)
    client.get(PAGE)

    # when
    student.is_active = False
    student.save()

    # then
    assert client.get(reverse("courses:dashboard")).status_code == 302


def test_a_new_password_ends_other_sessions_on_the_next_request(client, student):
    # given
    client.force_login(student)
    client.get(PAGE)

    # when
    student.set_password("a-brand-new-password-42")
    student.save()

    # then
    assert client.get(reverse("courses:dashboard")).status_code == 302


def test_a_cached_copy_of_an_inactive_user_is_refused(student):
    # given: a cached copy that says the account is inactive
    student.is_active = False
    cache.set(user_cache_key(student.pk), student)

    # when / then
    assert CachedModelBackend().get_user(student.pk) is None
