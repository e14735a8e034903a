"""The one domain error: every refusal of a service, whatever the app.

A service raises `DomainError` when what was asked cannot be done now: a locked image, a
stale page, a full item, a transition the table does not allow. The refusal is a value the
interfaces turn into an answer, each in one place: the pages in `medexam.refusals.answer`
(a flash message, or JSON for the page's script), the API in
`medexam.api.exceptions.handler` (JSON). Forms add a refusal that names a `field` to that
field's errors (`medexam.refusals.add_to_form`).
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal.

    `code`: stable, for scripts and tests (e.g. "LOCKED", "STALE", "NOT_IN_REVIEW").
    `message`: Chinese, says what was wrong and what to do; shown to the person as it is.
    `status`: the HTTP status an interface answers with (400 bad input, 403 not yours to
    do, 404 absent or out of scope, 409 the state does not allow it now, 503 try again).
    `field`: the form field the refusal concerns, when one input caused it ("" otherwise).
    """

    def __init__(self, code: str, message: str, status: int = 400, *, field: str = ""):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.field = field

    def as_json(self) -> dict[str, object]:
        return {"ok": False, "code": self.code, "message": self.message}
