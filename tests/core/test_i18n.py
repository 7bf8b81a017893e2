"""The message catalogs: the Russian one is complete, the committed .mo files match their .po
files, and pages come out in the language that was asked for, with localised dates and numbers.

Course material stays in the language it was written in; only the interface is translated."""

import ast
import datetime
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from courses.models import Course
from reviews.models import Review
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, ModuleFactory
from tests.reviews.factories import ReviewFactory

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
RU_PO = LOCALE_DIR / "ru" / "LC_MESSAGES" / "django.po"
CATALOGS = [LOCALE_DIR / code / "LC_MESSAGES" / "django.po" for code, _name in settings.LANGUAGES]


@dataclass
class PoEntry:
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # "msgstr" is index 0
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def read_po(path: Path) -> list[PoEntry]:
    """The entries of a .po file, the header (msgid "") included; a small reader for the subset
    of the format that xgettext/msgmerge write."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    current: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, current
        if entry.msgid is not None:
            entries.append(entry)
        entry, current = PoEntry(), None

    def append(target: tuple[str, int], text: str) -> None:
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if entry.msgstr:
                finish()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            assert current is not None, f"{path}: a continuation line with nothing to continue: {raw!r}"
            append(current, ast.literal_eval(line))
            continue
        keyword, _space, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and entry.msgstr:
            finish()
        entry.obsolete = entry.obsolete or obsolete
        if keyword.startswith("msgstr"):
            index = int(keyword[len("msgstr[") : -1]) if keyword.startswith("msgstr[") else 0
            current = ("msgstr", index)
            entry.msgstr[index] = ""
        else:
            assert keyword in ("msgctxt", "msgid", "msgid_plural"), f"{path}: unexpected line {raw!r}"
            current = (keyword, 0)
            setattr(entry, keyword, "")
        append(current, ast.literal_eval(value))
    finish()
    return entries


def messages(entries: list[PoEntry]) -> list[PoEntry]:
    """The live messages: without the header and the obsolete (#~) entries."""
    return [e for e in entries if e.msgid != "" and not e.obsolete]


def expected_mo_catalog(entries: list[PoEntry]) -> dict:
    """What gettext.GNUTranslations reads from a .mo compiled from these entries (fuzzy and
    untranslated ones are left out by msgfmt)."""
    catalog: dict = {}
    for e in messages(entries):
        if "fuzzy" in e.flags or not all(e.msgstr.values()):
            continue
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None:
            catalog[key] = e.msgstr[0]
        else:
            catalog.update({(key, index): text for index, text in e.msgstr.items()})
    return catalog


def mo_catalog(path: Path) -> dict:
    with path.open("rb") as fp:
        catalog = dict(gettext.GNUTranslations(fp)._catalog)
    catalog.pop("", None)  # the header
    return catalog


# --- (a) the Russian catalog is complete ------------------------------------------------------


def test_the_russian_catalog_has_a_translation_for_every_message():
    entries = messages(read_po(RU_PO))

    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]

    assert len(entries) > 1000  # the reader did read the file
    assert untranslated == []
    assert fuzzy == []


def test_russian_plurals_have_three_forms():
    header = next(e for e in read_po(RU_PO) if e.msgid == "")
    plurals = [e for e in messages(read_po(RU_PO)) if e.msgid_plural is not None]

    assert "nplurals=3;" in header.msgstr[0]
    assert "fuzzy" not in header.flags
    assert plurals
    assert [e.msgid for e in plurals if sorted(e.msgstr) != [0, 1, 2]] == []


# --- (b) the committed .mo files are compiled from the committed .po files --------------------


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_the_committed_mo_matches_its_po(po_path):
    mo_path = po_path.with_suffix(".mo")

    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    assert mo_catalog(mo_path) == expected_mo_catalog(read_po(po_path)), (
        f"{mo_path} is stale: run `make messages`"
    )


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_the_po_passes_msgfmt_check(po_path, tmp_path):
    result = subprocess.run(  # noqa: S603 - a fixed command on our own files
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po_path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert mo_catalog(tmp_path / "django.mo") == mo_catalog(po_path.with_suffix(".mo"))


# --- (c) pages come out in the language asked for ---------------------------------------------


def test_gettext_translates_into_the_active_language():
    with translation.override("ru"):
        assert translation.gettext("Courses") == "Курсы"
        assert str(Course.Status.PUBLISHED.label) == "Опубликовано"
        assert translation.ngettext("%(counter)s module", "%(counter)s modules", 3) == "%(counter)s модуля"
        assert translation.ngettext("%(counter)s module", "%(counter)s modules", 11) == "%(counter)s модулей"
    with translation.override("en"):
        assert translation.gettext("Courses") == "Courses"


@pytest.mark.django_db
def test_the_catalog_is_in_russian_for_a_russian_browser(client):
    CourseFactory(title="Machine Learning in Production", summary="Course material stays as written.")

    page = client.get(reverse("courses:catalog"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert '<html lang="ru">' in page
    assert "<h1>Курсы</h1>" in page
    assert "Поиск курсов" in page
    assert "Каталог" in page
    assert "Войти" in page
    assert "Machine Learning in Production" in page  # content is not translated
    assert "Search courses" not in page


@pytest.mark.django_db
def test_the_catalog_is_in_english_for_an_english_browser(client):
    CourseFactory(title="Машинное обучение", summary="Материал курса остаётся как написан.")

    page = client.get(reverse("courses:catalog"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in page
    assert "<h1>Courses</h1>" in page
    assert "Search courses" in page
    assert "Машинное обучение" in page  # content is not translated
    assert "Поиск курсов" not in page


@pytest.mark.django_db
def test_the_profile_language_wins_over_the_browser(client):
    client.force_login(UserFactory(preferred_language="en"))

    page = client.get(reverse("courses:catalog"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "<h1>Courses</h1>" in page


@pytest.mark.django_db
def test_the_switcher_changes_the_language_of_the_next_page(client):
    response = client.post(
        reverse("accounts:language-set"), {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    page = client.get(reverse("courses:catalog"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert response.status_code == 302
    assert "<h1>Courses</h1>" in page


# --- (d) dates and numbers are localised ------------------------------------------------------


@pytest.fixture
def course_with_a_dated_module_and_ratings(db):
    course = CourseFactory(status=Course.Status.PUBLISHED)
    ModuleFactory(
        course=course, title="Week 1", release_at=datetime.datetime(2030, 3, 15, 9, 0, tzinfo=datetime.UTC)
    )
    for rating in (4, 5):
        ReviewFactory(course=course, rating=rating, status=Review.Status.PUBLISHED)
    return course


def test_dates_and_numbers_are_russian_on_a_russian_page(client, course_with_a_dated_module_and_ratings):
    course = course_with_a_dated_module_and_ratings

    page = client.get(
        reverse("courses:course-detail", args=[course.slug]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()

    assert "15 марта 2030" in page  # a Russian month name, in the genitive
    assert "оценка 4,5 из 5 (2 оценки)" in page  # a decimal comma and the "few" plural form
    assert "March" not in page


def test_dates_and_numbers_are_english_on_an_english_page(client, course_with_a_dated_module_and_ratings):
    course = course_with_a_dated_module_and_ratings

    page = client.get(
        reverse("courses:course-detail", args=[course.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "March 15, 2030" in page
    assert "rated 4.5 of 5 (2 ratings)" in page
    assert "марта" not in page


# --- (d) every message in the code is in the catalog ------------------------------------------

_NOT_OURS = {".git", ".venv", "var", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed")
def test_every_message_in_the_code_has_a_russian_translation(tmp_path):
    """makemessages over a copy of the tree (as `make messages` runs it) finds no message that
    the committed Russian catalog lacks: a string wrapped in gettext but never translated
    would show in English on a Russian page."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "tree"
    shutil.copytree(root, copy, ignore=lambda _dir, names: [n for n in names if n in _NOT_OURS])
    result = subprocess.run(  # noqa: S603 - our own manage.py on a copy of our own tree
        [
            *(sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-location", "--no-obsolete"),
            "--ignore=static/vendor",  # and what the copy leaves out: as `make messages` runs it
        ],
        cwd=copy,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    entries = messages(read_po(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in entries if "fuzzy" in e.flags or not e.msgstr or not all(e.msgstr.values())]
    assert missing == [], "add these to locale/ru/LC_MESSAGES/django.po (make messages)"
