"""Mangled request Bundles never crash the server: each answer is the response Bundle or an
OperationOutcome, and a refused request stores nothing."""

from __future__ import annotations

import contextlib
import copy
import random

import pytest

from reviewapp.cases.models import Case
from reviewapp.fhir import examples

from .conftest import fhir_valid

pytestmark = pytest.mark.django_db
ODD_VALUES = [None, "", "x", 0, -1, 10**12, True, [], {}, [None], {"reference": "Patient/x"}]


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


def _mutate(bundle: dict, rng: random.Random) -> dict:
    bundle = copy.deepcopy(bundle)
    paths = [p for p in _paths(bundle) if p and "data" not in p]
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(paths)
        parent = bundle
        try:
            for key in path[:-1]:
                parent = parent[key]
            if rng.random() < 0.3 and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
        except (KeyError, IndexError, TypeError):
            continue
    return bundle


def test_mangled_bundles_get_an_answer_never_an_error(api):
    rng = random.Random(17)
    base = examples.request_bundle(
        plan="molina-medicaid", codes=[("62324", 1)], diagnoses=["C50.911"], claim_id="FUZZ"
    )
    accepted = 0
    for n in range(60):
        bundle = _mutate(base, rng)
        with contextlib.suppress(KeyError, IndexError, TypeError):  # not a resend
            bundle["entry"][0]["resource"]["identifier"] = [{"value": f"FUZZ-{n}"}]
        cases_before = Case.objects.count()
        response = api.submit(bundle)
        assert response.status_code in (200, 400, 413, 422), (n, response.status_code)
        body = response.json()
        fhir_valid(body)
        if response.status_code == 200:
            accepted += 1
            assert Case.objects.count() == cases_before + 1
        else:
            assert body["resourceType"] == "OperationOutcome" and body["issue"]
            assert Case.objects.count() == cases_before
    assert accepted < 60  # the mutations do break requests
