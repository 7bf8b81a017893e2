"""Builders for the grading-desk, gradebook, case-analysis and role-play-session tests: a course
with one user per role, and work waiting on the desk of each kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Enrollment
from exams.models import (
    CaseStudy,
    CaseSubmission,
    Exam,
    ExamTicket,
    RolePlay,
    RolePlayAssignment,
    RolePlayDeliverable,
    RolePlayRole,
    RolePlaySession,
    RolePlayStage,
    RolePlayTeam,
    RubricCriterion,
    Sitting,
    SittingAnswer,
)
from quizzes.models import Attempt, Question, Quiz, QuizQuestion, Response
from tests.accounts.factories import StaffUserFactory, UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, EnrollmentFactory
from tests.exams.factories import (
    CaseProblemFactory,
    CaseStudyFactory,
    ExamFactory,
    ExamTicketFactory,
    RolePlayFactory,
    RolePlayRoleFactory,
    RolePlayStageFactory,
)
from tests.quizzes.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory

ROLES = ("anonymous", "student", "other_student", "other_instructor", "instructor", "staff", "superuser")


@dataclass
class World:
    """A published course and one user per role: ``student`` is enrolled in it,
    ``other_student`` only in another course, ``other_instructor`` teaches the other course."""

    course: Course
    other_course: Course
    users: dict[str, User] = field(default_factory=dict)

    def login(self, client: Client, role: str) -> User | None:
        user = self.users.get(role)
        if user is not None:
            client.force_login(user)
        return user

    @property
    def student(self) -> User:
        return self.users["student"]

    @property
    def instructor(self) -> User:
        return self.users["instructor"]


def build_world(**course_fields) -> World:
    course_fields.setdefault("language", "en")  # default rubric titles in the course's language
    course = CourseFactory(slug="desk-course", title="Desk course", **course_fields)
    other = CourseFactory(slug="other-course", title="Other course")
    users = {
        "student": UserFactory(username="d-student", first_name="Alice", last_name="Anders"),
        "other_student": UserFactory(username="d-other-student"),
        "other_instructor": UserFactory(username="d-other-instructor"),
        "instructor": UserFactory(username="d-instructor"),
        "staff": StaffUserFactory(username="d-staff"),
        "superuser": UserFactory(username="d-root", is_staff=True, is_superuser=True),
    }
    EnrollmentFactory(user=users["student"], course=course)
    EnrollmentFactory(user=users["other_student"], course=other)
    CourseStaffFactory(course=course, user=users["instructor"])
    CourseStaffFactory(course=other, user=users["other_instructor"])
    return World(course=course, other_course=other, users=users)


def enrolled(course: Course, count: int, *, prefix: str = "s") -> list[User]:
    """``count`` students actively enrolled in ``course`` (bulk inserts)."""
    users = User.objects.bulk_create(User(username=f"{prefix}{course.pk}-{index}") for index in range(count))
    Enrollment.objects.bulk_create(Enrollment(user=user, course=course) for user in users)
    return users


# ---------------------------------------------------------------------------------------------
# Work on the desk


def open_question(course: Course, **fields) -> Question:
    category = QuestionCategoryFactory(course=course)
    fields.setdefault("answer_md", "The **reference** answer.")
    return QuestionFactory(category=category, kind=Question.Kind.OPEN, points=Decimal("5"), **fields)


def awaiting_attempt(
    course: Course, user: User, *, open_count: int = 1, quiz: Quiz | None = None, auto_points: str = "1"
) -> tuple[Attempt, list[Response], Response]:
    """A quiz attempt awaiting manual grading: ``open_count`` open answers (5 points each) and
    one auto-graded single-choice answer (``auto_points`` of 1). Returns (attempt, open
    responses, auto response)."""
    if quiz is None:
        quiz = QuizFactory(course=course, pass_mark=50)
        questions = [open_question(course, text_md=f"Explain idea {i}.") for i in range(open_count)]
        single = QuestionFactory(
            category=questions[0].category, kind=Question.Kind.SINGLE, text_md="Pick one."
        )
        for position, question in enumerate([*questions, single]):
            QuizQuestion.objects.create(quiz=quiz, question=question, position=position)
    slots = list(QuizQuestion.objects.filter(quiz=quiz).select_related("question").order_by("position"))
    number = Attempt.objects.filter(quiz=quiz, user=user).count() + 1
    attempt = Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=number,
        status=Attempt.Status.AWAITING_MANUAL,
        submitted_at=timezone.now(),
        max_score=sum((slot.question.points for slot in slots), Decimal(0)),
    )
    responses = []
    for position, slot in enumerate(slots):
        is_open = slot.question.kind == Question.Kind.OPEN
        responses.append(
            Response.objects.create(
                attempt=attempt,
                question=slot.question,
                position=position,
                max_points=slot.question.points,
                text_answer="My answer about the idea." if is_open else "",
                points=None if is_open else Decimal(auto_points),
                is_correct=None if is_open else auto_points == "1",
            )
        )
    opens = [r for r in responses if r.question.kind == Question.Kind.OPEN]
    auto = next(r for r in responses if r.question.kind != Question.Kind.OPEN)
    return attempt, opens, auto


def awaiting_sitting(
    course: Course, user: User, *, answers: int = 2, exam: Exam | None = None, with_case: bool = False
) -> tuple[Sitting, list[SittingAnswer], CaseSubmission | None]:
    """An exam sitting awaiting the desk: ``answers`` theory answers (10 points each) and, with
    ``with_case``, a submitted case analysis with a two-criterion rubric."""
    exam = exam or ExamFactory(course=course)
    ticket = ExamTicket.objects.filter(exam=exam).first() or ExamTicketFactory(exam=exam)
    now = timezone.now()
    sitting = Sitting.objects.create(
        exam=exam,
        user=user,
        ticket=ticket,
        draw_seed=1,
        status=Sitting.Status.AWAITING_MANUAL,
        deadline_at=now + timedelta(hours=1),
        submitted_at=now,
    )
    rows = [
        SittingAnswer.objects.create(
            sitting=sitting,
            question=open_question(course, text_md=f"Theory {i}?"),
            text=f"Theory answer {i}.",
        )
        for i in range(answers)
    ]
    case_submission = None
    if with_case:
        case = CaseStudyFactory(course=course, title="Exam case")
        RubricCriterion.objects.create(case=case, position=0, title="Diagnosis", max_points=Decimal("5"))
        RubricCriterion.objects.create(case=case, position=1, title="Plan", max_points=Decimal("5"))
        case_submission = CaseSubmission.objects.create(
            case=case,
            user=user,
            sitting=sitting,
            analysis_md="Exam analysis.",
            status=CaseSubmission.Status.SUBMITTED,
            submitted_at=now,
            max_score=Decimal("10"),
        )
    return sitting, rows, case_submission


def case_with_problems(course: Course, *, problems: int = 2, **fields) -> CaseStudy:
    fields.setdefault("conclusions", ["Monitor the data.", "Retrain monthly."])
    case = CaseStudyFactory(course=course, **fields)
    for index in range(problems):
        CaseProblemFactory(
            case=case,
            position=index,
            title=f"Problem {index}",
            symptom=f"Symptom {index}",
            cause=f"Cause {index}",
            solution=f"Solution {index}",
        )
    return case


def submitted_analysis(course: Course, user: User, *, case: CaseStudy | None = None) -> CaseSubmission:
    case = case or case_with_problems(course)
    return CaseSubmission.objects.create(
        case=case,
        user=user,
        analysis_md="## My analysis\n\nThe model **drifted**.",
        status=CaseSubmission.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


def game(course: Course, *, roles: int = 4, stages: int = 2, **fields) -> RolePlay:
    fields.setdefault("reflection_questions", ["What went well?", "What would you change?"])
    role_play = RolePlayFactory(course=course, **fields)
    for index in range(roles):
        RolePlayRoleFactory(
            role_play=role_play, position=index, name=f"Role {index}", responsibilities=f"Duty {index}."
        )
    for index in range(stages):
        RolePlayStageFactory(
            role_play=role_play, position=index, title=f"Stage {index}", deliverables=[f"Plan {index}"]
        )
    return role_play


def running_session(
    course: Course, members: list[User], *, led_by: User, role_play: RolePlay | None = None
) -> tuple[RolePlaySession, RolePlayTeam]:
    """A running session (first stage) with one team of ``members``."""
    role_play = role_play or game(course)
    stage = RolePlayStage.objects.filter(role_play=role_play).order_by("position").first()
    roles = list(RolePlayRole.objects.filter(role_play=role_play).order_by("position"))
    session = RolePlaySession.objects.create(
        role_play=role_play,
        led_by=led_by,
        status=RolePlaySession.Status.RUNNING,
        current_stage=stage,
        started_at=timezone.now(),
    )
    team = RolePlayTeam.objects.create(session=session, name="Team 1", position=0)
    for index, user in enumerate(members):
        RolePlayAssignment.objects.create(
            session=session, team=team, user=user, role=roles[index % len(roles)]
        )
    return session, team


def handed_in_deliverable(
    course: Course, members: list[User], *, led_by: User
) -> tuple[RolePlayDeliverable, RolePlaySession]:
    session, team = running_session(course, members, led_by=led_by)
    deliverable = RolePlayDeliverable.objects.create(
        team=team,
        stage=session.current_stage,
        text_md="Our **plan**.",
        submitted_at=timezone.now(),
        submitted_by=members[0],
    )
    return deliverable, session
