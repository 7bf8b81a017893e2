from django.urls import path

from quizzes import flashcard_views as views

app_name = "flashcards"

urlpatterns = [
    path("courses/<slug:slug>/", views.deck_list, name="deck-list"),
    path("decks/<int:deck_id>/", views.deck_study, name="deck-study"),
    path("decks/<int:deck_id>/cards/<int:question_id>/reveal/", views.card_reveal, name="card-reveal"),
    path("decks/<int:deck_id>/cards/<int:question_id>/review/", views.card_review, name="card-review"),
]
