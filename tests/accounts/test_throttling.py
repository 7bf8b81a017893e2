import time

import pytest

from accounts.throttling import (
    LOGIN_FAILURE_LIMIT,
    login_failure_register,
    login_failures_clear,
    login_lockout_remaining,
)


@pytest.fixture
def clock(monkeypatch):
    """A controllable time.time() (the throttle and the local-memory cache both read it)."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def fail(times: int, *, username: str = "alice", ip: str = "10.0.0.1") -> list[int]:
    return [login_failure_register(username=username, ip=ip) for _ in range(times)]


def test_the_fifth_failure_starts_a_fifteen_minute_lockout():
    # when
    lockouts = fail(LOGIN_FAILURE_LIMIT)

    # then
    assert lockouts == [0, 0, 0, 0, 900]
    assert 899 <= login_lockout_remaining(username="alice", ip="10.0.0.1") <= 900


def test_four_failures_do_not_lock():
    # when
    fail(LOGIN_FAILURE_LIMIT - 1)

    # then
    assert login_lockout_remaining(username="alice", ip="10.0.0.1") == 0


def test_lockout_is_per_username_and_address():
    # given
    fail(LOGIN_FAILURE_LIMIT, username="alice", ip="10.0.0.1")

    # then
    assert login_lockout_remaining(username="alice", ip="10.0.0.2") == 0
    assert login_lockout_remaining(username="bob", ip="10.0.0.1") == 0


def test_username_is_compared_case_insensitively():
    # given
    fail(LOGIN_FAILURE_LIMIT, username="Alice")

    # then
    assert login_lockout_remaining(username=" alice", ip="10.0.0.1") > 0


def test_failures_older_than_fifteen_minutes_do_not_count(clock):
    # given
    fail(4)
    clock[0] += 16 * 60

    # when
    lockouts = fail(1)

    # then
    assert lockouts == [0]
    assert login_lockout_remaining(username="alice", ip="10.0.0.1") == 0


def test_failures_within_the_window_add_up_across_minutes(clock):
    # given
    fail(2)
    clock[0] += 7 * 60
    fail(2)
    clock[0] += 7 * 60

    # when
    lockouts = fail(1)

    # then
    assert lockouts == [900]


def test_lockout_ends_after_fifteen_minutes(clock):
    # given
    fail(LOGIN_FAILURE_LIMIT)

    # when
    clock[0] += 15 * 60 + 1

    # then
    assert login_lockout_remaining(username="alice", ip="10.0.0.1") == 0


def test_clearing_forgets_earlier_failures():
    # given
    fail(4)

    # when
    login_failures_clear(username="alice", ip="10.0.0.1")
    lockouts = fail(4)

    # then
    assert lockouts == [0, 0, 0, 0]
