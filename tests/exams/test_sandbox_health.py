"""The sandbox health page: staff see whether practical tasks can run (here and on each sandbox
worker, as it found at start-up) and, if not, why; nobody else sees it."""

from unittest import mock

import pytest
from django.urls import reverse

from exams.apps import _sandbox_probe_at_start
from exams.sandbox import SandboxStatus
from exams.sandbox_health import sandbox_health_of_workers, sandbox_health_record

PAGE = reverse("health:sandbox")
JSON = reverse("health:sandbox-json")
NO_BWRAP = "bubblewrap not found at '/usr/bin/bwrap': install it (`apt-get install bubblewrap`)"
NO_ML = "runtime 'python-ml' is not installed in /var/runtimes/python-ml: run `make runtime-python-ml`"


def status(*, available: bool) -> SandboxStatus:
    return SandboxStatus(
        available=available,
        reason="" if available else NO_BWRAP,
        bwrap="/usr/bin/bwrap (bubblewrap 0.8.0)" if available else "",
        identity="kafedra-sandbox (uid 999, gid 995)" if available else "",
        process_limit_enforced=available,
        seccomp=True,
        unisolated_allowed=False,
        runtimes={"python-basic": None, "python-ml": NO_ML},
        overhead_ms=30 if available else None,
        checked_at=0.0,
    )


@pytest.fixture
def sandbox_here():
    """The probe of this process, faked: tests never depend on the machine's bubblewrap."""
    with mock.patch("exams.sandbox_health.sandbox_status", return_value=status(available=False)) as probe:
        yield probe


# -- who may see it -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, sandbox_here):
    # when
    page, data = client.get(PAGE), client.get(JSON)

    # then
    assert page.status_code == 302 and "/login/" in page["Location"]
    assert data.status_code == 403
    sandbox_here.assert_not_called()


@pytest.mark.parametrize("who", ["student", "instructor"])
def test_students_and_course_teams_are_refused(client, who, request, sandbox_here):
    # given
    client.force_login(request.getfixturevalue(who))

    # when
    page, data = client.get(PAGE), client.get(JSON)

    # then
    assert page.status_code == 403 and data.status_code == 403
    sandbox_here.assert_not_called()


@pytest.mark.parametrize("who", ["staff_user", "superuser"])
def test_staff_see_the_page(client, who, request, sandbox_here):
    # given
    client.force_login(request.getfixturevalue(who))

    # when
    response = client.get(PAGE)

    # then
    assert response.status_code == 200
    assert "Sandbox health" in response.content.decode()


# -- what it shows --------------------------------------------------------------------------------


def test_without_bubblewrap_the_page_says_why_practical_tasks_are_not_run(client, staff_user, sandbox_here):
    # given
    client.force_login(staff_user)

    # when
    page = client.get(PAGE).content.decode()

    # then
    assert "Unavailable: practical tasks are not run" in page
    assert "bubblewrap not found" in page
    assert "python-ml" in page and "make runtime-python-ml" in page


def test_the_json_answers_503_when_the_sandbox_is_unusable(client, staff_user, sandbox_here):
    # given
    client.force_login(staff_user)

    # when
    response = client.get(JSON)

    # then
    assert response.status_code == 503
    here = response.json()["here"]
    assert (here["available"], here["usable"], here["reason"]) == (False, False, NO_BWRAP)
    assert {r["name"]: r["available"] for r in here["runtimes"]} == {"python-basic": True, "python-ml": False}


def test_the_json_answers_200_when_the_sandbox_is_available(client, staff_user):
    # given
    client.force_login(staff_user)

    # when
    with mock.patch("exams.sandbox_health.sandbox_status", return_value=status(available=True)):
        response = client.get(JSON)

    # then
    assert response.status_code == 200
    assert response.json()["here"]["available"] is True


def test_the_json_follows_the_workers_once_they_have_reported(client, staff_user, sandbox_here):
    # given: this web process has no bubblewrap, but a sandbox worker does
    with mock.patch("exams.sandbox_health.sandbox_status", return_value=status(available=True)):
        sandbox_health_record(host="grader-1")
    client.force_login(staff_user)

    # when
    response = client.get(JSON)

    # then: code runs on the worker, so practical tasks can be run
    assert response.status_code == 200
    assert response.json()["usable"] is True and response.json()["here"]["usable"] is False


def test_the_json_answers_503_when_every_worker_lacks_the_sandbox(client, staff_user):
    # given: the web process could run code, the only worker cannot
    with mock.patch("exams.sandbox_health.sandbox_status", return_value=status(available=False)):
        sandbox_health_record(host="grader-1")
    client.force_login(staff_user)

    # when
    with mock.patch("exams.sandbox_health.sandbox_status", return_value=status(available=True)):
        response = client.get(JSON)

    # then
    assert response.status_code == 503 and response.json()["usable"] is False


def test_the_page_shows_what_each_sandbox_worker_found_at_start_up(client, staff_user, sandbox_here):
    # given: one worker without bubblewrap, one with it
    sandbox_health_record(host="grader-1")
    with mock.patch("exams.sandbox_health.sandbox_status", return_value=status(available=True)):
        sandbox_health_record(host="grader-2")
    client.force_login(staff_user)

    # when
    page = client.get(PAGE).content.decode()
    workers = client.get(JSON).json()["workers"]

    # then
    assert "grader-1" in page and "grader-2" in page
    assert {w["host"]: w["available"] for w in workers} == {"grader-1": False, "grader-2": True}


# -- the start-up probe ---------------------------------------------------------------------------


def _consumer(*queues: str) -> mock.Mock:
    consumer = mock.Mock(hostname="celery@grader-9")
    consumer.app.amqp.queues.consume_from = dict.fromkeys(queues)
    return consumer


def test_a_sandbox_worker_records_the_sandbox_status_when_it_starts(sandbox_here, caplog):
    # when
    _sandbox_probe_at_start(sender=_consumer("default", "sandbox"))

    # then
    (worker,) = sandbox_health_of_workers()
    assert (worker.host, worker.available, worker.reason) == ("celery@grader-9", False, NO_BWRAP)
    assert "sandbox unavailable on celery@grader-9" in caplog.text
    sandbox_here.assert_called_once_with(refresh=True)


def test_a_worker_without_the_sandbox_queue_does_not_probe(sandbox_here):
    # when
    _sandbox_probe_at_start(sender=_consumer("default"))

    # then
    assert sandbox_health_of_workers() == []
    sandbox_here.assert_not_called()


# -- the link from the admin ----------------------------------------------------------------------


@pytest.mark.parametrize(("who", "linked"), [("staff_user", True), ("instructor", False)])
def test_the_admin_links_the_page_for_staff_only(client, who, linked, request):
    # given
    client.force_login(request.getfixturevalue(who))

    # when
    page = client.get(reverse("admin:index")).content.decode()

    # then
    assert (f'href="{PAGE}"' in page) is linked
