"""The generated intake corpus, built once per test session (a few seconds)."""

from __future__ import annotations

import pytest

from tests.intake.make_corpus import build_corpus, duplicate_set


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("intake-corpus")


@pytest.fixture(scope="session")
def corpus(corpus_dir):
    return build_corpus(corpus_dir)


@pytest.fixture(scope="session")
def duplicates(corpus_dir):
    return duplicate_set(corpus_dir / "duplicates")


@pytest.fixture(scope="session")
def case_bytes(corpus, corpus_dir):
    def read(file: str) -> bytes:
        return (corpus_dir / file).read_bytes()

    return read
