"""The reader on real photographs of generated documents: the classifier, each extractor,
--kind, and the command's output."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from medexam.precheck.reader import read_document

from .conftest import PERSON


@pytest.mark.parametrize("kind", ["id_front", "id_back", "chsi_record", "diploma"])
def test_each_kind_is_recognised_and_its_fields_read_exactly(photos, kind):
    data, truth = photos[kind]
    reading = read_document(data)
    assert reading.kind == kind
    assert reading.fields == truth
    assert 0.5 < reading.confidence <= 1.0


def test_the_id_front_gives_name_and_number_the_back_the_period(photos):
    front = read_document(photos["id_front"][0])
    assert front.fields == {"name": PERSON["name"], "id_number": PERSON["id_number"]}
    back = read_document(photos["id_back"][0])
    assert back.fields == {"valid_from": "2008-03-22", "valid_until": "2018-03-22"}


@pytest.mark.parametrize(
    ("decoy", "looks_like"),
    [("student_status_record", "student_status_record"), ("degree", "degree")],
)
def test_look_alikes_are_not_taken_for_the_real_thing(photos, decoy, looks_like):
    """The 学籍 report shares the 学历 record's table; a 学位证书 a diploma's wording."""
    reading = read_document(photos[decoy][0])
    assert (reading.kind, reading.looks_like) == ("unknown", looks_like)
    assert reading.fields == {}


def test_kind_given_skips_the_classifier(photos):
    data, truth = photos["chsi_record"]
    reading = read_document(data, kind="chsi_record")
    assert reading.kind == "chsi_record"
    assert reading.fields == truth
    # Told the wrong kind, it reads that kind's labels and finds none of them.
    assert read_document(photos["id_back"][0], kind="diploma").fields == {}


def test_not_an_image_is_unreadable_not_a_crash(tmp_path):
    bad = tmp_path / "not-an-image.jpg"
    bad.write_bytes(b"GIF89a this is not a jpeg")
    out = io.StringIO()
    call_command("read_document", str(bad), "--json", stdout=out)
    line = json.loads(out.getvalue())
    assert (line["kind"], line["fields"], line["confidence"]) == ("unknown", {}, 0.0)


def test_the_command_prints_one_json_object_per_file(photos, tmp_path):
    paths = []
    for kind in ("id_front", "diploma"):
        path = tmp_path / f"{kind}.jpg"
        path.write_bytes(photos[kind][0])
        paths.append(path)
    out = io.StringIO()
    call_command("read_document", *map(str, paths), "--json", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["file"], line["kind"]) for line in lines] == [
        (str(paths[0]), "id_front"),
        (str(paths[1]), "diploma"),
    ]
    assert lines[0]["fields"] == photos["id_front"][1]
    assert set(lines[1]) == {"file", "kind", "fields", "confidence"}
