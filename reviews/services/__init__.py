"""Every write of the feedback loop: students' feedback, reports and reviews; the team's
replies, statuses and assignments in the inbox; moderation; the "you said, we did" board.

Each submitted item lands in its course's inbox in the same transaction (a FeedbackResponse with
an owner and a first-response due time). Students hear about replies, status changes and
published board entries through ``accounts.notifications.notification_send`` (in-app, and
e-mail queued on commit). No notification to the team ever names the author of an anonymous
item. SLA reminders live in ``reviews.sla``, the weekly digest in ``reviews.digest``.
"""

from reviews.services.board import (
    board_entry_create,
    board_entry_notify,
    board_entry_publish,
    board_entry_update,
)
from reviews.services.feedback import (
    COMMENT_MAX_LENGTH,
    DEFAULT_LECTURE_TAGS,
    DEFAULT_REPORT_TAGS,
    REVIEW_TEXT_MAX_LENGTH,
    feedback_delete,
    feedback_submit,
    feedback_tags_ensure,
    review_moderate,
    review_submit,
)
from reviews.services.inbox import (
    CLOSED,
    REPLY_MAX_LENGTH,
    TRANSITIONS,
    feedback_assign,
    feedback_bulk_acknowledge,
    feedback_respond,
)
from reviews.services.notify import item_about, lazy_text
from reviews.services.rollup import (
    RollupKey,
    RollupRebuilt,
    feedback_rollup_keys,
    feedback_rollup_rebuild,
    feedback_rollup_refresh,
)

__all__ = [
    "CLOSED",
    "COMMENT_MAX_LENGTH",
    "DEFAULT_LECTURE_TAGS",
    "DEFAULT_REPORT_TAGS",
    "REPLY_MAX_LENGTH",
    "REVIEW_TEXT_MAX_LENGTH",
    "RollupKey",
    "RollupRebuilt",
    "TRANSITIONS",
    "board_entry_create",
    "board_entry_notify",
    "board_entry_publish",
    "board_entry_update",
    "feedback_assign",
    "feedback_delete",
    "feedback_bulk_acknowledge",
    "feedback_respond",
    "feedback_rollup_keys",
    "feedback_rollup_rebuild",
    "feedback_rollup_refresh",
    "feedback_submit",
    "feedback_tags_ensure",
    "item_about",
    "lazy_text",
    "review_moderate",
    "review_submit",
]
