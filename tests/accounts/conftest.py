import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_cache():
    """Login throttling and e-mail delivery keys live in the cache: every test starts empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def email_task_calls(monkeypatch):
    """Replace the e-mail tasks' ``delay`` and record what would have been queued."""
    from accounts import tasks

    calls = []
    monkeypatch.setattr(
        tasks.notification_email_task, "delay", lambda *a, **kw: calls.append(("stored", a, kw))
    )
    monkeypatch.setattr(
        tasks.notification_email_unstored_task, "delay", lambda *a, **kw: calls.append(("unstored", a, kw))
    )
    return calls


@pytest.fixture
def client(client):
    """Pages in English (LANGUAGE_CODE is ru, and Django's own messages are translated), so tests
    can match text; tests about language choice send their own Accept-Language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
