"""The fields of every bundle file, in canonical order (the order of docs/bundle-format.md).

Choices come from the models, so a new choice in a model is accepted by bundles at once.
Defaults are the values an absent optional field takes; the exporter leaves such fields out.
"""

from decimal import Decimal

from courses.bundles.fields import (
    Anything,
    Boolean,
    Choice,
    DateTime,
    Field,
    Integer,
    Key,
    KeyList,
    Nested,
    Number,
    Range,
    Records,
    Schema,
    TagName,
    Text,
    TextList,
    Url,
    check_tag,
)
from courses.models import Course, CourseStaff, Resource
from exams.models import PracticalTask
from lessons.models import Lesson
from quizzes.models import Question, Quiz
from reviews.models import Review, ReviewPoint


def _schema(*fields: Field) -> Schema:
    return Schema(tuple(fields))


def _title(max_length: int) -> Field:
    return Field("title", Text(max_length), required=True)


_SOURCE = (Field("source", Text(300)), Field("corrections", TextList()))
_PUBLISHED = Field("published", Boolean(default=True))

# course.yaml ---------------------------------------------------------------------------------

OUTCOMES = _schema(Field("topics", TextList()), Field("skills", TextList()), Field("knowledge", TextList()))

STAFF = _schema(
    Field("username", Anything(), required=True),  # checked by the reader (Username)
    Field("name", Text(150)),
    Field("role", Choice(CourseStaff.Role.values, default=CourseStaff.Role.INSTRUCTOR)),
)

MODULE = _schema(
    Field("key", Key(), required=True),
    _title(200),
    Field("summary", Text()),
    Field("release_at", DateTime()),
    Field("prerequisite", Key()),
    Field("items", Anything(), default=[]),  # a list of {kind: key}, checked by the reader
)

COURSE = _schema(
    Field("slug", Key(), required=True),
    _title(200),
    Field("status", Choice(Course.Status.values), required=True),
    Field("language", Choice(Course.Language.values, default=Course.Language.RUSSIAN)),
    Field("level", Choice(Course.Level.values, default=Course.Level.INTERMEDIATE)),
    Field("summary", Text()),
    Field("description_md", Text()),
    Field("format_md", Text()),
    Field("feedback_sla_hours", Integer(min=1), default=48),
    Field("outcomes", Nested(OUTCOMES)),
    Field("staff", Records(STAFF)),
    Field("modules", Records(MODULE)),
)

OUTLINE_KINDS = ("lesson", "quiz", "case", "roleplay", "exam", "flashcards")

# lessons/<key>.md -----------------------------------------------------------------------------

LESSON = _schema(
    _title(200),
    Field("kind", Choice(Lesson.Kind.values), required=True),
    Field("author", Anything()),  # a staff username, checked by the reader
    Field("estimated_minutes", Integer(min=0), default=10),
    Field("summary", Text()),
    _PUBLISHED,
    *_SOURCE,
)

# questions/<category>.yaml --------------------------------------------------------------------

CHOICE = _schema(
    Field("key", Key(max_length=16), required=True),
    Field("text", Text(), required=True),
    Field("correct", Boolean()),
    Field("feedback", Text()),
)

QUESTION = _schema(
    Field("key", Key(), required=True),
    Field("kind", Choice(Question.Kind.values), required=True),
    Field("text_md", Text(), required=True),
    Field("choices", Records(CHOICE)),  # single, multiple
    Field("answer", Anything()),  # true_false: a boolean; numeric: a number
    Field("tolerance", Number(min=0, decimal_places=6, max_digits=20), default=Decimal("0")),  # numeric
    Field("accepted", TextList()),  # short_text
    Field("case_sensitive", Boolean()),  # short_text
    Field("task", Key()),  # code
    Field("answer_md", Text()),
    Field("explanation_md", Text()),
    Field("points", Number(min=0), default=Decimal("1")),
    Field("tags", KeyList(item=check_tag, noun="tag")),
    *_SOURCE,
)

# Which kind-specific fields each kind of question takes (and which of them it needs).
QUESTION_KIND_FIELDS: dict[str, dict[str, bool]] = {
    Question.Kind.SINGLE: {"choices": True},
    Question.Kind.MULTIPLE: {"choices": True},
    Question.Kind.TRUE_FALSE: {"answer": True},
    Question.Kind.SHORT_TEXT: {"accepted": True, "case_sensitive": False},
    Question.Kind.NUMERIC: {"answer": True, "tolerance": False},
    Question.Kind.OPEN: {},
    Question.Kind.CODE: {"task": True},
}
KIND_SPECIFIC_FIELDS = ("choices", "answer", "tolerance", "accepted", "case_sensitive", "task")

CATEGORY = _schema(
    _title(200),
    Field("description", Text()),
    Field("flashcards", Boolean()),
    Field("questions", Records(QUESTION)),
)

# quizzes/<key>.yaml ---------------------------------------------------------------------------

_TIMING = Choice(Quiz.ReviewTiming.values, default=Quiz.ReviewTiming.AFTER_SUBMIT)
QUIZ_REVIEW = _schema(Field("show_correct", _TIMING), Field("show_explanation", _TIMING))

SLOT = _schema(
    Field("question", Key()),
    Field("draw", Key()),
    Field("tag", TagName()),
    Field("count", Integer(min=1), default=1),
    Field("points", Number(min=0, nullable=True)),
)

QUIZ = _schema(
    _title(200),
    Field("description_md", Text()),
    Field("status", Choice(Quiz.Status.values), required=True),
    Field("time_limit_minutes", Integer(min=1, nullable=True)),
    Field("attempts_allowed", Integer(min=0), default=1),
    Field("grading_method", Choice(Quiz.GradingMethod.values, default=Quiz.GradingMethod.HIGHEST)),
    Field("pass_mark", Integer(min=0, max=100), default=60),
    Field("layout", Choice(Quiz.Layout.values, default=Quiz.Layout.ONE_PER_PAGE)),
    Field("shuffle_questions", Boolean()),
    Field("shuffle_choices", Boolean(default=True)),
    Field("review", Nested(QUIZ_REVIEW)),
    Field("opens_at", DateTime()),
    Field("closes_at", DateTime()),
    Field("slots", Records(SLOT)),
)

# tasks/<key>/task.yaml ------------------------------------------------------------------------

TASK = _schema(
    _title(200),
    Field("status", Choice(PracticalTask.Status.values, default=PracticalTask.Status.PUBLISHED)),
    Field("runtime", Choice(PracticalTask.Runtime.values, default=PracticalTask.Runtime.PYTHON_BASIC)),
    Field("time_limit_seconds", Integer(min=1), default=10),
    Field("memory_limit_mb", Integer(min=16), default=512),
    Field("editable_files", Anything(), required=True),  # relative paths, checked by the reader
    Field("test_weights", Anything(), default={}),  # {test name: number}, checked by the reader
    *_SOURCE,
)

# exams/<key>.yaml -----------------------------------------------------------------------------

TICKET = _schema(
    Field("number", Integer(min=1), required=True),
    Field("title", Text(200)),
    Field("theory", KeyList(noun="question")),
    Field("task", Key()),
    Field("cases", KeyList(noun="case")),
)

EXAM = _schema(
    _title(200),
    Field("description_md", Text()),
    Field("status", Choice(Quiz.Status.values), required=True),
    Field("duration_minutes", Integer(min=1), default=90),
    Field("opens_at", DateTime()),
    Field("closes_at", DateTime()),
    Field("tickets", Records(TICKET)),
)

# cases/<key>.md, roleplays/<key>.md -----------------------------------------------------------

PROBLEM = _schema(
    _title(300),
    Field("symptom", Text(), required=True),
    Field("cause", Text(), required=True),
    Field("solution", Text(), required=True),
)

CASE = _schema(
    _title(300),
    Field("available_data", TextList()),
    Field("observations_md", Text()),
    Field("task_md", Text(), required=True),
    Field("problems", Records(PROBLEM)),
    Field("conclusions", TextList()),
    Field("discussion_questions", TextList()),
    _PUBLISHED,
    *_SOURCE,
)

ROLE = _schema(Field("name", Text(120), required=True), Field("responsibilities", Text(), required=True))

STAGE = _schema(
    _title(200),
    Field("brief_md", Text()),
    Field("inputs", TextList()),
    Field("questions", TextList()),
    Field("decisions", TextList()),
    Field("complications", TextList()),
    Field("deliverables", TextList()),
)

ROLEPLAY = _schema(
    _title(300),
    Field("goal_md", Text(), required=True),
    Field("format_md", Text(), required=True),
    Field("team_size", Range((4, 6), nullable=False)),
    Field("teams", Range((None, None), nullable=True)),
    Field("duration_minutes", Range((None, None), nullable=True)),
    Field("roles", Records(ROLE)),
    Field("stages", Records(STAGE)),
    Field("learning_effects", TextList()),
    Field("challenges", TextList()),
    Field("reflection_intro", Text(300)),
    Field("reflection_questions", TextList()),
    _PUBLISHED,
    *_SOURCE,
)

# resources.yaml, announcements.yaml, feedback_tags.yaml, reviews/<key>.md ---------------------

RESOURCE = _schema(
    Field("key", Key(), required=True),
    Field("collection", Choice(Resource.Collection.values), required=True),
    Field("kind", Choice(Resource.Kind.values), required=True),
    _title(300),
    Field("authors", Text(300)),
    Field("url", Url(500)),
    Field("description", Text()),
    Field("useful_for", Text()),
    Field("audience", Text()),
)
RESOURCES_FILE = _schema(Field("resources", Records(RESOURCE)))

ANNOUNCEMENT = _schema(Field("slug", Key(), required=True), _title(200), Field("summary", Text()))
ANNOUNCEMENTS_FILE = _schema(Field("announcements", Records(ANNOUNCEMENT)))

FEEDBACK_TAG = _schema(Field("key", Key(), required=True), Field("label", Text(100), required=True))
FEEDBACK_TAGS_FILE = _schema(Field("tags", Records(FEEDBACK_TAG)))

REVIEW_POINT = _schema(
    Field("kind", Choice(ReviewPoint.Kind.values), required=True),
    _title(200),
    Field("text", Text(), required=True),
)

REVIEW = _schema(
    Field("source", Choice(Review.Source.values, default=Review.Source.EXTERNAL)),
    Field("source_name", Text(200)),
    Field("source_url", Url(500)),
    Field("about_course", Text(300)),
    Field("rating", Integer(min=1, max=5, nullable=True)),
    Field("would_recommend", Integer(min=0, max=10, nullable=True)),
    Field("points", Records(REVIEW_POINT)),
)
