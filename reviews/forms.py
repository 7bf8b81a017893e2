"""Forms of the feedback pages. They parse and check shapes; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import FeedbackResponse, FeedbackTag, Review
from reviews.services import COMMENT_MAX_LENGTH, REPLY_MAX_LENGTH, TRANSITIONS

RATING_CHOICES = [(str(value), str(value)) for value in range(1, 6)]
RECOMMEND_CHOICES = [("", _("—")), *((str(value), str(value)) for value in range(0, 11))]


def _rating_field(label: Any, *, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect(attrs={"class": "rating-choice"}),
    )


def _tag_field(tags: list[FeedbackTag], label: Any) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        choices=[(str(tag.pk), tag.label) for tag in tags],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "tag-choice"}),
    )


class FeedbackForm(forms.Form):
    """Lecture feedback: three ratings, tags, a comment and the anonymity switch."""

    clarity = _rating_field(_("Clarity"))
    pace = _rating_field(_("Pace"))
    practice = _rating_field(_("Usefulness of practice"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_anonymous = forms.BooleanField(
        label=_("Anonymous to instructors"),
        required=False,
        help_text=_("The team sees your feedback without your name. You still get their reply."),
    )

    def __init__(self, *args: Any, tags: list[FeedbackTag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"] = _tag_field(tags, _("Tags"))
        self.order_fields(["clarity", "pace", "practice", "tags", "comment", "is_anonymous"])


class ItemReportForm(forms.Form):
    """A report on a question, case or exam ticket: what is wrong, in a tag and/or words."""

    comment = forms.CharField(
        label=_("What is wrong or unclear?"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_anonymous = forms.BooleanField(label=_("Anonymous to instructors"), required=False)

    def __init__(self, *args: Any, tags: list[FeedbackTag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"] = _tag_field(tags, _("The problem"))
        self.order_fields(["tags", "comment", "is_anonymous"])


class ReviewForm(forms.Form):
    rating = _rating_field(_("Your rating of the course"), required=True)
    would_recommend = forms.TypedChoiceField(
        label=_("How likely are you to recommend it to a friend or colleague? (0–10)"),
        choices=RECOMMEND_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    text_md = forms.CharField(
        label=_("Your review"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    pros = forms.CharField(label=_("What was good"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cons = forms.CharField(
        label=_("What could be better"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_from(cls, review: Review | None) -> dict[str, Any]:
        if review is None:
            return {}
        return {
            "rating": review.rating,
            "would_recommend": review.would_recommend,
            "text_md": review.text_md,
            "pros": review.pros,
            "cons": review.cons,
        }


class RespondForm(forms.Form):
    """Reply, status and notes of one inbox item. The status choices are the moves the item's
    current status allows (the service checks again)."""

    reply_md = forms.CharField(
        label=_("Reply to the student"),
        required=False,
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown. The student is notified; for an anonymous item, only they are."),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    decline_reason = forms.CharField(
        label=_("Reason for declining"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    internal_notes = forms.CharField(
        label=_("Internal notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the course's team sees these."),
    )

    def __init__(self, *args: Any, current_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(FeedbackResponse.Status.choices)
        allowed = [
            status for status in FeedbackResponse.Status.values if status in TRANSITIONS[current_status]
        ]
        self.fields["status"].choices = [
            ("", _("Keep “%(status)s”") % {"status": labels[current_status]}),
            *((status, labels[status]) for status in allowed),
        ]


class BulkActionForm(forms.Form):
    """A bulk action on the selected inbox items (``items``, repeated). Whether the user may
    touch each item, and whether the owner is on the team, is the service's decision."""

    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    GROUP = "group"

    action = forms.ChoiceField(
        label=_("With the selected items"),
        choices=[
            (ACKNOWLEDGE, _("Acknowledge")),
            (ASSIGN, _("Assign to the chosen team member")),
            (GROUP, _("Group into a “you said, we did” action")),
        ],
    )
    owner = forms.IntegerField(label=_("Assign to"), required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("items") if hasattr(self.data, "getlist") else []
        self.item_ids = sorted({int(value) for value in raw if str(value).isdigit()})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.item_ids:
            raise forms.ValidationError(_("Select at least one item."))
        if data.get("action") == self.ASSIGN and not data.get("owner"):
            self.add_error("owner", _("Choose whom to assign the items to."))
        return data


class ModerateForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(Review.Status.PUBLISHED, _("Publish")), (Review.Status.REJECTED, _("Reject"))]
    )


class BoardEntryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    you_said = forms.CharField(
        label=_("You said"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What students said, in aggregate: no names, no quotes that identify anyone."),
    )
    we_did = forms.CharField(
        label=_("We did"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("What changed, and when.")
    )
    items = forms.TypedMultipleChoiceField(
        label=_("Feedback items this answers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, item_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = item_choices
