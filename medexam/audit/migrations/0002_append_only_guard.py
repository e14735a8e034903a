"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit rows, whoever asks
(the model's save/delete guard only stops the ORM). TRUNCATE stays possible for test flushes
and deliberate, privileged retention jobs."""

from django.db import migrations

CREATE = ["""
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql""", """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry""", """
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"""]
DROP = ["DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry",
        "DROP FUNCTION IF EXISTS audit_entry_append_only()"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            # params=None: the SQL holds a literal % that must not be read as a placeholder.
            schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
