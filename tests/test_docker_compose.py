"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so these tests
check what can be checked without one: the services, that every module path a command names
really imports, that every variable is documented, and the wiring between services."""

import importlib
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
DJANGO_SERVICES = ("web", "worker", "beat", "migrate")
APP_SERVICES = ("web", "worker", "beat")

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}; "$$" is a literal "$".
VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
SETTINGS_ENV_READ = re.compile(r"\benv(?:\.\w+)?\(\s*[\"'](?P<name>[A-Z][A-Z0-9_]*)[\"']")
DOCUMENTED_NAME = re.compile(r"^\|\s*`(?P<name>[A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)


# Loads the settings as a container would, without connecting to anything.
SETTINGS_PROBE = """
import django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(db["ENGINE"], db["HOST"], settings.CELERY_BROKER_URL, settings.DEBUG)
"""


def command_of(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def option(args: list[str], *names: str) -> str:
    for index, arg in enumerate(args):
        if arg in names:
            return args[index + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
    raise AssertionError(f"none of {names} in {args}")


def documented_variables() -> set[str]:
    """Names in the first column of the configuration tables (docs/configuration.md, README.md)."""
    names: set[str] = set()
    for path in (ROOT / "docs" / "configuration.md", ROOT / "README.md"):
        if path.exists():
            names |= {match["name"] for match in DOCUMENTED_NAME.finditer(path.read_text())}
    return names


def interpolate(text: str, environ: dict[str, str]) -> str:
    """What Compose does to ``text`` with ``environ`` (the subset of its syntax used here)."""

    def replace(match: re.Match) -> str:
        value = environ.get(match["name"])
        if match["op"] in (":-", ":?") and not value or match["op"] in ("-", "?") and value is None:
            if match["op"].endswith("?"):
                raise AssertionError(match["arg"])
            return match["arg"]
        return value or ""

    return VARIABLE.sub(replace, text).replace("$$", "$")


def test_compose_defines_the_five_services_and_a_one_shot_migrate():
    # then
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert SERVICES["migrate"]["restart"] == "no"
    assert command_of("migrate")[-3:-1] == ["manage.py", "migrate"]


def test_web_runs_gunicorn_on_a_real_wsgi_application():
    # given
    args = command_of("web")
    target = next(arg for arg in args[1:] if re.fullmatch(r"[\w.]+:\w+", arg))
    module_path, attribute = target.split(":")

    # when
    spec = importlib.util.find_spec(module_path)

    # then
    assert args[0] == "gunicorn"
    assert option(args, "--bind", "-b") == "0.0.0.0:8000"
    assert spec is not None, module_path
    assert callable(getattr(importlib.import_module(module_path), attribute))


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_celery_services_name_a_module_that_exposes_a_celery_app(service):
    # given
    args = command_of(service)
    module_path = option(args, "-A", "--app")

    # when
    module = importlib.import_module(module_path)

    # then
    assert args[0] == "celery"
    assert isinstance(getattr(module, "app", None) or getattr(module, "celery", None), Celery)


def test_worker_consumes_every_queue_tasks_are_routed_to():
    # given
    queues = set(option(command_of("worker"), "-Q", "--queues").split(","))

    # when
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {
        settings.CELERY_TASK_DEFAULT_QUEUE
    }

    # then
    assert queues == {"grading", "default", "sandbox"}
    assert routed <= queues


def test_beat_scheduler_class_path_imports():
    # given
    module_path, class_name = option(command_of("beat"), "--scheduler", "-S").split(":")

    # when
    scheduler = getattr(importlib.import_module(module_path), class_name)

    # then
    assert scheduler.__name__ == "DatabaseScheduler"
    assert settings.CELERY_BEAT_SCHEDULER == f"{module_path}:{class_name}"


@pytest.mark.parametrize("service", DJANGO_SERVICES)
def test_django_services_use_an_existing_production_settings_module(service):
    # given
    module_path = SERVICES[service]["environment"]["DJANGO_SETTINGS_MODULE"]

    # when
    spec = importlib.util.find_spec(module_path)

    # then
    assert module_path == "config.settings.production"
    assert spec is not None


@pytest.mark.parametrize("service", DJANGO_SERVICES)
def test_secrets_are_required_not_defaulted(service):
    # given
    environment = SERVICES[service]["environment"]

    # then
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
    assert {"DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "EMAIL_URL"} <= set(environment)


def test_every_compose_variable_is_documented():
    # given
    used = {match["name"] for match in VARIABLE.finditer(COMPOSE_TEXT)}

    # when
    undocumented = used - documented_variables()

    # then
    assert used >= {"SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS", "EMAIL_URL"}
    assert not undocumented, f"add to docs/configuration.md: {sorted(undocumented)}"


def test_every_variable_the_settings_read_is_documented():
    # given
    read = {
        match["name"]
        for path in (ROOT / "config" / "settings").glob("*.py")
        for match in SETTINGS_ENV_READ.finditer(path.read_text())
    }

    # when
    undocumented = read - documented_variables()

    # then
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read
    assert not undocumented, f"add to docs/configuration.md: {sorted(undocumented)}"


def test_postgres_and_redis_have_healthchecks_the_app_services_wait_for():
    # then
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert "ping" in SERVICES["redis"]["healthcheck"]["test"]
    for service in APP_SERVICES:
        assert SERVICES[service]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, service
    assert SERVICES["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_postgres_data_lives_on_a_named_volume():
    # given
    mounts = [volume.split(":") for volume in SERVICES["postgres"]["volumes"]]

    # then
    assert any(
        target == "/var/lib/postgresql/data" and source in COMPOSE["volumes"] for source, target in mounts
    )


def test_compose_environment_is_enough_to_start_the_production_settings():
    # given: the environment a web container gets, with the required values supplied
    given = {"SECRET_KEY": "x" * 60, "POSTGRES_PASSWORD": "pw"}
    environment = {
        name: interpolate(str(value), given) for name, value in SERVICES["web"]["environment"].items()
    }
    child_env = {key: value for key, value in os.environ.items() if key not in environment}

    # when
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", SETTINGS_PROBE],
        cwd=ROOT,
        env=child_env | environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "postgres",
        "redis://redis:6379/0",
        "False",
    ]


def test_compose_refuses_to_start_without_the_secret_key():
    # when / then
    with pytest.raises(AssertionError, match="set SECRET_KEY"):
        interpolate(SERVICES["web"]["environment"]["SECRET_KEY"], {"POSTGRES_PASSWORD": "pw"})


def test_dockerfile_builds_from_python_311_and_runs_as_a_non_root_user():
    # given
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]

    # when
    base_image = next(line.split()[1] for line in instructions if line.upper().startswith("FROM "))
    users = [line.split()[1] for line in instructions if line.upper().startswith("USER ")]

    # then
    assert base_image.startswith("python:3.11")
    assert users and users[-1] not in ("root", "0")
    assert any("pip install" in line and line.rstrip().endswith(".") for line in instructions)
    assert any("collectstatic" in line for line in instructions)


def test_image_provides_the_sandbox_bubblewrap_and_an_existing_runtime():
    # given
    dockerfile = (ROOT / "Dockerfile").read_text()

    # when
    runtimes = re.search(r'ARG SANDBOX_RUNTIMES="(?P<names>[^"]*)"', dockerfile)["names"].split()

    # then
    assert "install -y --no-install-recommends bubblewrap" in dockerfile
    assert runtimes and all((ROOT / "runtimes" / name / "requirements.txt").exists() for name in runtimes)
    assert "seccomp=unconfined" in SERVICES["worker"]["security_opt"]
