"""Logged-in requests without logging in: a session made directly with Django's SessionStore.

Needs Django set up with the benchmark settings (the session is stored where the server
under test will look for it).
"""

from importlib import import_module


def session_cookie_for(username: str) -> str:
    """A ``Cookie`` header value that authenticates as ``username``.

    The user is created (with no usable password) if missing: a benchmark fixture, not a
    domain write, so it bypasses the accounts services on purpose.
    """
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user_model = get_user_model()
    user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
    if user is None:
        user = user_model.objects.create_user(username=username, email=f"{username}@bench.invalid")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
