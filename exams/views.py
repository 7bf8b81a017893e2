"""Exam-app pages: parse the request, authorize on the object, call one selector or service,
render. Content the viewer may not see is 404; content they may see but not open (not
enrolled, module locked) is 403 with the reason."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from courses.views import forbidden
from exams import selectors
from exams.models import CaseStudy, RolePlay

# ---------------------------------------------------------------------------------------------
# Case studies and role plays (read-only content pages)


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case for students: situation, data, what happened, task, discussion questions. The
    reference analysis is shown to the course's team and staff only."""
    try:
        access = selectors.case_get_for_viewer(user=request.user, case_id=case_id)
    except CaseStudy.DoesNotExist:
        raise Http404 from None
    if access.refusal is not None:
        return forbidden(request, message=access.refusal, viewer=access.viewer)
    return render(
        request,
        "exams/case_detail.html",
        {"access": access, "case": access.case, "course": access.case.course, "viewer": access.viewer},
    )


@login_required
@require_GET
def roleplay_detail(request: HttpRequest, role_play_id: int) -> HttpResponse:
    """The role-play game: goal, format, setting, roles, stages, effects, challenges, reflection."""
    try:
        access = selectors.role_play_get_for_viewer(user=request.user, role_play_id=role_play_id)
    except RolePlay.DoesNotExist:
        raise Http404 from None
    if access.refusal is not None:
        return forbidden(request, message=access.refusal, viewer=access.viewer)
    role_play = access.role_play
    return render(
        request,
        "exams/roleplay_detail.html",
        {"access": access, "role_play": role_play, "course": role_play.course, "viewer": access.viewer},
    )
