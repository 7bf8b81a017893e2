from django.urls import path

from quizzes.api import flashcard_views as views

app_name = "flashcards-api"

urlpatterns = [
    path("flashcards/decks/", views.DeckListApi.as_view(), name="deck-list"),
    path("flashcards/decks/<int:deck_id>/next/", views.DeckNextApi.as_view(), name="deck-next"),
    path("flashcards/reviews/", views.ReviewCreateApi.as_view(), name="review-create"),
]
