"""Role-play session pages: the instructor starts a session (teams formed automatically or by
hand) and leads it stage by stage; each participant sees their role card, team, the current
stage with the team's deliverable (autosaved by HTMX), and the reflection at the end."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError, PermissionDeniedError
from courses.views import forbidden
from exams import role_play_selectors, role_play_services
from exams.desk_exceptions import InvalidInput
from exams.models import RolePlay, RolePlaySession

_MAX_ID = 2**63 - 1


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and 0 < int(v) <= _MAX_ID]


def _denied(request: HttpRequest, message: str) -> HttpResponse:
    return forbidden(request, message=message)


@login_required
@require_GET
def session_list(request: HttpRequest, role_play_id: int) -> HttpResponse:
    """The game's sessions: all for the course's team and staff, one's own for students."""
    try:
        page = role_play_selectors.role_play_sessions_for(user=request.user, role_play_id=role_play_id)
    except RolePlay.DoesNotExist:
        raise Http404 from None
    if page.access.refusal is not None:
        return forbidden(request, message=page.access.refusal, viewer=page.access.viewer)
    role_play = page.access.role_play
    return render(
        request,
        "exams/roleplay_sessions.html",
        {"page": page, "role_play": role_play, "course": role_play.course},
    )


def _manual_teams(request: HttpRequest, participants: list[int]) -> list[list[int]]:
    """Teams from the "team-<user id>" numbers of the by-hand form (blank: left out)."""
    numbered: dict[int, list[int]] = {}
    for user_id in participants:
        raw = request.POST.get(f"team-{user_id}", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not 0 < int(raw) <= 1000:
            raise InvalidInput(_("A team number must be a whole number from 1 to 1000."))
        numbered.setdefault(int(raw), []).append(user_id)
    return [numbered[number] for number in sorted(numbered)]


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, role_play_id: int) -> HttpResponse:
    """GET: choose the participants (all active students by default) and how teams are formed.
    POST: form the teams and open the session's control page."""
    try:
        page = role_play_selectors.role_play_session_create_page(user=request.user, role_play_id=role_play_id)
    except RolePlay.DoesNotExist:
        raise Http404 from None
    role_play = page.access.role_play
    if not page.access.viewer.is_team and not request.user.is_superuser:
        return forbidden(
            request,
            message=_("Only the course's team runs its role-play sessions."),
            viewer=page.access.viewer,
        )
    context = {"page": page, "role_play": role_play, "course": role_play.course, "error": ""}
    if request.method == "GET":
        context["selected"] = {student.pk for student in page.students}
        context["mode"] = "auto"
        return render(request, "exams/roleplay_session_create.html", context)
    participants = _ids(request.POST.getlist("participant"))
    mode = "manual" if request.POST.get("mode") == "manual" else "auto"
    try:
        session = role_play_services.role_play_session_create(
            role_play=role_play,
            led_by=request.user,
            participant_ids=participants,
            manual_teams=_manual_teams(request, participants) if mode == "manual" else None,
            title=request.POST.get("title", ""),
        )
    except PermissionDeniedError as exc:
        return forbidden(request, message=exc.message, viewer=page.access.viewer)
    except ApplicationError as exc:
        context.update(error=exc.message, selected=set(participants), mode=mode)
        return render(request, "exams/roleplay_session_create.html", context, status=400)
    messages.success(request, _("The teams are formed. Start the first stage when everyone is ready."))
    return redirect("exams:roleplay-session-control", session_id=session.pk)


@login_required
@require_GET
def session_control(request: HttpRequest, session_id: int) -> HttpResponse:
    """The instructor's control page: stages, teams and roles, the current deliverables."""
    try:
        page = role_play_selectors.role_play_session_control_for(user=request.user, session_id=session_id)
    except RolePlaySession.DoesNotExist:
        raise Http404 from None
    role_play = page.role_play
    return render(
        request,
        "exams/roleplay_session_control.html",
        {"page": page, "role_play": role_play, "course": role_play.course},
    )


@login_required
@require_POST
def session_advance(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        page = role_play_selectors.role_play_session_control_for(user=request.user, session_id=session_id)
    except RolePlaySession.DoesNotExist:
        raise Http404 from None
    try:
        role_play_services.role_play_session_advance(session=page.session, actor=request.user)
    except PermissionDeniedError as exc:
        return _denied(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("exams:roleplay-session-control", session_id=session_id)


def _participant_page(request: HttpRequest, session_id: int) -> role_play_selectors.ParticipantPage:
    try:
        return role_play_selectors.role_play_session_for_participant(user=request.user, session_id=session_id)
    except RolePlaySession.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """The participant's page; the session's leaders are sent to the control page."""
    try:
        page = role_play_selectors.role_play_session_for_participant(user=request.user, session_id=session_id)
    except RolePlaySession.DoesNotExist:
        try:
            role_play_selectors.role_play_session_control_for(user=request.user, session_id=session_id)
        except RolePlaySession.DoesNotExist:
            raise Http404 from None
        return redirect("exams:roleplay-session-control", session_id=session_id)
    role_play = page.role_play
    return render(
        request,
        "exams/roleplay_session.html",
        {"page": page, "role_play": role_play, "course": role_play.course},
    )


@login_required
@require_POST
def deliverable_save(request: HttpRequest, session_id: int) -> HttpResponse:
    """Save the team's deliverable of the current stage (HTMX autosave answers with the save
    state); the "hand in" button submits it for grading."""
    page = _participant_page(request, session_id)
    submit = "submit" in request.POST
    try:
        deliverable = role_play_services.role_play_deliverable_save(
            session=page.session, user=request.user, text_md=request.POST.get("text_md", ""), submit=submit
        )
    except PermissionDeniedError as exc:
        return _denied(request, exc.message)
    except ApplicationError as exc:
        status = 400 if isinstance(exc, InvalidInput) else 409
        if request.htmx:
            context = {"error": exc.message, "saved_at": None}
            return render(request, "exams/partials/analysis_save_state.html", context, status=status)
        messages.error(request, exc.message)
        return redirect("exams:roleplay-session", session_id=session_id)
    if request.htmx and not submit:
        context = {"error": "", "saved_at": deliverable.updated_at}
        return render(request, "exams/partials/analysis_save_state.html", context)
    messages.success(request, _("Handed in.") if submit else _("Saved."))
    return redirect("exams:roleplay-session", session_id=session_id)


@login_required
@require_POST
def reflection_save(request: HttpRequest, session_id: int) -> HttpResponse:
    page = _participant_page(request, session_id)
    answers = [request.POST.get(f"answer-{index}", "") for index in range(len(page.reflection_questions))]
    try:
        role_play_services.role_play_reflection_save(session=page.session, user=request.user, answers=answers)
    except PermissionDeniedError as exc:
        return _denied(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("exams:roleplay-session", session_id=session_id)
    messages.success(request, _("Thank you: your reflection is saved."))
    return redirect("exams:roleplay-session", session_id=session_id)
