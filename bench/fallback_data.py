"""Data for the page benchmark when ``manage.py import_course`` is missing or fails.

Builds, with the ORM only (no factory_boy, no bundle importer), what the measured pages read:
the seed course's course row, outcomes, modules and lessons from ``fixtures/courses/*/``
(``course.yaml`` and ``lessons/*.md``; quizzes, exams, cases and the rest are left out), and
``extra_courses`` synthetic published courses of 8 modules × 6 lessons for the catalog.
It is a benchmark fixture, not a domain write path; the real import replaces it as soon as it
works. Needs Django set up with the benchmark settings.
"""

from pathlib import Path
from typing import Any

import yaml

MODULES_PER_COURSE = 8
LESSONS_PER_MODULE = 6

_SYNTHETIC_BODY = """# {title}

A synthetic lecture for the benchmark: a few paragraphs, a list, a table and a code block, so
that the stored HTML has the size and shape of a real lecture.

## Why it matters

Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut
labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco.

- first point: data and features
- second point: models and their evaluation
- third point: deployment and monitoring

| stage | owner | output |
|---|---|---|
| problem | product | metric |
| data | data engineer | dataset |
| model | ML engineer | artefact |

```python
def train(model, data):
    model.fit(data.features, data.target)
    return model.score(data.holdout_features, data.holdout_target)
```
"""

_OUTCOME_KINDS = {"topics": "topic", "skills": "skill", "knowledge": "knowledge"}


def _front_matter(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        _, header, body = text.split("---", 2)
        return yaml.safe_load(header) or {}, body.lstrip("\n")
    return {}, text


def _bundle_build(bundle: Path) -> str | None:
    """The course, outcomes, modules and lessons of one bundle; its slug, or None if it exists."""
    from courses.models import Course, CourseOutcome, Module
    from lessons.models import Lesson

    spec = yaml.safe_load((bundle / "course.yaml").read_text(encoding="utf-8"))
    if Course.objects.filter(slug=spec["slug"]).exists():
        return None
    course = Course(
        slug=spec["slug"],
        title=spec["title"],
        summary=spec.get("summary") or "",
        description_md=spec.get("description_md") or "",
        format_md=spec.get("format_md") or "",
        language=spec.get("language") or Course.Language.RUSSIAN,
        level=spec.get("level") or Course.Level.INTERMEDIATE,
        status=spec.get("status") or Course.Status.PUBLISHED,
    )
    course.save()
    CourseOutcome.objects.bulk_create(
        CourseOutcome(course=course, kind=_OUTCOME_KINDS[kind], text=text, position=position)
        for kind, texts in (spec.get("outcomes") or {}).items()
        if kind in _OUTCOME_KINDS
        for position, text in enumerate(texts)
    )
    for module_position, module_spec in enumerate(spec.get("modules") or []):
        module = Module(
            course=course,
            key=module_spec["key"],
            title=module_spec["title"],
            summary_md=module_spec.get("summary") or "",
            position=module_position,
        )
        module.save()
        for item_position, item in enumerate(module_spec.get("items") or []):
            key = item.get("lesson") if isinstance(item, dict) else None
            lesson_file = bundle / "lessons" / f"{key}.md"
            if not key or not lesson_file.exists():
                continue
            meta, body = _front_matter(lesson_file)
            Lesson(
                module=module,
                key=key,
                title=meta.get("title") or key,
                kind=meta.get("kind") or Lesson.Kind.LECTURE,
                summary=meta.get("summary") or "",
                body_md=body,
                estimated_minutes=meta.get("estimated_minutes") or 10,
                position=item_position,
            ).save()
    return course.slug


def _synthetic_courses_build(count: int) -> int:
    from courses.models import Course, Module
    from lessons.models import Lesson

    existing = set(Course.objects.filter(slug__startswith="bench-course-").values_list("slug", flat=True))
    courses = [
        Course(
            slug=f"bench-course-{number:03d}",
            title=f"Benchmark course {number:03d}",
            summary="A synthetic course made by the benchmark to give the catalog a realistic length.",
            status=Course.Status.PUBLISHED,
            level=Course.Level.INTERMEDIATE,
        )
        for number in range(1, count + 1)
        if f"bench-course-{number:03d}" not in existing
    ]
    for course in courses:
        course.render_markdown_fields()
    courses = Course.objects.bulk_create(courses)
    modules = Module.objects.bulk_create(
        Module(course=course, key=f"module-{m}", title=f"Module {m}", position=m)
        for course in courses
        for m in range(1, MODULES_PER_COURSE + 1)
    )
    # One rendering for every lesson: the body differs only in its title.
    template = Lesson(kind=Lesson.Kind.LECTURE, body_md=_SYNTHETIC_BODY.format(title="Lecture"))
    template.render_markdown_fields()
    Lesson.objects.bulk_create(
        Lesson(
            module=module,
            key=f"lesson-{n}",
            title=f"{module.title}, lecture {n}",
            kind=Lesson.Kind.LECTURE,
            body_md=template.body_md,
            body_html=template.body_html,
            estimated_minutes=20,
            position=n,
        )
        for module in modules
        for n in range(1, LESSONS_PER_MODULE + 1)
    )
    return len(courses)


def fallback_data_build(*, bundles_dir: Path, extra_courses: int) -> list[str]:
    """Build the fallback data; returns notes saying what was built."""
    from django.db import transaction

    notes = []
    with transaction.atomic():
        for bundle in sorted(p for p in bundles_dir.iterdir() if (p / "course.yaml").exists()):
            slug = _bundle_build(bundle)
            if slug:
                notes.append(f"fallback: built course {slug} (course, outcomes, modules, lessons only)")
        built = _synthetic_courses_build(extra_courses)
    if built:
        notes.append(
            f"fallback: built {built} synthetic published courses of "
            f"{MODULES_PER_COURSE} modules × {LESSONS_PER_MODULE} lessons"
        )
    return notes
