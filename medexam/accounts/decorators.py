"""Role checks for views. Anyone logged in without the role gets 404, as if the page did not
exist: out-of-scope pages tell nothing about what is there."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from medexam.accounts.models import User


def role_required(allowed: Callable[[User], bool]):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allowed(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


candidate_required = role_required(lambda user: user.is_candidate)
reviewer_required = role_required(lambda user: user.is_reviewer)
province_required = role_required(lambda user: user.role == User.Role.PROVINCE_REVIEWER)
