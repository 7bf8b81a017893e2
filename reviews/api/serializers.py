"""Output shapes shared by the feedback API operations (inputs live with their operation)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from reviews.board_models import BoardEntry
from reviews.models import FeedbackResponse, Review
from reviews.selectors import ITEM_KINDS, TARGET_KINDS


@extend_schema_serializer(component_name="FeedbackTag")
class TagSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


@extend_schema_serializer(component_name="FeedbackAnswer")
class AnswerSerializer(serializers.Serializer):
    """What the team did with a student's item, as the student sees it."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=FeedbackResponse.Status.choices)
    reply_html = serializers.CharField()
    decline_reason = serializers.CharField()
    first_response_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="OwnFeedback")
class OwnFeedbackSerializer(serializers.Serializer):
    """One of the user's own feedback items or reports."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TARGET_KINDS)
    target_id = serializers.IntegerField()
    course = serializers.SlugField(source="course.slug")
    clarity = serializers.IntegerField(allow_null=True)
    pace = serializers.IntegerField(allow_null=True)
    practice = serializers.IntegerField(allow_null=True)
    tags = TagSerializer(many=True, source="tags.all")
    comment = serializers.CharField()
    is_anonymous = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    answer = AnswerSerializer(allow_null=True, help_text="null until the item is in the inbox")


@extend_schema_serializer(component_name="OwnReview")
class OwnReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.SlugField(source="course.slug")
    rating = serializers.IntegerField(allow_null=True)
    would_recommend = serializers.IntegerField(allow_null=True)
    text_md = serializers.CharField()
    pros = serializers.CharField()
    cons = serializers.CharField()
    status = serializers.ChoiceField(choices=Review.Status.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="PublicReview")
class PublicReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.ChoiceField(choices=Review.Source.choices)
    author = serializers.CharField(help_text="The student's name, or the source of an imported review.")
    source_url = serializers.CharField()
    about_course = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    would_recommend = serializers.IntegerField(allow_null=True)
    text_html = serializers.CharField()
    pros = serializers.CharField()
    cons = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="InboxItem")
class InboxItemSerializer(serializers.Serializer):
    """An inbox item as the team sees it. For an anonymous item ``author`` is "Anonymous" and
    ``author_id``/``author_username`` are null, except for superusers."""

    id = serializers.IntegerField()
    course = serializers.SlugField(source="course.slug")
    kind = serializers.ChoiceField(choices=ITEM_KINDS)
    target = serializers.CharField(source="target_label")
    target_url = serializers.CharField()
    is_anonymous = serializers.BooleanField()
    author = serializers.CharField(source="author_label")
    author_id = serializers.IntegerField(allow_null=True)
    author_username = serializers.CharField(allow_null=True)
    clarity = serializers.IntegerField(allow_null=True)
    pace = serializers.IntegerField(allow_null=True)
    practice = serializers.IntegerField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    would_recommend = serializers.IntegerField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    comment = serializers.CharField()
    pros = serializers.CharField()
    cons = serializers.CharField()
    review_id = serializers.IntegerField(allow_null=True)
    review_status = serializers.CharField()
    status = serializers.ChoiceField(choices=FeedbackResponse.Status.choices)
    owner_id = serializers.IntegerField(source="owner.pk", allow_null=True, default=None)
    owner = serializers.CharField(allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    first_response_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    reply_md = serializers.CharField()
    decline_reason = serializers.CharField()
    internal_notes = serializers.CharField()


@extend_schema_serializer(component_name="BoardEntry")
class BoardEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.SlugField(source="course.slug")
    title = serializers.CharField()
    you_said = serializers.CharField()
    we_did = serializers.CharField()
    status = serializers.ChoiceField(choices=BoardEntry.Status.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    item_count = serializers.IntegerField()
