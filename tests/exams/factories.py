import factory

from exams.models import CaseProblem, CaseStudy, Exam, ExamTicket, PracticalTask, RolePlay, RolePlayRole, RolePlayStage
from tests.courses.factories import CourseFactory


class PracticalTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticalTask

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"task-{n}")
    title = factory.Sequence(lambda n: f"Task {n}")
    statement_md = "Write a function `add(a, b)`."
    public_tests = "from solution import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    hidden_tests = "from solution import add\n\n\ndef test_add_negative():\n    assert add(-1, 1) == 0\n"


class CaseStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseStudy

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"case-{n}")
    title = factory.Sequence(lambda n: f"Case {n}")
    situation_md = "A situation."
    task_md = "Analyse it."


class CaseProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseProblem

    case = factory.SubFactory(CaseStudyFactory)
    title = "Problem"
    symptom = "Symptom"
    cause = "Cause"
    solution = "Solution"


class RolePlayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RolePlay

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"roleplay-{n}")
    title = factory.Sequence(lambda n: f"Role play {n}")
    goal_md = "Goal."
    format_md = "Format."
    setting_md = "Setting."


class RolePlayRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RolePlayRole

    role_play = factory.SubFactory(RolePlayFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    responsibilities = "Does things."


class RolePlayStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RolePlayStage

    role_play = factory.SubFactory(RolePlayFactory)
    title = factory.Sequence(lambda n: f"Stage {n}")


class ExamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exam

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"exam-{n}")
    title = factory.Sequence(lambda n: f"Exam {n}")
    status = Exam.Status.PUBLISHED


class ExamTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExamTicket

    exam = factory.SubFactory(ExamFactory)
    number = factory.Sequence(lambda n: n + 1)
