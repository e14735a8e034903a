"""ID numbers encrypted at rest: the keyed hash and the reversed tail are added, every
existing number is encrypted in place (batches of 2,000 rows), and the unique constraint
moves from the plain number to its hash (0005, its own transaction: PostgreSQL refuses an
ALTER TABLE after updates in the same transaction while deferred checks are pending)."""

from django.db import migrations, models

import medexam.candidates.fields

BATCH = 2000


def _rows(connection, table, columns):
    quote = connection.ops.quote_name
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {', '.join(quote(c) for c in columns)} FROM {quote(table)} "  # noqa: S608
                f"WHERE id > %s ORDER BY id LIMIT {BATCH}",
                [last],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def encrypt_numbers(apps, schema_editor):
    from medexam.candidates import idcrypto

    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = "candidates_candidate"
    for rows in _rows(connection, table, ["id_number"]):
        params = []
        for pk, number in rows:
            columns = idcrypto.id_columns(number)
            params.append([columns["id_number"], columns["id_number_hmac"], columns["id_tail"], pk])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(table)} SET id_number = %s, id_number_hmac = %s, "  # noqa: S608
                "id_tail = %s WHERE id = %s",
                params,
            )


def decrypt_numbers(apps, schema_editor):
    from medexam.candidates import idcrypto

    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = "candidates_candidate"
    for rows in _rows(connection, table, ["id_number"]):
        params = [[idcrypto.decrypt_id(stored), pk] for pk, stored in rows]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(table)} SET id_number = %s WHERE id = %s",  # noqa: S608
                params,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0003_importjob_importproblem_and_more"),
        ("rules", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="candidate", name="one_candidate_per_id_per_exam"),
        migrations.AddField(
            model_name="candidate",
            name="id_number_hmac",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="candidate",
            name="id_tail",
            field=models.CharField(default="", editable=False, max_length=6),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="candidate",
            name="id_number",
            field=medexam.candidates.fields.EncryptedIdNumberField(
                max_length=128, verbose_name="证件号码"
            ),
        ),
        migrations.RunPython(encrypt_numbers, decrypt_numbers, elidable=False),
    ]
