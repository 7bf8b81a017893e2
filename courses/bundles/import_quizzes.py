"""Importing the question bank (categories, tags, questions, choices) and quizzes (settings and
slots). Questions are never deleted: the bank keeps every question students have answered."""

from decimal import Decimal
from typing import Any

from courses.bundles.fields import Record
from courses.bundles.persistence import ImportContext, delete_unless_in_use, in_use, save_checked, upsert
from quizzes.models import Choice, Question, QuestionCategory, Quiz, QuizQuestion, Tag


def import_question_bank(ctx: ImportContext) -> None:
    """Categories, tags, questions and their choices. Needs the tasks (code questions) imported."""
    bundle, course, report = ctx.bundle, ctx.course, ctx.report
    categories = {category.key: category for category in course.question_categories.all()}
    for key, data in bundle.categories.items():
        values = {
            "title": data["title"],
            "description_md": data["description"],
            "is_flashcard_deck": data["flashcards"],
            **ctx.place("flashcards", key),
        }
        category = upsert(
            QuestionCategory,
            categories.get(key),
            values,
            at=data.at,
            report=report,
            kind="question categories",
            course=course,
            key=key,
        )
        ctx.remember("category", key, category)

    tags = {tag.name: tag for tag in course.question_tags.all()}
    for name in sorted({tag for _, question in bundle.questions() for tag in question["tags"]}):
        if name not in tags:
            tags[name] = Tag(course=course, name=name)
            save_checked(tags[name], at=bundle.course.at)  # type: ignore[union-attr]
            report.count("tags", "created")
        ctx.remember("tag", name, tags[name])

    current = {question.key: question for question in course.questions.prefetch_related("choices", "tags")}
    for category_key, category in bundle.categories.items():
        for position, data in enumerate(category["questions"], start=1):
            question = _import_question(ctx, current.get(data["key"]), data, category_key, position)
            ctx.remember("question", data["key"], question)
    for key in current:
        if key not in ctx.objects.get("question", {}):
            report.note("questions", "kept", f"question {key}: not in the bundle; kept in the bank")

    for key, category in categories.items():
        if key in bundle.categories:
            continue
        if category.module_id is not None:
            category.module = None
            category.save(update_fields=["module", "updated_at"])
        if category.questions.exists() or in_use(category, {QuestionCategory}):
            report.note(
                "question categories",
                "kept",
                f"question category {key}: not in the bundle; kept, it still holds questions",
            )
        else:
            category.delete()
            report.note(
                "question categories", "deleted", f"question category {key}: not in the bundle; deleted"
            )


def _import_question(
    ctx: ImportContext, existing: Question | None, data: Record, category: str, position: int
) -> Question:
    kind = data["kind"]
    values = {
        "category_id": ctx.get("category", category).pk,
        "kind": kind,
        "text_md": data["text_md"],
        "answer_md": data["answer_md"],
        "explanation_md": data["explanation_md"],
        "points": data["points"],
        "correct_boolean": data["answer"] if kind == Question.Kind.TRUE_FALSE else None,
        "numeric_answer": data["answer"] if kind == Question.Kind.NUMERIC else None,
        "numeric_tolerance": data["tolerance"] if kind == Question.Kind.NUMERIC else Decimal("0"),
        "case_sensitive": data["case_sensitive"] if kind == Question.Kind.SHORT_TEXT else False,
        "task_id": ctx.get("task", data["task"]).pk if kind == Question.Kind.CODE else None,
        "position": position,
        "source": data["source"],
        "corrections": data["corrections"],
    }
    question = upsert(
        Question,
        existing,
        values,
        at=data.at,
        report=ctx.report,
        kind="questions",
        course=ctx.course,
        key=data["key"],
    )
    if existing is None or sorted(tag.name for tag in existing.tags.all()) != sorted(data["tags"]):
        question.tags.set([ctx.get("tag", name) for name in data["tags"]])

    if kind == Question.Kind.SHORT_TEXT:
        desired = [
            (str(index), {"text": text, "is_correct": True, "feedback": ""}, data.loc("accepted"))
            for index, text in enumerate(data["accepted"], start=1)
        ]
    else:
        desired = [
            (
                choice["key"],
                {"text": choice["text"], "is_correct": choice["correct"], "feedback": choice["feedback"]},
                choice.at,
            )
            for choice in data["choices"]
        ]
    choices = {choice.key: choice for choice in existing.choices.all()} if existing else {}
    for index, (key, values_, at) in enumerate(desired, start=1):
        upsert(
            Choice,
            choices.get(key),
            {**values_, "position": index},
            at=at,
            report=ctx.report,
            kind="choices",
            question=question,
            key=key,
        )
    listed = {key for key, _, _ in desired}
    for key, choice in choices.items():
        if key not in listed:
            delete_unless_in_use(
                choice,
                pure_content={Choice},
                report=ctx.report,
                kind="choices",
                label=f"choice {key} of question {data['key']}",
            )
    return question


def import_quizzes(ctx: ImportContext) -> None:
    """Quizzes and their slots. Needs the question bank imported. Quizzes gone from the bundle
    become drafts outside the outline; their attempts stay."""
    current = {quiz.key: quiz for quiz in ctx.course.quizzes.prefetch_related("slots")}
    for key, data in ctx.bundle.quizzes.items():
        values = {
            **{
                name: data[name]
                for name in (
                    "title",
                    "description_md",
                    "status",
                    "time_limit_minutes",
                    "attempts_allowed",
                    "grading_method",
                    "pass_mark",
                    "layout",
                    "shuffle_questions",
                    "shuffle_choices",
                    "opens_at",
                    "closes_at",
                )
            },
            "review_show_correct": data["review"]["show_correct"],
            "review_show_explanation": data["review"]["show_explanation"],
            **ctx.place("quiz", key),
        }
        existing = current.get(key)
        quiz = upsert(
            Quiz, existing, values, at=data.at, report=ctx.report, kind="quizzes", course=ctx.course, key=key
        )
        _sync_slots(ctx, quiz, list(existing.slots.all()) if existing else [], data["slots"])
    for key, quiz in current.items():
        if key not in ctx.bundle.quizzes and (quiz.status != Quiz.Status.DRAFT or quiz.module_id is not None):
            quiz.status, quiz.module = Quiz.Status.DRAFT, None
            quiz.save(update_fields=["status", "module", "updated_at"])
            ctx.report.note("quizzes", "unpublished", f"quiz {key}: not in the bundle; set to draft")


def _slot_values(ctx: ImportContext, slot: Record) -> dict[str, Any]:
    fixed = slot["question"] is not None
    return {
        "question_id": ctx.get("question", slot["question"]).pk if fixed else None,
        "draw_category_id": None if fixed else ctx.get("category", slot["draw"]).pk,
        "draw_tag_id": ctx.get("tag", slot["tag"]).pk if not fixed and slot["tag"] else None,
        "draw_count": 1 if fixed else slot["count"],
        "points": slot["points"],
    }


def _sync_slots(ctx: ImportContext, quiz: Quiz, existing: list[QuizQuestion], slots: list[Record]) -> None:
    """Slots are pure content (attempts store their own questions): a slot whose position or
    content changed is deleted and created anew, after the stale ones are gone (so a question
    moving to another position never meets itself in the unique constraint)."""
    desired = {position: (_slot_values(ctx, slot), slot.at) for position, slot in enumerate(slots, start=1)}
    kept: set[int] = set()
    for slot in sorted(existing, key=lambda s: (s.position, s.pk)):
        wanted = desired.get(slot.position)
        if wanted and slot.position not in kept and all(getattr(slot, k) == v for k, v in wanted[0].items()):
            kept.add(slot.position)
            ctx.report.count("quiz slots", "unchanged")
        else:
            slot.delete()
            ctx.report.count("quiz slots", "deleted")
    for position, (values, at) in desired.items():
        if position not in kept:
            save_checked(QuizQuestion(quiz=quiz, position=position, **values), at=at)
            ctx.report.count("quiz slots", "created")
