"""Accounts' background task: delivering a verification code's SMS."""

from __future__ import annotations

from django_tasks import task


@task()
def send_verification_code(code_id: int) -> bool:
    """The SMS of one code row, right after the request committed. Takes the row id only: the
    code is derived from the row's nonce (services._code_for), never passed or stored."""
    from medexam.accounts.services import deliver_code

    return deliver_code(code_id=code_id)
