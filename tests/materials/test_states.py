"""The transition table (medexam/materials/states.py): every row, from every state. A new row
is covered here as soon as it is added; its own behaviour gets its own test beside the
service that uses it."""

from __future__ import annotations

import pytest

from medexam.audit.models import AuditEntry
from medexam.errors import DomainError
from medexam.materials.models import Application
from medexam.materials.states import TRANSITIONS, allows, check, transition
from medexam.messaging.models import Message

pytestmark = pytest.mark.django_db
S = Application.State

MOVES = [
    (name, state, state in row.sources) for name, row in TRANSITIONS.items() for state in S.values
]


def _in(candidate, state: str) -> Application:
    application = candidate.application
    application.state = state
    application.save(update_fields=["state"])
    return Application.objects.select_related("candidate__user").get(pk=application.pk)


@pytest.mark.parametrize(
    ("name", "state"), [(name, state) for name, state, allowed in MOVES if allowed]
)
def test_an_allowed_transition_saves_logs_and_tells_the_candidate_as_its_row_says(
    candidate, site_reviewer, name, state
):
    application = _in(candidate, state)
    row = TRANSITIONS[name]

    change = transition(application, name, actor=site_reviewer, reason="理由")

    saved = Application.objects.get(pk=application.pk)
    assert (change.from_state, change.to_state, saved.state) == (state, row.target, row.target)
    assert saved.version == 1
    entry = AuditEntry.objects.get(action="application.transition")
    assert (entry.data["from"], entry.data["to"], entry.data["transition"], entry.data["as"]) == (
        state,
        row.target,
        name,
        row.by,
    )
    message = Message.objects.get(recipient=candidate.user)
    assert (message.kind, message.subject) == (row.message_kind, row.subject)
    assert message.body == (f"{row.body}\n\n审核意见：理由" if row.tells_reason else row.body)


@pytest.mark.parametrize(
    ("name", "state"), [(name, state) for name, state, allowed in MOVES if not allowed]
)
def test_a_refused_transition_says_why_in_its_rows_words_and_changes_nothing(
    candidate, site_reviewer, name, state
):
    application = _in(candidate, state)
    row = TRANSITIONS[name]

    with pytest.raises(DomainError) as refused:
        transition(application, name, actor=site_reviewer)

    assert (refused.value.code, refused.value.status) == (row.refused_code, 409)
    assert refused.value.message == row.refused.format(
        state=S(state).label, target=S(row.target).label
    )
    assert Application.objects.get(pk=application.pk).state == state
    assert allows(application, name) is False
    assert not AuditEntry.objects.filter(action="application.transition").exists()
    assert not Message.objects.exists()


def test_check_refuses_before_any_work(candidate):
    with pytest.raises(DomainError) as refused:
        check(_in(candidate, S.APPROVED), "submit")

    assert refused.value.message == "材料已提交审核，内容已锁定，无需重复提交。"
