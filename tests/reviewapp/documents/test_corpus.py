"""Acceptance: the suggestions on the annotated corpus, scored per fact and overall.

Every document is read exactly as the case page reads it (the reading child process, OCR for
the scans) and every page goes through the extractor. A suggestion is right when the corpus
says that page states that fact with that value; a wrong suggestion is worse than none, so
precision must reach 0.95 and recall 0.80. The table is printed (``-s`` or the CI log shows it).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from criteria.library_files import read_facts
from reviewapp.documents.extraction import DocumentExtractor, not_suggested, suggested_facts
from reviewapp.documents.reading import DocumentReader

PRECISION, RECALL = 0.95, 0.80


def _key(fact: str, value, page: int) -> tuple:
    if isinstance(value, bool | str):
        return (fact, value, page)
    return (fact, Decimal(str(value)), page)


@pytest.fixture(scope="module")
def scored(corpus):
    true_pos, false_pos, false_neg = Counter(), Counter(), Counter()
    mistakes = []
    ocr_documents = 0
    for document in corpus.values():
        extractor = DocumentExtractor()
        found = []
        with DocumentReader(document.path, content_type=document.content_type) as reader:
            assert reader.page_count == len(document.pages), document.file
            for page in reader.pages():
                assert page.status == "read", (document.file, page.number, page.note)
                found += extractor.page(page.number, page.text)
                ocr_documents += page.method == "ocr" and page.number == 1
        expected = {_key(e.fact, e.value, e.page) for e in document.expected}
        got = {_key(f.fact, f.value, f.page): f.quote for f in found}
        for key, quote in got.items():
            if key in expected:
                true_pos[key[0]] += 1
            else:
                false_pos[key[0]] += 1
                mistakes.append(f"wrong    {document.file} p.{key[2]} {key[0]}={key[1]}: {quote}")
        for key in expected - set(got):
            false_neg[key[0]] += 1
            mistakes.append(f"missed   {document.file} p.{key[2]} {key[0]}={key[1]}")
    return true_pos, false_pos, false_neg, mistakes, ocr_documents


def test_precision_and_recall_per_fact_and_overall(scored, corpus):
    true_pos, false_pos, false_neg, mistakes, ocr_documents = scored
    facts = sorted(set(true_pos) | set(false_pos) | set(false_neg))
    lines = [
        f"Corpus: {len(corpus)} documents, {sum(len(d.pages) for d in corpus.values())} pages, "
        f"{ocr_documents} read by OCR",
        f"{'fact':<40} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>7}",
    ]
    for fact in facts:
        tp, fp, fn = true_pos[fact], false_pos[fact], false_neg[fact]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        lines.append(f"{fact:<40} {tp:>3} {fp:>3} {fn:>3} {precision:>9.2f} {recall:>7.2f}")
    tp, fp, fn = sum(true_pos.values()), sum(false_pos.values()), sum(false_neg.values())
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    lines.append(f"{'overall':<40} {tp:>3} {fp:>3} {fn:>3} {precision:>9.2f} {recall:>7.2f}")
    print("\n" + "\n".join(lines + mistakes))
    assert ocr_documents >= 4, "the corpus must keep several scanned-only documents"
    assert precision >= PRECISION, "\n".join(mistakes)
    assert recall >= RECALL, "\n".join(mistakes)


def test_every_dictionary_fact_has_rules_or_a_reason():
    dictionary = set(read_facts())
    covered = suggested_facts() | set(not_suggested())
    assert dictionary - covered == set(), "give these facts rules (or a reason in NOT_SUGGESTED)"
    assert covered - dictionary == set(), "rules for facts the dictionary does not have"


def test_the_corpus_exercises_most_suggested_facts(corpus):
    annotated = {e.fact for d in corpus.values() for e in d.expected}
    assert len(annotated) >= 0.8 * len(suggested_facts()), sorted(suggested_facts() - annotated)
