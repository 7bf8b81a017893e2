"""Flashcard pages: the decks of a course, and studying one deck (question → your answer → the
reference answer → rate your recall → next card).

Every step works as a plain form round-trip; with HTMX the card area is swapped in place
(``request.htmx`` picks the fragment or the page). Decks the viewer may not see are 404; decks
they may see but not study (not enrolled, the course's team, module locked) are 403 with the
reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.exceptions import PermissionDeniedError
from courses.models import Course
from courses.selectors import course_get_for_viewer, course_viewer
from courses.views import forbidden
from quizzes import flashcard_selectors as selectors
from quizzes import flashcard_services as services
from quizzes.flashcards import FlashcardError
from quizzes.models import Question, QuestionCategory

# What the student types is only shown back to them beside the reference answer, never stored.
TYPED_ANSWER_MAX_LENGTH = 5000


def _deck_access(request: HttpRequest, deck_id: int) -> selectors.DeckAccess:
    try:
        return selectors.flashcard_deck_get_for_viewer(user=request.user, deck_id=deck_id)
    except QuestionCategory.DoesNotExist:
        raise Http404 from None


def _refused(request: HttpRequest, access: selectors.DeckAccess, message: str) -> HttpResponse:
    if request.htmx:  # the card area is no place for a refusal page: load the whole page
        messages.error(request, message)
        refused = HttpResponseClientRedirect(reverse("flashcards:deck-study", args=[access.deck.pk]))
        refused.status_code = 403
        return refused
    return forbidden(request, message=message, viewer=access.viewer)


def _study_response(
    request: HttpRequest, study: selectors.StudySession, *, counts: bool = False
) -> HttpResponse:
    context = {"study": study, "deck": study.deck, "course": study.deck.course, "update_counts": counts}
    if request.htmx:
        return render(request, "flashcards/partials/card.html", context)
    return render(request, "flashcards/study.html", context)


@login_required
@require_GET
def deck_list(request: HttpRequest, slug: str) -> HttpResponse:
    """A course's flashcard decks with what is due today in each."""
    try:
        course = course_get_for_viewer(slug=slug, user=request.user)
    except Course.DoesNotExist:
        raise Http404 from None
    viewer = course_viewer(user=request.user, course=course)
    refusal = selectors.learner_refusal(viewer)
    if refusal is not None:
        return forbidden(request, message=refusal, viewer=viewer)
    decks = selectors.flashcard_decks_for_course(user=request.user, course=course)
    return render(request, "flashcards/deck_list.html", {"course": course, "viewer": viewer, "decks": decks})


@login_required
@require_GET
def deck_study(request: HttpRequest, deck_id: int) -> HttpResponse:
    """The next card of the deck (its question and a box for the student's own answer), or
    "done for today" with when the next card is due."""
    access = _deck_access(request, deck_id)
    if access.refusal is not None:
        return forbidden(request, message=access.refusal, viewer=access.viewer)
    return _study_response(request, selectors.flashcard_study(user=request.user, deck=access.deck))


@login_required
@require_POST
def card_reveal(request: HttpRequest, deck_id: int, question_id: int) -> HttpResponse:
    """The card with its reference answer beside what the student typed (not stored), and the
    rating buttons. POST because it carries the typed answer; it changes nothing."""
    access = _deck_access(request, deck_id)
    if access.refusal is not None:
        return _refused(request, access, access.refusal)
    try:
        study = selectors.flashcard_study(
            user=request.user,
            deck=access.deck,
            question_id=question_id,
            typed_answer=request.POST.get("answer", "")[:TYPED_ANSWER_MAX_LENGTH],
        )
    except Question.DoesNotExist:
        raise Http404 from None
    return _study_response(request, study)


@login_required
@require_POST
def card_review(request: HttpRequest, deck_id: int, question_id: int) -> HttpResponse:
    """Rate the card (1 again, 2 hard, 3 good, 4 easy) and go on to the next one."""
    access = _deck_access(request, deck_id)
    if access.refusal is not None:
        return _refused(request, access, access.refusal)
    try:
        question = selectors.flashcard_card_get(deck=access.deck, question_id=question_id)
    except Question.DoesNotExist:
        raise Http404 from None
    now = timezone.now()
    try:
        services.flashcard_review(
            user=request.user, question=question, rating=request.POST.get("rating"), now=now
        )
    except FlashcardError as exc:  # a rating that is not 1-4: only a hand-made request sends one
        messages.error(request, exc.message)
        if request.htmx:
            refused = HttpResponseClientRedirect(reverse("flashcards:deck-study", args=[deck_id]))
            refused.status_code = 400
            return refused
        return redirect("flashcards:deck-study", deck_id=deck_id)
    except PermissionDeniedError as exc:  # left the course, or the module locked, meanwhile
        return _refused(request, access, exc.message)
    if not request.htmx:
        return redirect("flashcards:deck-study", deck_id=deck_id)
    return _study_response(
        request, selectors.flashcard_study(user=request.user, deck=access.deck, now=now), counts=True
    )
