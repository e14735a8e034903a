"""The application's database role: everything the product does works under it, and the
audit log cannot be changed, emptied or have its guard switched off by it."""

from __future__ import annotations

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from medexam.audit.models import AuditEntry
from medexam.materials import services as materials
from medexam.messaging.services import deliver_outbox
from tests.review.helpers import claimed, request_replacement, submitted_with_images

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles are PostgreSQL's"
)
pytestmark = [pytest.mark.django_db, pytest.mark.postgres, needs_postgres]


def app_role() -> str:
    """A role named after the database the suite was pointed at (cluster_test ->
    cluster_test_app; CI's medexam -> medexam_app): roles are shared by every database of
    the server, so each checkout's suite uses its own."""
    name = connection.settings_dict["NAME"]
    return f"{name.removeprefix('test_')}_app"


@pytest.fixture
def app_grants(db):
    role = app_role()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE ROLE "{role}" LOGIN NOINHERIT')
        cursor.execute(
            f'GRANT CONNECT ON DATABASE "{connection.settings_dict["NAME"]}" TO "{role}"'
        )
        cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    call_command("db_roles", "--app", role, "--apply")
    return role


def connect_as(role: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        autocommit=True,
    )


@pytest.fixture
def audit_row(candidate, transactional_db):
    return AuditEntry.objects.create(action="test.entry", summary="kept")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET summary = 'changed'",
        "DELETE FROM audit_auditentry",
        "TRUNCATE audit_auditentry",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
        "DROP TRIGGER audit_entry_append_only ON audit_auditentry",
        "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS "
        "$$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
        "CREATE TABLE sneaky (id int)",
    ],
)
def test_the_app_role_cannot_change_or_empty_the_audit_log(app_grants, audit_row, statement):
    with connect_as(app_grants) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
        # What it may do: add an entry and read them.
        conn.execute(
            "INSERT INTO audit_auditentry (created_at, actor_role, actor_site, action, "
            "target, summary, data) VALUES (now(), 'system', '', 'test.added', '', '', '{}')"
        )
        summaries = [r[0] for r in conn.execute("SELECT summary FROM audit_auditentry")]
    assert summaries.count("kept") == 1
    assert AuditEntry.objects.get(pk=audit_row.pk).summary == "kept"
    assert AuditEntry.objects.filter(action="test.added").count() == 1


def test_the_whole_candidate_and_review_round_trip_runs_as_the_app_role(
    app_grants, candidate, site_reviewer, jpeg
):
    with connection.cursor() as cursor:
        # Until the test's transaction ends, every statement is checked as the app role.
        cursor.execute(f'SET LOCAL ROLE "{app_grants}"')
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_grants

    application = submitted_with_images(candidate, jpeg)
    application = claimed(application, site_reviewer)
    first = application.images.filter(status="active").order_by("pk").first()
    materials.ensure_thumbnail(first)
    request_replacement(application, site_reviewer, first)
    materials.delete_image(image_uuid=first.uuid, actor=candidate.user)
    deliver_outbox()

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_grants
        with pytest.raises(Exception, match="permission denied"):
            cursor.execute("UPDATE audit_auditentry SET summary = 'x'")


def test_db_roles_prints_the_bootstrap_and_the_grants(capsys):
    call_command("db_roles", "--owner", "x_owner", "--app", "x_app", "--bootstrap")
    sql = capsys.readouterr().out

    assert 'CREATE ROLE "x_owner" LOGIN' in sql and 'CREATE ROLE "x_app" LOGIN' in sql
    assert 'GRANT SELECT, INSERT ON "audit_auditentry" TO "x_app";' in sql
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON "materials_uploadedimage" TO "x_app";' in sql
    assert '"django_migrations" TO "x_app"' not in sql
    assert "TRUNCATE" not in sql
