from datetime import timedelta

import factory
from django.utils import timezone

from reviews.board_models import BoardEntry
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory
from tests.lessons.factories import LessonFactory


class FeedbackTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackTag

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"tag-{n}")
    label = factory.Sequence(lambda n: f"Tag {n}")


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(UserFactory)
    rating = 4
    would_recommend = 8
    text_md = "Good course."


class LectureFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LectureFeedback

    lesson = factory.SubFactory(LessonFactory)
    course = factory.SelfAttribute("lesson.module.course")
    user = factory.SubFactory(UserFactory)
    clarity = 4
    pace = 3
    practice = 5


class FeedbackResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackResponse

    feedback = factory.SubFactory(LectureFeedbackFactory)
    course = factory.SelfAttribute("feedback.course")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=48))


class BoardEntryFactory(factory.django.DjangoModelFactory):
    """A draft "you said, we did" entry (publish it with reviews.services.board_entry_publish)."""

    class Meta:
        model = BoardEntry

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Entry {n}")
    you_said = "Demos were too fast."
    we_did = "Demos now go step by step."
