"""Shared by the documents tests: the annotated corpus, built once per run (OCR is the slow part
of these tests, so every test that needs a scan reuses these files)."""

from __future__ import annotations

import pytest

from tests.reviewapp.documents.corpus.build import CorpusDocument, build_all


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, CorpusDocument]:
    directory = tmp_path_factory.mktemp("corpus")
    return {document.file: document for document in build_all(directory)}
