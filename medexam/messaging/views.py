from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from medexam.accounts.decorators import AuthenticatedRequest
from medexam.audit.services import record_refusal
from medexam.messaging.models import Message
from medexam.messaging.services import mark_read


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "messaging/inbox.html",
        {
            "messages_list": Message.objects.filter(recipient=request.user)[:200],
        },
    )


# Where a message leads: the page where the candidate acts on it (kind → text, URL).
ACTIONS = {
    "changes_requested": ("查看需要更换的材料", lambda: reverse("materials:materials") + "#todo"),
    "supplement_reminder": ("查看需要更换的材料", lambda: reverse("materials:materials") + "#todo"),
    "onsite_pending": ("查看现场审核预约单", lambda: reverse("materials:onsite_slip")),
    "approved": ("查看审核结果和下一步", lambda: reverse("materials:materials")),
    "rejected": ("查看审核结果", lambda: reverse("materials:materials")),
}


@login_required
def detail(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    try:
        message = mark_read(user=request.user, message_id=message_id)
    except Message.DoesNotExist as exc:
        record_refusal(request, target=f"message:{message_id}")  # another person's, or none
        raise Http404 from exc
    action = ACTIONS.get(message.kind) if request.user.is_candidate else None
    return render(
        request,
        "messaging/detail.html",
        {"message": message, "action": (action[0], action[1]()) if action else None},
    )
