from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from medexam.accounts.models import User
from medexam.candidates.idcrypto import id_hmac
from medexam.sql import column, columns, fetch_one, instance, table

_USER_FIELDS = tuple(f.name for f in User._meta.concrete_fields)


@cache
def _user_statement(vendor: str) -> str:
    return (
        f"SELECT {columns(User, _USER_FIELDS)} FROM {table(User)} "  # noqa: S608 - names from _meta
        f"WHERE {column(User, 'id')} = %s"
    )


class _OneStatementUser(ModelBackend):
    """Every request loads its user: one SQL statement, its values converted as the ORM
    converts them (medexam.sql.instance), instead of an ORM query. Same answer as
    ModelBackend.get_user. Kept on the figures: ~0.15 ms of CPU per request against ~0.46 ms
    for ModelBackend's ORM query (in one process on SQLite, 2026-12-02); with the session
    read, ~0.8 ms of an upload's ~9 ms, +9 % server CPU per upload in three bench runs
    (bench/upload.py --compare; README, "Upload benchmark")."""

    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        row = fetch_one(_user_statement(connection.vendor), [pk])
        user = instance(User, _USER_FIELDS, row) if row is not None else None
        return user if user is not None and self.user_can_authenticate(user) else None


class IdNumberBackend(_OneStatementUser):
    """Candidates log in with their ID number (证件号码) and password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        from medexam.candidates.models import Candidate

        candidate = (
            Candidate.objects.filter(id_number_hmac=id_hmac(username), exam__is_active=True)
            .select_related("user")
            .order_by("-exam__year")
            .first()
        )
        if candidate is None:
            # Same work as a real check, so timing does not tell which ID numbers exist.
            User().set_password(password)
            return None
        user = candidate.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class StaffBackend(_OneStatementUser):
    """Reviewers and administrators log in with a username; candidates cannot use this path."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user.role == User.Role.CANDIDATE:
            return None
        return user
