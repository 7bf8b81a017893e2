"""The sandbox health page (staff): can practical tasks be run, and if not, why. Parse →
authorize (``is_staff``) → one selector → render.

``/health/sandbox/`` is the page (anonymous visitors: the login page; other users: 403);
``/health/sandbox.json`` the same for monitoring, 503 when no sandbox worker could run a
practical task (this process's own probe until a worker has reported; 403 for anyone but staff,
never a redirect).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from exams.permissions import user_can_see_sandbox_health
from exams.sandbox_health import sandbox_health_of_workers, sandbox_health_probe


@login_required
@require_GET
@never_cache
def sandbox_health(request: HttpRequest) -> HttpResponse:
    if not user_can_see_sandbox_health(request.user):
        message = _("The sandbox health page is for staff.")
        return render(request, "courses/forbidden.html", {"message": message}, status=403)
    refresh = request.GET.get("refresh") == "1"
    context = {"here": sandbox_health_probe(refresh=refresh), "workers": sandbox_health_of_workers()}
    return render(request, "exams/sandbox_health.html", context)


@require_GET
@never_cache
def sandbox_health_json(request: HttpRequest) -> JsonResponse:
    if not user_can_see_sandbox_health(request.user):
        return JsonResponse({"detail": _("The sandbox health page is for staff.")}, status=403)
    here = sandbox_health_probe(refresh=request.GET.get("refresh") == "1")
    workers = sandbox_health_of_workers()
    # Code runs on the sandbox workers, so their start-up reports decide; this process's own
    # probe stands in only until a worker has reported (e.g. web and worker on one host).
    usable = any(worker.usable for worker in workers) if workers else here.usable
    body = {"usable": usable, "here": here.as_dict(), "workers": [worker.as_dict() for worker in workers]}
    return JsonResponse(body, status=200 if usable else 503)
