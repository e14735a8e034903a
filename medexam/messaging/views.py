from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from medexam.accounts.decorators import AuthenticatedRequest
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


@login_required
def detail(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    try:
        message = mark_read(user=request.user, message_id=message_id)
    except Message.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "messaging/detail.html", {"message": message})
