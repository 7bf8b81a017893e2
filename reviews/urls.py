"""Feedback pages. Mounted at the site root (config/urls.py) so that the public board and
reviews sit under the course's address: /courses/<slug>/board/, /courses/<slug>/reviews/."""

from django.urls import path

from reviews import board_views, inbox_views, views

app_name = "reviews"

urlpatterns = [
    path("feedback/lessons/<int:lesson_id>/", views.lesson_feedback, name="lesson-feedback"),
    path("feedback/report/<str:kind>/<int:target_id>/", views.item_report, name="item-report"),
    path("feedback/mine/", views.my_feedback, name="my-feedback"),
    path("feedback/inbox/", inbox_views.inbox, name="inbox"),
    path("feedback/inbox/export.csv", inbox_views.inbox_export, name="inbox-export"),
    path("feedback/inbox/bulk/", inbox_views.inbox_bulk, name="inbox-bulk"),
    path("feedback/inbox/<int:response_id>/", inbox_views.inbox_item, name="inbox-item"),
    path("feedback/reviews/<int:review_id>/moderate/", views.review_moderate, name="review-moderate"),
    path("feedback/board/<int:entry_id>/", board_views.board_entry_edit, name="board-entry-edit"),
    path(
        "feedback/board/<int:entry_id>/publish/", board_views.board_entry_publish, name="board-entry-publish"
    ),
    path("courses/<slug:slug>/review/", views.review_form, name="review-form"),
    path("courses/<slug:slug>/reviews/", views.course_reviews, name="course-reviews"),
    path("courses/<slug:slug>/board/", board_views.board, name="board"),
    path("courses/<slug:slug>/board/new/", board_views.board_entry_create, name="board-entry-create"),
]
