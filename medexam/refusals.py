"""How the pages answer a refusal (medexam.errors.DomainError): in one place.

The page's script (it sends `X-Requested-With: fetch`) gets JSON with the error's status:
`{"ok": false, "code": ..., "message": ...}`. A page gets the message as a flash message and
goes back to where the person was. A 404 of a page answers as a page that does not exist:
out of scope must look exactly like absent.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from medexam.errors import DomainError


def wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def answer(request: HttpRequest, error: DomainError, *, back: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(error.as_json(), status=error.status)
    if error.status == 404:
        raise Http404(error.message)
    messages.error(request, error.message)
    return redirect(back)


def add_to_form(form: forms.Form, error: DomainError) -> None:
    """A service's refusal onto the form that asked: beside the field it names, if the form
    has that field, else as the form's own error."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def answer_form(request: HttpRequest, form: forms.Form, *, back: str) -> HttpResponse:
    """A form that did not validate, answered as a refusal: every error, field by field, as
    flash messages (JSON: the first, with all of them per field under "errors")."""
    errors = form.errors.get_json_data()
    if wants_json(request):
        first = next(iter(errors.values()))[0]
        return JsonResponse(
            {"ok": False, "code": first["code"] or "INVALID", "message": first["message"],
             "errors": {name: [e["message"] for e in errs] for name, errs in errors.items()}},
            status=400,
        )  # fmt: skip
    for field_errors in errors.values():
        for error in field_errors:
            messages.error(request, error["message"])
    return redirect(back)
