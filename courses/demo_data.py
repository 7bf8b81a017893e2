"""Synthetic demo data at scale (``manage.py make_demo_data``): published courses with content,
thousands of students and their enrollments, lesson progress, graded quiz attempts, lecture
feedback with the team's responses, and course reviews, spread over the last 26 weeks.

Speed comes from ``bulk_create`` in batches inside one transaction, which bypasses ``save()``,
the services and their side effects on purpose: this is fixture generation, not user activity.
What ``save()`` would do is done here instead: Markdown is rendered once per distinct source
text (``MarkdownModel.render_markdown_fields``) and the HTML reused, and the one password hash
is computed once for every demo user. Everything is drawn from one ``random.Random(seed)``:
the same arguments and seed give the same data (ids and the wall-clock anchor aside).
"""

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from core.exceptions import ApplicationError
from core.models import MarkdownModel
from courses.models import Course, CourseStaff, Enrollment, Module, Resource
from lessons.models import Lesson, LessonProgress
from quizzes.models import Attempt, Choice, Question, QuestionCategory, Quiz, QuizQuestion, Response
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from reviews.services import feedback_rollup_rebuild

COURSE_SLUG_PREFIX = "demo-course-"
STUDENT_USERNAME_PREFIX = "demo-student-"
INSTRUCTOR_USERNAME_PREFIX = "demo-instructor-"
# Every demo user logs in with this password (documented, development only).
DEMO_USER_PASSWORD = "demo-user-pass"  # noqa: S105 - a public development password

SPAN = timedelta(weeks=26)  # activity is spread over this many weeks before "now"
MODULES_PER_COURSE = 6
LECTURES_PER_MODULE = 3
QUIZ_MODULE_POSITIONS = (1, 3, 5)  # a quiz closes modules 2, 4 and 6
STUDENTS_PER_CHUNK = 500  # students generated and inserted together (independent of batch size)
QUIZ_TAKE_PROBABILITY = 0.3
REVIEW_PROBABILITY = 0.35
COMMENT_PROBABILITY = (0.2, 0.55)  # (usual, when a rating is 1 or 2)
RESPONSE_PROBABILITY = 0.6  # of feedback with a comment or a low rating
ANONYMOUS_PROBABILITY = 0.15

# Every model the generator inserts that has auto_now/auto_now_add timestamps.
TIMESTAMPED_MODELS: tuple[type[models.Model], ...] = (
    Course, CourseStaff, Module, Resource, Lesson, QuestionCategory, Question, Choice, Quiz, QuizQuestion,
    FeedbackTag, Enrollment, LessonProgress, Attempt, Response, LectureFeedback, FeedbackResponse, Review,
)  # fmt: skip


class DemoDataExists(ApplicationError):
    """Demo courses or students are already in the database."""


@contextmanager
def explicit_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let ``bulk_create`` store the ``created_at``/``updated_at`` values set on the objects.

    Django's insert compiler calls ``pre_save(add=True)`` on every field, so ``auto_now_add``
    and ``auto_now`` fields are overwritten with the current time even by ``bulk_create``
    (checked on Django 5.2). Back-dated rows either need a second UPDATE pass over every row
    (doubling the writes of a million-row table) or these flags off while inserting; this does
    the latter and restores them. Objects created inside must set both fields themselves.
    Not thread-safe (the flags are per process): for management commands and tests.
    """
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class RenderOnce:
    """Renders the Markdown of objects that ``bulk_create`` will save, once per distinct source."""

    def __init__(self) -> None:
        self._rendered: dict[tuple, dict[str, object]] = {}
        self.renders = 0

    def __call__(self, obj: MarkdownModel) -> MarkdownModel:
        key = (type(obj), getattr(obj, "kind", ""), *(getattr(obj, s) for s in obj.markdown_fields))
        rendered = self._rendered.get(key)
        if rendered is None:
            obj.render_markdown_fields()
            self.renders += 1
            targets = [*obj.markdown_fields.values(), *(["mind_map"] if isinstance(obj, Lesson) else [])]
            self._rendered[key] = {name: getattr(obj, name) for name in targets}
        else:
            for name, value in rendered.items():
                setattr(obj, name, value)
        return obj


def _stamp(at: datetime) -> dict[str, datetime]:
    return {"created_at": at, "updated_at": at}


def _rating(rng: random.Random, mean: float, spread: float = 0.8) -> int:
    return min(5, max(1, round(rng.gauss(mean, spread))))


@dataclass
class _Slot:
    question_id: int
    kind: str
    choices: list[tuple[int, bool]]  # (choice id, correct)
    correct_boolean: bool | None


@dataclass
class _QuizInfo:
    pk: int
    pass_mark: int
    time_limit: int
    slots: list[_Slot]


@dataclass
class _CourseInfo:
    course: Course
    lead: User
    quality: float  # mean rating before the trend
    trend: float  # change of the mean rating over SPAN
    lessons: list[Lesson] = field(default_factory=list)
    difficulty: dict[int, float] = field(default_factory=dict)  # lesson id -> rating offset
    tags: dict[str, int] = field(default_factory=dict)  # tag key -> FeedbackTag id
    quizzes: list[_QuizInfo] = field(default_factory=list)


@dataclass
class _Rows:
    """The rows of one chunk of students, with what their dependent rows need after insert."""

    enrollments: list[Enrollment] = field(default_factory=list)
    progress: list[LessonProgress] = field(default_factory=list)
    feedback: list[LectureFeedback] = field(default_factory=list)
    feedback_tags: list[list[int]] = field(default_factory=list)  # parallel to feedback
    feedback_responses: list[FeedbackResponse] = field(default_factory=list)
    responded: list[int] = field(default_factory=list)  # parallel: the index into feedback answered
    attempts: list[Attempt] = field(default_factory=list)
    # (index into attempts, the response, the ids of its selected choices)
    responses: list[tuple[int, Response, list[int]]] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)


class DemoDataGenerator:
    def __init__(
        self,
        *,
        students: int,
        courses: int,
        feedback_per_student: int,
        seed: int,
        batch_size: int,
        now: datetime,
        log: Callable[[str], None],
    ) -> None:
        self.students, self.course_count = students, courses
        self.feedback_per_student, self.batch_size = feedback_per_student, batch_size
        self.now, self.start, self.log = now, now - SPAN, log
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.render = RenderOnce()
        self.counts: dict[str, int] = {}
        self.courses: list[_CourseInfo] = []
        self.password = make_password(DEMO_USER_PASSWORD)

    def insert(self, objs: list) -> list:
        """Bulk-insert ``objs`` (all of one model) and count them under the model's label."""
        if objs:
            model = type(objs[0])
            model.objects.bulk_create(objs, batch_size=self.batch_size)
            self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + len(objs)
        return objs

    # --- content -------------------------------------------------------------------------
    def make_courses(self) -> None:
        rng, render, at = self.rng, self.render, self.start - timedelta(weeks=4)
        leads = self.insert(
            [
                User(
                    username=f"{INSTRUCTOR_USERNAME_PREFIX}{n + 1:03d}",
                    password=self.password,
                    display_name=INSTRUCTOR_NAMES[n % len(INSTRUCTOR_NAMES)],
                    email=f"{INSTRUCTOR_USERNAME_PREFIX}{n + 1:03d}@kafedra.example",
                    date_joined=at,
                )
                for n in range(self.course_count)
            ]
        )
        courses = []
        for n in range(self.course_count):
            topic = COURSE_TOPICS[n % len(COURSE_TOPICS)]
            courses.append(
                render(
                    Course(
                        slug=f"{COURSE_SLUG_PREFIX}{n + 1:03d}",
                        title=f"{topic} (демо {n + 1})",
                        summary=f"Демонстрационный курс «{topic}»: лекции, практика, тесты.",
                        description_md=COURSE_DESCRIPTION,
                        format_md=COURSE_FORMAT,
                        level=list(Course.Level.values)[n % 4],
                        status=Course.Status.PUBLISHED,
                        published_at=at,
                        **_stamp(at),
                    )
                )
            )
        self.insert(courses)
        self.insert(
            [
                CourseStaff(course=c, user=u, role=CourseStaff.Role.LEAD, **_stamp(at))
                for c, u in zip(courses, leads, strict=True)
            ]
        )
        self.courses = [
            _CourseInfo(course=c, lead=u, quality=rng.uniform(3.2, 4.3), trend=rng.uniform(-0.4, 0.8))
            for c, u in zip(courses, leads, strict=True)
        ]
        self.insert(
            [
                FeedbackTag(course=c, key=key, label=label, position=p, **_stamp(at))
                for c in courses
                for p, (key, label) in enumerate(FEEDBACK_TAGS)
            ]
        )
        for info in self.courses:
            for tag in info.course.feedback_tags.all():
                info.tags[tag.key] = tag.pk
        self.insert(
            [
                Resource(
                    course=c,
                    key=f"{collection}-{p + 1}",
                    collection=collection,
                    kind=kind,
                    title=title,
                    url=url,
                    position=p,
                    **_stamp(at),
                )
                for c in courses
                for collection, items in RESOURCES.items()
                for p, (kind, title, url) in enumerate(items)
            ]
        )
        modules = self.insert(
            [
                render(
                    Module(
                        course=c,
                        key=f"module-{p + 1}",
                        title=title,
                        summary_md=MODULE_SUMMARY % title,
                        position=p,
                        **_stamp(at),
                    )
                )
                for c in courses
                for p, title in enumerate(MODULE_TITLES[:MODULES_PER_COURSE])
            ]
        )
        self.make_lessons(modules, at)
        self.make_questions_and_quizzes(modules, at)

    def make_lessons(self, modules: list[Module], at: datetime) -> None:
        by_course = {info.course.pk: info for info in self.courses}
        lessons = []
        for module in modules:
            info = by_course[module.course_id]
            plan = [(Lesson.Kind.LECTURE, n) for n in range(LECTURES_PER_MODULE)] + [(Lesson.Kind.READING, 0)]
            if module.position == 0:
                plan.append((Lesson.Kind.MIND_MAP, 0))
            for n, (kind, number) in enumerate(plan):
                body = LESSON_BODIES[kind][(module.position + number) % len(LESSON_BODIES[kind])]
                lesson = self.render(
                    Lesson(
                        module=module,
                        key=f"{module.key}-{kind.replace('_', '-')}-{number + 1}",
                        title=f"{module.title}: {LESSON_TITLES[kind]} {number + 1}",
                        kind=kind,
                        body_md=body,
                        author=info.lead,
                        estimated_minutes=self.rng.choice((10, 15, 20, 30, 45)),
                        position=n,
                        **_stamp(at),
                    )
                )
                lessons.append(lesson)
                info.lessons.append(lesson)
        self.insert(lessons)
        for info in self.courses:
            info.difficulty = {lesson.pk: self.rng.uniform(-0.7, 0.4) for lesson in info.lessons}

    def make_questions_and_quizzes(self, modules: list[Module], at: datetime) -> None:
        rng, render = self.rng, self.render
        categories = []
        for info in self.courses:
            first = next(m for m in modules if m.course_id == info.course.pk and m.position == 0)
            categories += [
                render(
                    QuestionCategory(
                        course=info.course, key="bank", title="Банк вопросов", position=0, **_stamp(at)
                    )
                ),
                render(
                    QuestionCategory(
                        course=info.course,
                        key="theory",
                        title="Теория: карточки",
                        position=1,
                        is_flashcard_deck=True,
                        module=first,
                        **_stamp(at),
                    )
                ),
            ]
        self.insert(categories)
        specs = question_specs(rng)  # one bank shared by the demo courses: its Markdown renders once
        questions: list[Question] = []
        choices: list[tuple[Question, list[tuple[str, bool]]]] = []
        banks = zip(categories[::2], categories[1::2], strict=True)
        for info, (bank, theory) in zip(self.courses, banks, strict=True):
            for n, spec in enumerate(specs):
                question = render(
                    Question(
                        course=info.course,
                        category=theory if spec.kind == Question.Kind.OPEN else bank,
                        key=f"{spec.kind.replace('_', '-')}-{n + 1}",
                        kind=spec.kind,
                        text_md=spec.text,
                        answer_md=spec.answer,
                        explanation_md=spec.explanation,
                        correct_boolean=spec.correct_boolean,
                        numeric_answer=spec.numeric_answer,
                        position=n,
                        **_stamp(at),
                    )
                )
                questions.append(question)
                choices.append((question, spec.choices))
        self.insert(questions)
        self.insert(
            [
                Choice(
                    question=q, key=chr(ord("a") + p), text=text, is_correct=correct, position=p, **_stamp(at)
                )
                for q, options in choices
                for p, (text, correct) in enumerate(options)
            ]
        )
        options_of: dict[int, list[tuple[int, bool]]] = {}
        for choice in Choice.objects.filter(question__in=[q.pk for q in questions]).order_by(
            "question", "position"
        ):
            options_of.setdefault(choice.question_id, []).append((choice.pk, choice.is_correct))

        quizzes, slots = [], []
        for info in self.courses:
            by_kind: dict[str, list[Question]] = {}
            for q in (q for q in questions if q.course_id == info.course.pk):
                by_kind.setdefault(q.kind, []).append(q)
            course_modules = [m for m in modules if m.course_id == info.course.pk]
            for n, position in enumerate(QUIZ_MODULE_POSITIONS):
                quiz = render(
                    Quiz(
                        course=info.course,
                        module=course_modules[position],
                        key=f"quiz-{n + 1}",
                        title=f"Тест {n + 1}: {course_modules[position].title}",
                        description_md=QUIZ_DESCRIPTION,
                        status=Quiz.Status.PUBLISHED,
                        time_limit_minutes=20,
                        attempts_allowed=2,
                        pass_mark=60,
                        position=position * 10 + 9,
                        **_stamp(at),
                    )
                )
                quizzes.append(quiz)
                picked = [
                    *by_kind["single"][n * 5 : n * 5 + 5],
                    *by_kind["multiple"][n * 2 : n * 2 + 2],
                    by_kind["true_false"][n],
                ]
                slots.append((info, quiz, picked))
        self.insert(quizzes)
        self.insert(
            [
                QuizQuestion(quiz=quiz, question=q, position=p, **_stamp(at))
                for _info, quiz, picked in slots
                for p, q in enumerate(picked)
            ]
        )
        for info, quiz, picked in slots:
            info.quizzes.append(
                _QuizInfo(
                    quiz.pk,
                    quiz.pass_mark,
                    quiz.time_limit_minutes or 20,
                    [_Slot(q.pk, q.kind, options_of.get(q.pk, []), q.correct_boolean) for q in picked],
                )
            )

    # --- students ------------------------------------------------------------------------
    def make_students(self) -> None:
        started = time.monotonic()
        for first in range(0, self.students, STUDENTS_PER_CHUNK):
            numbers = range(first, min(first + STUDENTS_PER_CHUNK, self.students))
            rows = _Rows()
            users = []
            for number in numbers:
                joined = self.start + (SPAN - timedelta(weeks=2)) * self.rng.random()
                first_name, gender = self.rng.choice(FIRST_NAMES)
                last_name = self.rng.choice(LAST_NAMES) + ("а" if gender == "f" else "")
                users.append(
                    User(
                        username=f"{STUDENT_USERNAME_PREFIX}{number + 1:05d}",
                        password=self.password,
                        display_name=f"{first_name} {last_name}",
                        email=f"{STUDENT_USERNAME_PREFIX}{number + 1:05d}@kafedra.example",
                        date_joined=joined,
                    )
                )
            self.insert(users)
            for user in users:
                self.student(user, rows)
            self.insert_rows(rows)
            elapsed = time.monotonic() - started
            feedback = self.counts.get(LectureFeedback._meta.label, 0)
            self.log(f"  students {numbers.stop:>7}/{self.students}  feedback {feedback:>9}  {elapsed:7.1f}s")

    def student(self, user: User, rows: _Rows) -> None:
        rng = self.rng
        ability, mood = rng.gauss(0, 1), rng.gauss(0, 0.5)
        # Enrolled within half an hour of joining; active from an hour later for 6-16 weeks.
        joined = user.date_joined
        begin = joined + timedelta(hours=1)
        until = min(self.now, joined + timedelta(weeks=rng.uniform(6, 16)))
        window = (until - begin).total_seconds()
        per_course = max(len(info.lessons) for info in self.courses) * 0.9
        wanted = -(-self.feedback_per_student // max(1, int(per_course)))  # ceil
        enrolled = rng.sample(
            self.courses, min(len(self.courses), max(1, wanted) + rng.choice((0, 0, 1, 1, 2)))
        )
        pool = [(info, lesson) for info in enrolled for lesson in info.lessons]
        chosen = sorted(rng.sample(range(len(pool)), min(self.feedback_per_student, len(pool))))
        taken = set(chosen)
        extra = [i for i in range(len(pool)) if i not in taken and rng.random() < 0.2]
        times = sorted(begin + timedelta(seconds=rng.uniform(0, window)) for _ in chosen)

        done: dict[int, list[tuple[datetime, Lesson]]] = {info.course.pk: [] for info in enrolled}
        for index, at in zip(chosen, times, strict=True):
            info, lesson = pool[index]
            completed = at - timedelta(minutes=rng.uniform(1, 30))
            rows.progress.append(
                LessonProgress(
                    user_id=user.pk,
                    lesson_id=lesson.pk,
                    status=LessonProgress.Status.DONE,
                    completed_at=completed,
                    created_at=completed - timedelta(minutes=lesson.estimated_minutes),
                    updated_at=completed,
                )
            )
            done[info.course.pk].append((completed, lesson))
            self.feedback(user, info, lesson, at, mood, rows)
        for index in extra:
            info, lesson = pool[index]
            at = begin + timedelta(seconds=rng.uniform(0, window))
            finished = rng.random() < 0.65
            rows.progress.append(
                LessonProgress(
                    user_id=user.pk,
                    lesson_id=lesson.pk,
                    status=LessonProgress.Status.DONE if finished else LessonProgress.Status.IN_PROGRESS,
                    completed_at=at if finished else None,
                    created_at=at - timedelta(minutes=lesson.estimated_minutes),
                    updated_at=at,
                )
            )
            if finished:
                done[info.course.pk].append((at, lesson))

        for info in enrolled:
            finished = sorted(done[info.course.pk], key=lambda pair: pair[0])
            percent = round(100 * len(finished) / len(info.lessons))
            status = Enrollment.Status.ACTIVE
            if percent == 100:
                status = Enrollment.Status.COMPLETED
            elif percent < 30 and rng.random() < 0.15:
                status = Enrollment.Status.DROPPED
            enrolled_at = joined + timedelta(minutes=rng.uniform(0, 30))
            last = finished[-1][0] if finished else enrolled_at
            rows.enrollments.append(
                Enrollment(
                    user_id=user.pk,
                    course_id=info.course.pk,
                    status=status,
                    progress_percent=percent,
                    last_lesson_id=finished[-1][1].pk if finished else None,
                    completed_at=last if status == Enrollment.Status.COMPLETED else None,
                    created_at=enrolled_at,
                    updated_at=max(enrolled_at, last),
                )
            )
            for quiz in info.quizzes:
                if rng.random() < QUIZ_TAKE_PROBABILITY:
                    at = begin + timedelta(seconds=rng.uniform(0, window))
                    passed = self.attempt(user, info, quiz, ability, at, 1, rows)
                    retry_at = at + timedelta(days=rng.uniform(1, 7))
                    if not passed and rng.random() < 0.5 and retry_at < until:
                        self.attempt(user, info, quiz, ability + 0.5, retry_at, 2, rows)
            if percent >= 40 and rng.random() < REVIEW_PROBABILITY:
                at = min(self.now, last + timedelta(days=rng.uniform(0, 5)))
                fraction = (at - self.start) / SPAN
                rating = _rating(rng, info.quality + mood + info.trend * fraction, 0.7)
                rows.reviews.append(
                    self.render(
                        Review(
                            course_id=info.course.pk,
                            user_id=user.pk,
                            rating=rating,
                            would_recommend=min(10, max(0, round(rng.gauss(rating * 2 - 1, 1.3)))),
                            text_md=rng.choice(REVIEW_TEXTS[rating]),
                            status=Review.Status.PUBLISHED if rng.random() < 0.85 else Review.Status.PENDING,
                            **_stamp(at),
                        )
                    )
                )

    def feedback(
        self, user: User, info: _CourseInfo, lesson: Lesson, at: datetime, mood: float, rows: _Rows
    ) -> None:
        rng = self.rng
        mean = info.quality + info.difficulty[lesson.pk] + mood + info.trend * ((at - self.start) / SPAN)
        clarity = _rating(rng, mean)
        pace = _rating(rng, 3.6 + mood / 2, 0.9) if rng.random() > 0.04 else None
        practice = _rating(rng, mean - 0.3, 0.9) if rng.random() > 0.04 else None
        low = min(r for r in (clarity, pace, practice) if r is not None) <= 2
        tags = []
        for key, applies in (
            ("unclear", clarity <= 2),
            ("code-demo-unclear", clarity <= 2 and lesson.kind == Lesson.Kind.LECTURE),
            ("too-fast", pace is not None and pace <= 2),
            ("too-slow", pace is not None and pace == 5),
            ("need-more-practice", practice is not None and practice <= 2),
            ("great-examples", clarity == 5),
            ("repeats-earlier", lesson.position > 1),
        ):
            if applies and rng.random() < (0.12 if key == "repeats-earlier" else 0.5):
                tags.append(info.tags[key])
        comment = ""
        if rng.random() < COMMENT_PROBABILITY[low]:
            mood_key = "negative" if low else "positive" if clarity >= 5 else "neutral"
            comment = rng.choice(FEEDBACK_COMMENTS[mood_key])
        rows.feedback.append(
            LectureFeedback(
                course_id=info.course.pk,
                user_id=user.pk,
                lesson_id=lesson.pk,
                clarity=clarity,
                pace=pace,
                practice=practice,
                comment=comment,
                is_anonymous=rng.random() < ANONYMOUS_PROBABILITY,
                **_stamp(at),
            )
        )
        rows.feedback_tags.append(tags)
        if (comment or low) and rng.random() < RESPONSE_PROBABILITY:
            rows.responded.append(len(rows.feedback) - 1)
            rows.feedback_responses.append(self.response(info, at))

    def response(self, info: _CourseInfo, at: datetime) -> FeedbackResponse:
        rng, status = self.rng, FeedbackResponse.Status
        due = at + timedelta(hours=info.course.feedback_sla_hours)
        first = at + timedelta(hours=rng.lognormvariate(3.0, 0.9))  # median ~20 h, a long tail past the SLA
        if first > self.now or rng.random() < 0.08:
            return FeedbackResponse(
                course_id=info.course.pk, owner_id=info.lead.pk, status=status.NEW, due_at=due, **_stamp(at)
            )
        state = rng.choices(
            [status.ACKNOWLEDGED, status.PLANNED, status.DONE, status.DECLINED], [3, 2, 4, 1]
        )[0]
        resolved = (
            first + timedelta(days=rng.uniform(1, 21)) if state in (status.DONE, status.DECLINED) else None
        )
        if resolved and resolved > self.now:
            state, resolved = status.PLANNED, None
        return self.render(
            FeedbackResponse(
                course_id=info.course.pk,
                owner_id=info.lead.pk,
                status=state,
                due_at=due,
                first_response_at=first,
                resolved_at=resolved,
                reply_md=rng.choice(REPLIES[state]),
                public_note=rng.choice(PUBLIC_NOTES) if state == status.DONE and rng.random() < 0.5 else "",
                decline_reason=rng.choice(DECLINE_REASONS) if state == status.DECLINED else "",
                created_at=at,
                updated_at=resolved or first,
            )
        )

    def attempt(
        self,
        user: User,
        info: _CourseInfo,
        quiz: _QuizInfo,
        ability: float,
        at: datetime,
        number: int,
        rows: _Rows,
    ) -> bool:
        rng = self.rng
        p_correct = min(0.95, max(0.15, 0.6 + 0.15 * ability + 0.1 * (info.quality - 3.8)))
        submitted = min(self.now, at + timedelta(minutes=rng.uniform(3, quiz.time_limit - 1)))
        index, score = len(rows.attempts), 0
        for position, slot in enumerate(quiz.slots):
            correct = rng.random() < p_correct
            order = [pk for pk, _ in slot.choices]
            rng.shuffle(order)
            right = [pk for pk, ok in slot.choices if ok]
            wrong = [pk for pk, ok in slot.choices if not ok]
            selected: list[int] = []
            boolean = None
            if slot.kind == Question.Kind.TRUE_FALSE:
                boolean = slot.correct_boolean if correct else not slot.correct_boolean
            elif slot.kind == Question.Kind.MULTIPLE:
                selected = right if correct else [*right[:1], *wrong[:1]]
            else:
                selected = right[:1] if correct else [rng.choice(wrong)]
            score += correct
            answered = at + (submitted - at) * ((position + 1) / (len(quiz.slots) + 1))
            rows.responses.append(
                (
                    index,
                    Response(
                        question_id=slot.question_id,
                        position=position,
                        choice_order=order,
                        max_points=Decimal(1),
                        boolean_answer=boolean,
                        answered_at=answered,
                        points=Decimal(int(correct)),
                        is_correct=correct,
                        created_at=at,
                        updated_at=submitted,
                    ),
                    selected,
                )
            )
        passed = score * 100 >= quiz.pass_mark * len(quiz.slots)
        graded = min(self.now, submitted + timedelta(seconds=rng.uniform(1, 20)))
        rows.attempts.append(
            Attempt(
                quiz_id=quiz.pk,
                user_id=user.pk,
                number=number,
                status=Attempt.Status.GRADED,
                deadline_at=at + timedelta(minutes=quiz.time_limit),
                submitted_at=submitted,
                graded_at=graded,
                score=Decimal(score),
                max_score=Decimal(len(quiz.slots)),
                passed=passed,
                created_at=at,
                updated_at=graded,
            )
        )
        return passed

    def insert_rows(self, rows: _Rows) -> None:
        self.insert(rows.enrollments)
        self.insert(rows.progress)
        self.insert(rows.feedback)
        tagged = LectureFeedback.tags.through
        self.insert(
            [
                tagged(lecturefeedback_id=f.pk, feedbacktag_id=tag)
                for f, tags in zip(rows.feedback, rows.feedback_tags, strict=True)
                for tag in tags
            ]
        )
        for index, response in zip(rows.responded, rows.feedback_responses, strict=True):
            response.feedback_id = rows.feedback[index].pk
        self.insert(rows.feedback_responses)
        self.insert(rows.attempts)
        for index, response, _selected in rows.responses:
            response.attempt_id = rows.attempts[index].pk
        self.insert([response for _index, response, _selected in rows.responses])
        chosen = Response.selected_choices.through
        self.insert(
            [chosen(response_id=r.pk, choice_id=c) for _i, r, selected in rows.responses for c in selected]
        )
        self.insert(rows.reviews)


@dataclass(frozen=True)
class DemoDataResult:
    rows: dict[str, int]  # rows inserted per table, by model label ("reviews.LectureFeedback")
    markdown_renders: int  # distinct Markdown sources rendered (the HTML of the rest is copied)


def demo_data_counts() -> tuple[int, int]:
    """``(demo courses, demo users)`` already in the database."""
    return (
        Course.objects.filter(slug__startswith=COURSE_SLUG_PREFIX).count(),
        User.objects.filter(
            Q(username__startswith=STUDENT_USERNAME_PREFIX)
            | Q(username__startswith=INSTRUCTOR_USERNAME_PREFIX)
        ).count(),
    )


def demo_data_generate(
    *,
    students: int,
    courses: int,
    feedback_per_student: int = 10,
    seed: int = 0,
    batch_size: int = 2000,
    now: datetime | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> DemoDataResult:
    """Create ``courses`` demo courses and ``students`` demo students with their activity, in one
    transaction, and return the number of rows inserted per table.

    Each student enrolls in enough courses to leave ``feedback_per_student`` lecture-feedback
    items (fewer only if all the enrolled lessons run out). Refuses, raising DemoDataExists,
    when demo courses or students are already there: it fills, it never tops up or duplicates.
    """
    if students < 0 or courses < 1 or feedback_per_student < 0 or batch_size < 1:
        raise ApplicationError("Need at least one course, and no negative counts.")
    existing_courses, existing_users = demo_data_counts()
    if existing_courses or existing_users:
        raise DemoDataExists(
            f"Demo data already exists ({existing_courses} demo courses, {existing_users} demo users): "
            "make_demo_data fills a database that has none, it never adds to it. Use a fresh database, "
            f"or delete the courses {COURSE_SLUG_PREFIX}* and the users {STUDENT_USERNAME_PREFIX}* and "
            f"{INSTRUCTOR_USERNAME_PREFIX}* first."
        )
    generator = DemoDataGenerator(
        students=students,
        courses=courses,
        feedback_per_student=feedback_per_student,
        seed=seed,
        batch_size=batch_size,
        now=now or timezone.now(),
        log=log,
    )
    with transaction.atomic(), explicit_timestamps(*TIMESTAMPED_MODELS):
        log(f"Courses: {courses} with modules, lessons, question banks and quizzes")
        generator.make_courses()
        log(f"Students: {students}, {feedback_per_student} feedback items each")
        generator.make_students()
        # The feedback went in around the services: the report's rollup is rebuilt in one pass.
        rebuilt = feedback_rollup_rebuild()
        log(f"Feedback rollup: {rebuilt.days} lesson-days, {rebuilt.tags} lesson-day tags")
    return DemoDataResult(rows=generator.counts, markdown_renders=generator.render.renders)


# --- content: the text the generator draws from -------------------------------------------
# fmt: off
INSTRUCTOR_NAMES = ["Анна Смирнова", "Игорь Волков", "Мария Кузнецова", "Дмитрий Орлов", "Елена Соколова"]
FIRST_NAMES = [
    ("Алексей", "m"), ("Мария", "f"), ("Иван", "m"), ("Ольга", "f"), ("Сергей", "m"), ("Анна", "f"),
    ("Павел", "m"), ("Екатерина", "f"), ("Никита", "m"), ("Дарья", "f"), ("Артём", "m"), ("Полина", "f"),
]
LAST_NAMES = [
    "Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов",
]

COURSE_TOPICS = [
    "Python для анализа данных", "Основы машинного обучения", "Глубокое обучение", "MLOps на практике",
    "SQL для аналитиков", "Статистика и A/B-тесты", "Обработка естественного языка", "Компьютерное зрение",
    "Инженерия данных", "Рекомендательные системы",
]
COURSE_DESCRIPTION = (
    "Курс для тех, кто хочет **применять** методы на практике.\n\n"
    "- короткие лекции с кодом по шагам;\n- практика в браузере после каждой лекции;\n"
    "- тест в конце каждого раздела и обратная связь по каждой лекции.\n"
)
COURSE_FORMAT = "Лекции, практические задания с автопроверкой, тесты, разбор кейсов."
MODULE_TITLES = ["Введение", "Данные", "Модели", "Оценка качества", "Production", "Итоговый проект"]
MODULE_SUMMARY = "Раздел «%s»: лекции, материалы для чтения и тест по теме."
LESSON_TITLES = {"lecture": "лекция", "reading": "материалы для чтения", "mind_map": "интеллект-карта"}
LESSON_BODIES = {
    "lecture": [
        "## План\n\n1. Постановка задачи\n2. Данные\n3. Базовое решение\n\n"
        "```python\nimport pandas as pd\n\ndf = pd.read_csv('train.csv')\nprint(df.shape)\n```\n\n"
        "!!! note \"Запомнить\"\n    Сначала простое базовое решение, потом сложные модели.\n",
        "## Метрики\n\n| Метрика | Когда использовать |\n|---|---|\n| Accuracy | классы сбалансированы |\n"
        "| F1 | важны оба типа ошибок |\n| ROC-AUC | порог выбирается позже |\n\n"
        "```python\nfrom sklearn.metrics import f1_score\n\nprint(f1_score(y_true, y_pred))\n```\n",
        "## Разбиение данных\n\nОтложенная выборка защищает от переобучения.\n\n"
        "```python\nfrom sklearn.model_selection import train_test_split\n\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)\n```\n",
        "## Пайплайн\n\nПредобработка и модель в одном объекте — без утечки данных.\n\n"
        "```python\nfrom sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.linear_model import LogisticRegression\n\n"
        "model = make_pipeline(StandardScaler(), LogisticRegression())\nmodel.fit(X_train, y_train)\n```\n",
    ],
    "reading": [
        "Прочитайте главу учебника по теме раздела и ответьте себе на вопросы:\n\n"
        "- какую задачу решает метод?\n- какие у него допущения?\n- как проверить результат?\n",
        "Статья и документация к библиотеке: [scikit-learn](https://scikit-learn.org/stable/user_guide.html).\n",
    ],
    "mind_map": [
        "- Курс\n  - Данные\n    - Сбор\n    - Очистка\n  - Модели\n    - Линейные\n    - Деревья\n"
        "  - Production\n    - Деплой\n    - Мониторинг\n",
    ],
}
QUIZ_DESCRIPTION = "Восемь вопросов по разделу, 20 минут, две попытки. Проходной балл — 60 %."
# The lecture-feedback tags every demo course gets (those of the seed course bundle).
FEEDBACK_TAGS = [
    ("too-fast", "Слишком быстро"), ("too-slow", "Слишком медленно"),
    ("need-more-practice", "Нужно больше практики"), ("code-demo-unclear", "Непонятна демонстрация кода"),
    ("great-examples", "Отличные примеры"), ("repeats-earlier", "Повтор пройденного"),
    ("unclear", "Непонятно объяснено"),
]
RESOURCES = {
    Resource.Collection.LITERATURE: [
        (Resource.Kind.BOOK, "Джеймс, Уиттон, Хасти, Тибширани. Введение в статистическое обучение", ""),
        (Resource.Kind.BOOK, "Гудфеллоу, Бенджио, Курвилль. Глубокое обучение", "https://www.deeplearningbook.org/"),
    ],
    Resource.Collection.READING_LIST: [
        (Resource.Kind.PLATFORM, "Kaggle Learn", "https://www.kaggle.com/learn"),
        (Resource.Kind.COURSE, "Stepik: Python для анализа данных", "https://stepik.org/"),
        (Resource.Kind.ARTICLE, "scikit-learn User Guide", "https://scikit-learn.org/stable/user_guide.html"),
    ],
}

FEEDBACK_COMMENTS = {
    "negative": [
        "Пол-лекции картинок, потом сразу стена готового кода — непонятно, откуда он взялся.",
        "Практика не связана с лекцией, пришлось искать материалы самому.",
        "Слишком быстро, не успеваю разобрать примеры.",
        "Это уже было в прошлом разделе почти слово в слово.",
        "Негде попробовать код: окружение так и не заработало.",
        "Задавал вопрос три дня назад, ответа нет.",
    ],
    "neutral": [
        "В целом понятно, но хотелось бы больше примеров.",
        "Нормально, но домашнее задание можно сделать подробнее.",
        "Хорошо бы выложить код из лекции отдельным файлом.",
        "Темп нормальный, таблицы полезные.",
    ],
    "positive": [
        "Отличная лекция: код по шагам, всё запускается.",
        "Очень понятные примеры, спасибо!",
        "Практика сразу после лекции — то, что нужно.",
        "Лучшая лекция курса.",
    ],
}
REPLIES = {
    FeedbackResponse.Status.ACKNOWLEDGED: ["Спасибо, что написали! Разбираемся и вернёмся с ответом."],
    FeedbackResponse.Status.PLANNED: [
        "Спасибо! Добавим пошаговый разбор кода в следующий запуск лекции.",
        "Запланировали дополнительное практическое задание к этой лекции.",
    ],
    FeedbackResponse.Status.DONE: [
        "Сделали: код лекции разбит на шаги, каждый можно запустить в песочнице.",
        "Добавили практику к лекции и ссылку на дополнительные материалы.",
    ],
    FeedbackResponse.Status.DECLINED: ["Спасибо за мнение! Оставим как есть — объяснение ниже."],
}
PUBLIC_NOTES = [
    "Вы сказали: «стена готового кода». Мы сделали: код показываем по шагам, каждый шаг запускается.",
    "Вы сказали: «мало практики». Мы сделали: задание с автопроверкой после каждой лекции.",
    "Вы сказали: «повтор пройденного». Мы сделали: убрали дублирующий материал из раздела.",
]
DECLINE_REASONS = [
    "Темп рассчитан на всю группу; для углублённого изучения есть материалы для чтения.",
    "Тема намеренно повторяется: это подготовка к итоговому экзамену.",
]
REVIEW_TEXTS = {
    1: ["Практики почти нет, на вопросы не отвечают. Не рекомендую."],
    2: ["Много теории, мало практики. Ответы на вопросы приходится ждать."],
    3: ["Неплохо, но неровно: часть лекций отличная, часть — пересказ документации."],
    4: ["Хороший курс: практика после каждой лекции, быстрые ответы на обратную связь.",
        "Понравилось, рекомендую."],
    5: ["Отличный курс! Код по шагам, песочница в браузере, команда реагирует на отзывы."],
}

OPEN_QUESTIONS = [
    ("Что такое переобучение?", "Модель запоминает обучающие данные и плохо обобщает на новые."),
    ("Зачем нужна валидационная выборка?", "Чтобы подбирать гиперпараметры, не подглядывая в тест."),
    ("Чем бэггинг отличается от бустинга?",
     "Бэггинг обучает модели независимо, бустинг — последовательно, исправляя ошибки."),
    ("Что такое утечка данных?", "Попадание в признаки информации, недоступной в момент предсказания."),
    ("Зачем масштабировать признаки?", "Чтобы признаки с большими значениями не доминировали в расстояниях."),
    ("Что такое дрейф данных?", "Изменение распределения входных данных после выкатки модели."),
    ("Что показывает ROC-AUC?", "Вероятность, что положительный объект оценён выше отрицательного."),
    ("Зачем нужен feature store?", "Одни и те же признаки для обучения и для инференса."),
    ("Что такое регуляризация?", "Штраф за сложность модели, снижающий переобучение."),
    ("Что такое A/B-тест?", "Сравнение двух вариантов на случайно разделённых пользователях."),
]
MULTIPLE_QUESTIONS = [
    ("Какие методы — ансамбли?",
     [("Случайный лес", True), ("Градиентный бустинг", True), ("k-NN", False), ("PCA", False)]),
    ("Какие метрики — для классификации?", [("F1", True), ("ROC-AUC", True), ("MAE", False), ("R²", False)]),
    ("Что помогает против переобучения?",
     [("Регуляризация", True), ("Больше данных", True), ("Больше эпох", False), ("Убрать валидацию", False)]),
    ("Какие инструменты — для MLOps?",
     [("MLflow", True), ("DVC", True), ("Photoshop", False), ("Excel", False)]),
    ("Что относится к предобработке?",
     [("Заполнение пропусков", True), ("Кодирование категорий", True), ("Подсчёт метрик", False),
      ("Деплой", False)]),
    ("Где можно развернуть модель?",
     [("REST-сервис", True), ("Пакетный джоб", True), ("README", False), ("Тикет в трекере", False)]),
]
TRUE_FALSE_QUESTIONS = [
    ("Тестовую выборку можно использовать для подбора гиперпараметров.", False),
    ("Случайный лес обучает деревья независимо друг от друга.", True),
    ("Accuracy — хорошая метрика при сильном дисбалансе классов.", False),
    ("Стандартизацию нужно обучать только на обучающей выборке.", True),
    ("Градиентный бустинг строит деревья последовательно.", True),
    ("Дрейф данных невозможен, если модель не переобучается.", False),
]
SHORT_TEXT_QUESTIONS = [
    ("Как называется библиотека Python для табличных данных (одно слово)?", ["pandas"]),
    ("Какой командой ставят пакеты Python?", ["pip", "pip install"]),
    ("Как называется метрика — среднее гармоническое точности и полноты?", ["F1", "F1-мера"]),
]
# fmt: on


@dataclass(frozen=True)
class _QuestionSpec:
    kind: str
    text: str
    choices: list[tuple[str, bool]] = field(default_factory=list)
    answer: str = ""
    explanation: str = ""
    correct_boolean: bool | None = None
    numeric_answer: Decimal | None = None


def question_specs(rng: random.Random) -> list[_QuestionSpec]:
    """One course's question bank: 20 single choice (code-reading, generated), 6 multiple choice,
    6 true/false, 3 short text, 3 numeric and 10 open questions (the flashcards)."""
    specs = []
    for _ in range(20):
        xs = rng.sample(range(1, 20), 4)
        start = rng.randint(1, 3)
        right = sum(xs[start:])
        options = {right}
        for wrong in (sum(xs), sum(xs[:start]), sum(xs[start - 1 :]), right + 1, right - 1, right + 2):
            if len(options) < 4:
                options.add(wrong)
        code = f"```python\nxs = {xs}\nprint(sum(xs[{start}:]))\n```"
        specs.append(
            _QuestionSpec(
                Question.Kind.SINGLE,
                f"Что выведет код?\n\n{code}\n",
                [(str(v), v == right) for v in sorted(options)],
                explanation=f"Срез `xs[{start}:]` начинается с элемента с индексом {start}.",
            )
        )
    specs += [_QuestionSpec(Question.Kind.MULTIPLE, text, options) for text, options in MULTIPLE_QUESTIONS]
    specs += [
        _QuestionSpec(Question.Kind.TRUE_FALSE, text, correct_boolean=value)
        for text, value in TRUE_FALSE_QUESTIONS
    ]
    specs += [
        _QuestionSpec(Question.Kind.SHORT_TEXT, text, [(answer, True) for answer in answers])
        for text, answers in SHORT_TEXT_QUESTIONS
    ]
    for _ in range(3):
        inputs, outputs = rng.randint(2, 64), rng.randint(1, 16)
        specs.append(
            _QuestionSpec(
                Question.Kind.NUMERIC,
                f"Сколько обучаемых параметров у слоя `nn.Linear({inputs}, {outputs})`?",
                numeric_answer=Decimal(inputs * outputs + outputs),
                explanation="Веса и смещения: in × out + out.",
            )
        )
    specs += [_QuestionSpec(Question.Kind.OPEN, text, answer=answer) for text, answer in OPEN_QUESTIONS]
    return specs
