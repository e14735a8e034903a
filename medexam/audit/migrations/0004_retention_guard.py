"""PostgreSQL's append-only trigger learns the retention: UPDATE stays refused, DELETE is
allowed only for entries older than 183 days (six months), so no role, the application's
or the owner's, can remove a younger trace (the purge command: audit/retention.py)."""

from django.db import migrations

CREATE = ["""
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '183 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only and kept six months: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql"""]
PREVIOUS = ["""
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql"""]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PREVIOUS:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_application_newest_index")]
    operations = [migrations.RunPython(forwards, backwards)]
