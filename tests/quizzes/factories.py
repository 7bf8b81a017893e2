import factory

from quizzes.models import Attempt, Choice, Question, QuestionCategory, Quiz, QuizQuestion
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory


class QuestionCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionCategory

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"category-{n}")
    title = factory.Sequence(lambda n: f"Category {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    category = factory.SubFactory(QuestionCategoryFactory)
    course = factory.SelfAttribute("category.course")
    key = factory.Sequence(lambda n: f"q-{n}")
    kind = Question.Kind.SINGLE
    text_md = factory.Sequence(lambda n: f"Question {n}?")


class OpenQuestionFactory(QuestionFactory):
    kind = Question.Kind.OPEN
    answer_md = "The reference answer."


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    key = factory.Sequence(lambda n: f"c{n}")
    text = factory.Sequence(lambda n: f"Option {n}")


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"quiz-{n}")
    title = factory.Sequence(lambda n: f"Quiz {n}")
    status = Quiz.Status.PUBLISHED


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    quiz = factory.SubFactory(QuizFactory)
    question = factory.SubFactory(QuestionFactory, category__course=factory.SelfAttribute("...quiz.course"))
    position = factory.Sequence(lambda n: n)


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    quiz = factory.SubFactory(QuizFactory)
    user = factory.SubFactory(UserFactory)
    number = 1
