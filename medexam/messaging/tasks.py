"""Messaging's background tasks: delivering the outbox's SMS. The outbox row stays the record
of what must be delivered; these tasks deliver it, each row at most once (a conditional claim),
with the row's idempotency key handed to the provider."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_sms(outbox_id: int) -> int:
    """The SMS of one change, right after it committed."""
    from medexam.messaging.services import deliver_one

    return deliver_one(outbox_id=outbox_id).sent


@task()
def deliver_due_sms() -> int:
    """Every SMS whose next attempt is due: retries after a failure (back-off 1, 2, 4 …
    minutes), and any whose own task was lost."""
    from medexam.messaging.services import deliver_outbox

    return deliver_outbox(limit=500).sent
