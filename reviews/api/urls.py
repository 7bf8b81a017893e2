from django.urls import path

from reviews.api import inbox_views, views

app_name = "reviews-api"

urlpatterns = [
    path("feedback/", views.FeedbackSubmitApi.as_view(), name="feedback-submit"),
    path("feedback/mine/", views.FeedbackMineApi.as_view(), name="feedback-mine"),
    path("feedback/tags/", views.FeedbackTagListApi.as_view(), name="feedback-tags"),
    path("feedback/inbox/", inbox_views.InboxListApi.as_view(), name="inbox-list"),
    path("feedback/inbox/acknowledge/", inbox_views.InboxAcknowledgeApi.as_view(), name="inbox-acknowledge"),
    path("feedback/inbox/assign/", inbox_views.InboxAssignApi.as_view(), name="inbox-assign"),
    path("feedback/inbox/<int:response_id>/", inbox_views.InboxItemApi.as_view(), name="inbox-item"),
    path(
        "feedback/inbox/<int:response_id>/respond/",
        inbox_views.InboxRespondApi.as_view(),
        name="inbox-respond",
    ),
    path("reviews/", views.ReviewSubmitApi.as_view(), name="review-submit"),
    path("reviews/<int:review_id>/moderation/", views.ReviewModerateApi.as_view(), name="review-moderate"),
    path("courses/<slug:slug>/reviews/", views.CourseReviewListApi.as_view(), name="course-reviews"),
    path("courses/<slug:slug>/board/", views.BoardEntryListApi.as_view(), name="board-entry-list"),
    path("board/entries/", views.BoardEntryCreateApi.as_view(), name="board-entry-create"),
    path(
        "board/entries/<int:entry_id>/publish/",
        views.BoardEntryPublishApi.as_view(),
        name="board-entry-publish",
    ),
]
