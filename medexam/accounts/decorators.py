"""Role checks for views. Anyone logged in without the role gets 404, as if the page did not
exist: out-of-scope pages tell nothing about what is there."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase

from medexam.accounts.models import User

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind a login (these decorators, `login_required`): its user is
    an account, never AnonymousUser. For type checking only; Django builds the requests."""

    user: User


def role_required(allowed: Callable[[User], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not allowed(request.user):
                from medexam.audit.services import record_refusal

                record_refusal(
                    request,
                    target=f"page:{request.resolver_match.view_name}"
                    if request.resolver_match
                    else "page",
                )
                raise Http404
            return view(request, *args, **kwargs)

        return cast(View, wrapped)

    return decorator


candidate_required = role_required(lambda user: user.is_candidate)
reviewer_required = role_required(lambda user: user.is_reviewer)
province_required = role_required(lambda user: user.role == User.Role.PROVINCE_REVIEWER)
