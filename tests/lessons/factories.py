import factory

from lessons.models import Lesson, LessonProgress
from tests.accounts.factories import UserFactory
from tests.courses.factories import ModuleFactory


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    key = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    kind = Lesson.Kind.LECTURE
    body_md = "# Heading\n\nSome text.\n\n```python\nprint('hi')\n```\n"
    position = factory.Sequence(lambda n: n)


class LessonProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonProgress

    user = factory.SubFactory(UserFactory)
    lesson = factory.SubFactory(LessonFactory)
