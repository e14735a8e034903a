"""The candidate's trial-period editor (试用期) with its timeline against the exam's window."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from medexam.accounts.decorators import AuthenticatedRequest
from medexam.errors import DomainError

from .forms import SegmentFormSet, initial_from, segments_from
from .selectors import evaluation_for, trial_timeline
from .services import update_trial_segments


def _own_candidate(request: AuthenticatedRequest):
    from medexam.candidates.models import Candidate

    if not request.user.is_candidate:
        raise Http404  # reviewers see trial periods on the application, not here
    candidate = (
        Candidate.objects.select_related("exam", "exam_site")
        .filter(user=request.user, exam__is_active=True)
        .order_by("-exam__year")
        .first()
    )
    if candidate is None:
        raise Http404("没有找到您的报名信息")
    return candidate


def _editable(candidate) -> bool:
    from medexam.materials.models import Application
    from medexam.materials.states import EDITABLE_STATES

    state = Application.objects.filter(candidate=candidate).values_list("state", flat=True).first()
    return state is None or state in EDITABLE_STATES


@login_required
def trial_period(request: AuthenticatedRequest) -> HttpResponse:
    candidate = _own_candidate(request)
    editable = _editable(candidate)
    error = ""
    if request.method == "POST":
        formset = SegmentFormSet(request.POST, prefix="seg")
        if formset.is_valid():
            try:
                update_trial_segments(
                    candidate_id=candidate.pk,
                    segments=segments_from(formset),
                    actor=request.user,
                    request=request,
                )
            except DomainError as exc:
                error = exc.message
            else:
                candidate.refresh_from_db(fields=["trial_segments"])
                check = evaluation_for(candidate).trial_period
                assert check is not None  # just saved: the profile has trial segments
                if check.ok:
                    messages.success(
                        request, f"试用期已保存：窗口内累计 {check.covered_days} 天，已满足要求。"
                    )
                else:
                    messages.warning(
                        request,
                        f"试用期已保存：窗口内累计 {check.covered_days} 天，"
                        f"还差 {check.missing_days} 天。",
                    )
                return redirect("rules:trial_period")
        else:
            error = "试用期信息有误，请按提示修改后再保存。"
    else:
        formset = SegmentFormSet(initial=initial_from(candidate.trial_segments), prefix="seg")

    evaluation = evaluation_for(candidate)
    check = evaluation.trial_period
    return render(
        request,
        "rules/trial_period.html",
        {
            "candidate": candidate,
            "evaluation": evaluation,
            "trial_verdict": evaluation.items.get("trial_assessment"),
            "check": check,
            "timeline": trial_timeline(check) if check is not None else None,
            "formset": formset,
            "editable": editable,
            "error": error,
        },
        status=400 if error else 200,
    )
