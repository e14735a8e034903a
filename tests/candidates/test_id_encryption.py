"""ID numbers at rest: ciphertext in the database, HMAC lookups, reversed tails, rotation,
the migration that encrypts existing rows, and a production start refused without keys."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from medexam.accounts.backends import IdNumberBackend
from medexam.candidates import idcrypto
from medexam.candidates.models import Candidate
from tests.factories import PASSWORD, CandidateFactory

NUMBER = "21010219950712001X"


def stored(candidate: Candidate) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_hmac, id_tail FROM candidates_candidate WHERE id = %s",
            [candidate.pk],
        )
        return cursor.fetchone()


def key(key_id: str, seed: bytes) -> str:
    return f"{key_id}:{base64.b64encode(seed * (32 // len(seed))).decode()}"


@pytest.mark.django_db
def test_the_database_holds_ciphertext_and_the_model_the_number(exam, shenyang):
    candidate = CandidateFactory(exam=exam, exam_site=shenyang, id_number=NUMBER.lower())
    raw, digest, tail = stored(candidate)
    assert NUMBER not in raw and NUMBER[-6:] not in raw and NUMBER[:6] not in raw
    assert raw.startswith("dev1:")
    assert digest == idcrypto.id_hmac(NUMBER) and len(digest) == 64
    assert tail == "X10021"  # last six, reversed
    assert Candidate.objects.get(pk=candidate.pk).id_number == NUMBER
    assert Candidate.objects.get(pk=candidate.pk).masked_id_number == "2101**********001X"


@pytest.mark.django_db
def test_equal_numbers_never_look_equal_in_the_column(exam, shenyang):
    first = CandidateFactory(exam=exam, exam_site=shenyang, id_number=NUMBER)
    second = CandidateFactory(
        exam=exam, exam_site=shenyang, id_number=NUMBER, id_type=Candidate.IdType.PASSPORT
    )
    assert stored(first)[0] != stored(second)[0]
    assert stored(first)[1] == stored(second)[1]


@pytest.mark.django_db
def test_filtering_on_the_encrypted_column_is_refused_not_silently_empty():
    with pytest.raises(FieldError):
        list(Candidate.objects.filter(id_number=NUMBER))
    with pytest.raises(FieldError):
        list(Candidate.objects.filter(id_number__endswith="001X"))


@pytest.mark.django_db
def test_a_tampered_ciphertext_does_not_decrypt(exam, shenyang):
    candidate = CandidateFactory(exam=exam, exam_site=shenyang)
    raw = stored(candidate)[0]
    blob = bytearray(base64.urlsafe_b64decode(raw.split(":", 1)[1]))
    blob[-1] ^= 1
    tampered = "dev1:" + base64.urlsafe_b64encode(bytes(blob)).decode()
    with pytest.raises(idcrypto.IdDecryptionError):
        idcrypto.decrypt_id(tampered)
    with pytest.raises(idcrypto.IdDecryptionError, match="no configured key"):
        idcrypto.decrypt_id("gone:" + raw.split(":", 1)[1])


def test_the_functions_for_writers_without_the_orm_agree_with_the_model():
    columns = idcrypto.id_columns(" 21010219950712001x ")
    assert idcrypto.decrypt_id(columns["id_number"]) == NUMBER
    assert columns["id_number_hmac"] == idcrypto.id_hmac(NUMBER)
    assert columns["id_tail"] == idcrypto.id_tail(NUMBER) == "X10021"
    assert idcrypto.tail_prefix("001x") == "X100"


@pytest.mark.django_db
def test_candidates_log_in_by_the_hash_of_their_number(exam, shenyang):
    candidate = CandidateFactory(exam=exam, exam_site=shenyang, id_number=NUMBER)
    user = IdNumberBackend().authenticate(None, username=NUMBER.lower(), password=PASSWORD)
    assert user == candidate.user


@pytest.mark.django_db
def test_rotation_re_encrypts_every_row_with_the_new_key(exam, shenyang, settings):
    old, new = key("k1", b"old-key!"), key("k2", b"new-key!")
    settings.ID_KEYS = old
    candidates = [CandidateFactory(exam=exam, exam_site=shenyang) for _ in range(5)]
    numbers = {c.pk: c.id_number for c in candidates}
    assert {stored(c)[0].split(":")[0] for c in candidates} == {"k1"}

    settings.ID_KEYS = f"{new},{old}"  # the new key first; the old one still opens old rows
    assert Candidate.objects.get(pk=candidates[0].pk).id_number == numbers[candidates[0].pk]
    call_command("rotate_id_keys", "--batch", "2", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert {stored(c)[0].split(":")[0] for c in candidates} == {"k2"}

    settings.ID_KEYS = new  # the old key removed: everything still reads
    assert {c.pk: c.id_number for c in Candidate.objects.all()} == numbers
    user = IdNumberBackend().authenticate(
        None, username=numbers[candidates[2].pk], password=PASSWORD
    )
    assert user == candidates[2].user


@pytest.mark.django_db
def test_rotation_with_rehash_moves_the_lookups_to_a_new_hmac_key(exam, shenyang, settings):
    candidate = CandidateFactory(exam=exam, exam_site=shenyang, id_number=NUMBER)
    settings.ID_HMAC_KEY = "a-brand-new-lookup-key-of-forty-characters-!"
    assert IdNumberBackend().authenticate(None, username=NUMBER, password=PASSWORD) is None
    call_command("rotate_id_keys", "--rehash", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert stored(candidate)[1] == idcrypto.id_hmac(NUMBER)
    user = IdNumberBackend().authenticate(None, username=NUMBER, password=PASSWORD)
    assert user == candidate.user


@pytest.mark.django_db
def test_rotation_leaves_a_row_changed_meanwhile_alone(exam, shenyang, settings):
    from medexam.candidates import id_rotation

    settings.ID_KEYS = key("k1", b"old-key!")
    candidate = CandidateFactory(exam=exam, exam_site=shenyang)
    settings.ID_KEYS = f"{key('k2', b'new-key!')},{key('k1', b'old-key!')}"
    batches = id_rotation._batches

    def read_then_someone_writes(batch=2000):  # the re-import lands between read and write
        for rows in batches(batch):
            Candidate.objects.filter(pk=candidate.pk).update(id_number=NUMBER)
            yield rows

    id_rotation._batches = read_then_someone_writes
    try:
        result = id_rotation.rotate_id_keys()
    finally:
        id_rotation._batches = batches
    assert (result.reencrypted, result.skipped_changed) == (0, 1)
    assert Candidate.objects.get(pk=candidate.pk).id_number == NUMBER


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_numbers_already_stored(exam, shenyang):
    candidate = CandidateFactory(exam=exam, exam_site=shenyang, id_number=NUMBER)
    executor = MigrationExecutor(connection)
    before = [("candidates", "0003_importjob_importproblem_and_more")]
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:  # as the old code stored it
            cursor.execute(
                "UPDATE candidates_candidate SET id_number = %s WHERE id = %s",
                [NUMBER, candidate.pk],
            )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("candidates"))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    raw, digest, tail = stored(candidate)
    assert raw.startswith("dev1:") and NUMBER not in raw
    assert (digest, tail) == (idcrypto.id_hmac(NUMBER), "X10021")
    assert Candidate.objects.get(pk=candidate.pk).id_number == NUMBER


def test_production_refuses_to_start_without_the_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDEXAM_ID_", "DJANGO_SET"))}
    env.update(
        MEDEXAM_DEBUG="0",
        MEDEXAM_SECRET_KEY="test-only",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        DJANGO_SETTINGS_MODULE="medexam.settings",
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "medexam", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "MEDEXAM_ID_KEYS and MEDEXAM_ID_HMAC_KEY" in done.stderr
    env["MEDEXAM_DEBUG"] = "1"  # the demo gets the development keys
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "medexam", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
