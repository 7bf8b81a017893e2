import factory

from courses.models import Course, CourseStaff, Enrollment, Module, Resource
from tests.accounts.factories import UserFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    summary = "A course."
    description_md = "Learn **things**."
    status = Course.Status.PUBLISHED


class CourseStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseStaff

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(UserFactory)
    role = CourseStaff.Role.INSTRUCTOR


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    position = factory.Sequence(lambda n: n)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"resource-{n}")
    collection = Resource.Collection.LITERATURE
    kind = Resource.Kind.BOOK
    title = factory.Sequence(lambda n: f"Book {n}")
