"""Importing bundles: read and check everything, then write it all in one transaction.

Re-importing updates objects in place by their stable keys and never deletes student work.
What the database holds but the bundle no longer lists is unpublished (lessons, cases, role
plays, quizzes, exams, tasks, announcements), kept (questions stay in the bank; content that
student work refers to) or, for pure content with nothing attached, deleted; each is reported.
"""

from collections.abc import Sequence
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses.bundles.bundle import Bundle
from courses.bundles.errors import BundleInvalid
from courses.bundles.import_exams import import_cases, import_exams, import_roleplays, import_tasks
from courses.bundles.import_quizzes import import_question_bank, import_quizzes
from courses.bundles.persistence import (
    ImportContext,
    RecordRejected,
    delete_unless_in_use,
    save_checked,
    sync_by_position,
    upsert,
)
from courses.bundles.reader import bundle_read
from courses.bundles.report import BundleReport
from courses.bundles.validation import bundle_validate, bundles_validate_together
from courses.models import Course, CourseOutcome, CourseStaff, Module, Resource
from lessons.models import Lesson
from reviews.models import FeedbackTag, Review, ReviewPoint

OUTCOME_KINDS = {
    "topics": CourseOutcome.Kind.TOPIC,
    "skills": CourseOutcome.Kind.SKILL,
    "knowledge": CourseOutcome.Kind.KNOWLEDGE,
}


def bundles_check(paths: Sequence[Path]) -> list[Bundle]:
    """Read and validate the bundles at ``paths`` without writing anything.

    Returns the checked bundles. Raises ``BundleInvalid`` listing every error of every bundle.
    """
    bundles = [bundle_read(Path(path), label=str(path)) for path in paths]
    for bundle in bundles:
        bundle_validate(bundle)
    bundles_validate_together(bundles)
    if any(bundle.errors for bundle in bundles):
        raise BundleInvalid({bundle.label: bundle.errors for bundle in bundles})
    return bundles


def bundle_import(*, paths: Sequence[Path], dry_run: bool = False) -> list[BundleReport]:
    """Import the bundles at ``paths`` (one report each).

    Guarantees: every bundle is validated before anything is written; with any error, nothing
    is written. All bundles are written in one transaction; a dry run performs the same writes
    and rolls them back, so its report says exactly what an import would do. Raises
    ``BundleInvalid`` with every error found (``path:line: message``).
    """
    bundles = bundles_check(paths)
    reports = []
    with transaction.atomic():
        for bundle in bundles:
            try:
                reports.append(_import_bundle(bundle))
            except RecordRejected as exc:  # leaving the block rolls everything back
                raise BundleInvalid({bundle.label: [exc.error]}) from exc
        if dry_run:
            transaction.set_rollback(True)
    return reports


def _import_bundle(bundle: Bundle) -> BundleReport:
    report = BundleReport(slug=bundle.slug, warnings=list(bundle.warnings))
    course = _import_course(bundle, report)
    ctx = ImportContext(bundle=bundle, course=course, report=report)
    _import_staff(ctx)
    _import_modules(ctx)
    import_tasks(ctx)
    import_question_bank(ctx)
    _import_lessons(ctx)
    import_cases(ctx)
    import_roleplays(ctx)
    import_quizzes(ctx)
    import_exams(ctx)
    _retire_modules(ctx)
    _import_resources(ctx)
    _import_feedback_tags(ctx)
    _import_reviews(ctx)
    _import_announcements(ctx)
    return report


def _import_course(bundle: Bundle, report: BundleReport) -> Course:
    data = bundle.course
    assert data is not None  # bundles_check refuses a bundle without course.yaml
    existing = Course.objects.filter(slug=data["slug"]).first()
    values = {
        name: data[name]
        for name in (
            "title",
            "status",
            "language",
            "level",
            "summary",
            "description_md",
            "format_md",
            "feedback_sla_hours",
        )
    }
    if data["status"] == Course.Status.PUBLISHED and (existing is None or existing.published_at is None):
        values["published_at"] = timezone.now()
    elif data["status"] == Course.Status.DRAFT:
        values["published_at"] = None
    course = upsert(Course, existing, values, at=data.at, report=report, kind="courses", slug=data["slug"])
    for name, kind in OUTCOME_KINDS.items():
        current = list(course.outcomes.filter(kind=kind).order_by("position", "id")) if existing else []
        at = data["outcomes"].loc(name)
        desired = [({"kind": kind, "text": text}, at) for text in data["outcomes"][name]]
        sync_by_position(
            CourseOutcome, current, desired, parent={"course": course}, report=report, kind="outcomes"
        )
    return course


def _import_staff(ctx: ImportContext) -> None:
    user_model = get_user_model()
    staff = ctx.course_record("staff")
    usernames = [member["username"] for member in staff]
    users = {user.username: user for user in user_model.objects.filter(username__in=usernames)}
    current = {membership.user_id: membership for membership in ctx.course.staff.all()}
    listed = set()
    for member in staff:
        user = users.get(member["username"])
        if user is None:
            user = user_model(username=member["username"], display_name=member["name"])
            user.set_unusable_password()
            save_checked(user, at=member.loc("username"))
            ctx.report.count("users", "created")
        ctx.remember("user", user.username, user)
        listed.add(user.pk)
        upsert(
            CourseStaff,
            current.get(user.pk),
            {"role": member["role"]},
            at=member.at,
            report=ctx.report,
            kind="staff",
            course=ctx.course,
            user=user,
        )
    for user_id, membership in current.items():
        if user_id not in listed:
            ctx.report.note(
                "staff", "kept", f"staff {membership.user}: not in the bundle; kept (remove by hand)"
            )


def _import_modules(ctx: ImportContext) -> None:
    modules = ctx.course_record("modules")
    current = {module.key: module for module in ctx.course.modules.all()}
    for position, data in enumerate(modules, start=1):
        values = {
            "title": data["title"],
            "summary_md": data["summary"],
            "position": position,
            "release_at": data["release_at"],
        }
        module = upsert(
            Module,
            current.get(data["key"]),
            values,
            at=data.at,
            report=ctx.report,
            kind="modules",
            course=ctx.course,
            key=data["key"],
        )
        ctx.modules[data["key"]] = module
    for data in modules:
        module = ctx.modules[data["key"]]
        prerequisite_id = ctx.modules[data["prerequisite"]].pk if data["prerequisite"] else None
        if module.prerequisite_id != prerequisite_id:
            module.prerequisite_id = prerequisite_id
            save_checked(module, at=data.loc("prerequisite"), update_fields=["prerequisite"])
    for item in ctx.bundle.outline:
        ctx.placement[(item.kind, item.key)] = (ctx.modules[item.module].pk, item.position)


def _retire_modules(ctx: ImportContext) -> None:
    """Modules gone from the bundle: deleted when empty; kept (after the others) while they still
    hold lessons, which are never deleted."""
    position = len(ctx.modules)
    for module in ctx.course.modules.exclude(key__in=list(ctx.modules)).order_by("position", "id"):
        if module.lessons.exists():
            position += 1
            if module.position != position:
                module.position = position
                module.save(update_fields=["position", "updated_at"])
            ctx.report.note(
                "modules",
                "kept",
                f"module {module.key}: not in the bundle; kept, it holds unpublished lessons",
            )
        else:
            module.delete()
            ctx.report.note(
                "modules", "deleted", f"module {module.key}: not in the bundle; deleted (it was empty)"
            )


def _import_lessons(ctx: ImportContext) -> None:
    current: dict[str, Lesson] = {}
    for lesson in Lesson.objects.filter(module__course=ctx.course).order_by("id"):
        current.setdefault(lesson.key, lesson)
    for key, data in ctx.bundle.lessons.items():
        author = ctx.get("user", data["author"]).pk if data["author"] else None
        values = {
            **ctx.place("lesson", key),
            "title": data["title"],
            "kind": data["kind"],
            "summary": data["summary"],
            "body_md": data["body_md"],
            "author_id": author,
            "estimated_minutes": data["estimated_minutes"],
            "is_published": data["published"],
            "source": data["source"],
            "corrections": data["corrections"],
        }
        upsert(Lesson, current.get(key), values, at=data.at, report=ctx.report, kind="lessons", key=key)
    for key, lesson in current.items():
        if key not in ctx.bundle.lessons and lesson.is_published:
            lesson.is_published = False
            lesson.save(update_fields=["is_published", "updated_at"])
            ctx.report.note("lessons", "unpublished", f"lesson {key}: not in the bundle; unpublished")


def _import_resources(ctx: ImportContext) -> None:
    current = {resource.key: resource for resource in ctx.course.resources.all()}
    fields = ("collection", "kind", "title", "authors", "url", "description", "useful_for", "audience")
    for position, data in enumerate(ctx.bundle.resources, start=1):
        values = {**{name: data[name] for name in fields}, "position": position}
        upsert(
            Resource,
            current.get(data["key"]),
            values,
            at=data.at,
            report=ctx.report,
            kind="resources",
            course=ctx.course,
            key=data["key"],
        )
    listed = {data["key"] for data in ctx.bundle.resources}
    for key, resource in current.items():
        if key not in listed:
            delete_unless_in_use(
                resource,
                pure_content={Resource},
                report=ctx.report,
                kind="resources",
                label=f"resource {key}",
            )


def _import_feedback_tags(ctx: ImportContext) -> None:
    current = {tag.key: tag for tag in ctx.course.feedback_tags.all()}
    for position, data in enumerate(ctx.bundle.feedback_tags, start=1):
        upsert(
            FeedbackTag,
            current.get(data["key"]),
            {"label": data["label"], "position": position},
            at=data.at,
            report=ctx.report,
            kind="feedback tags",
            course=ctx.course,
            key=data["key"],
        )
    listed = {data["key"] for data in ctx.bundle.feedback_tags}
    for key, tag in current.items():
        if key not in listed:
            delete_unless_in_use(
                tag,
                pure_content={FeedbackTag},
                report=ctx.report,
                kind="feedback tags",
                label=f"feedback tag {key}",
            )


def _import_reviews(ctx: ImportContext) -> None:
    current = {review.key: review for review in ctx.course.reviews.exclude(key="")}
    fields = ("source", "source_name", "source_url", "about_course", "rating", "would_recommend", "text_md")
    for key, data in ctx.bundle.reviews.items():
        values = {**{name: data[name] for name in fields}, "status": Review.Status.PUBLISHED}
        existing = current.get(key)
        review = upsert(
            Review,
            existing,
            values,
            at=data.at,
            report=ctx.report,
            kind="reviews",
            course=ctx.course,
            key=key,
        )
        points = list(review.points.order_by("position", "id")) if existing else []
        desired = [
            ({name: point[name] for name in ("kind", "title", "text")}, point.at) for point in data["points"]
        ]
        sync_by_position(
            ReviewPoint, points, desired, parent={"review": review}, report=ctx.report, kind="review points"
        )
    for key, review in current.items():
        if key not in ctx.bundle.reviews:
            delete_unless_in_use(
                review,
                pure_content={Review, ReviewPoint},
                report=ctx.report,
                kind="reviews",
                label=f"review {key}",
            )


def _import_announcements(ctx: ImportContext) -> None:
    records = [record for record in ctx.bundle.announcements if not record.get("skip")]
    current = {course.slug: course for course in Course.objects.filter(slug__in=[r["slug"] for r in records])}
    for data in records:
        values = {
            "title": data["title"],
            "summary": data["summary"],
            "status": Course.Status.ANNOUNCED,
            "announced_with_id": ctx.course.pk,
        }
        upsert(
            Course,
            current.get(data["slug"]),
            values,
            at=data.at,
            report=ctx.report,
            kind="announcements",
            slug=data["slug"],
        )
    listed = [record["slug"] for record in ctx.bundle.announcements]
    withdrawn = Course.objects.filter(announced_with=ctx.course, status=Course.Status.ANNOUNCED).exclude(
        slug__in=listed
    )
    for course in withdrawn:
        course.status = Course.Status.DRAFT
        course.save(update_fields=["status", "updated_at"])
        ctx.report.note(
            "announcements", "unpublished", f"announcement {course.slug}: not in the bundle; set to draft"
        )
