"""API clients with tokens, the demo plans, and a validator for every resource the API answers."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest
from django.test import Client

from criteria.models import Policy
from reviewapp.fhir import examples, services
from reviewapp.fhir.models import ApiClient, Plan


def fhir_valid(resource: dict) -> None:
    """The resource validates against the fhir.resources R4B model of its type (a Bundle's
    entries are validated with it)."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


@pytest.fixture
def plans(db) -> dict[str, Plan]:
    import datetime as dt

    found = {}
    for identifier, name, lob, policy_key, start in examples.DEMO_PLANS:
        found[identifier] = services.plan_policy_assign(
            identifier=identifier,
            name=name,
            line_of_business=lob,
            policy=Policy.objects.get(key=policy_key),
            effective_from=dt.date.fromisoformat(start),
        )
    return found


@dataclass
class Api:
    """A client organisation calling the API with its bearer token."""

    org: ApiClient
    secret: str
    http: Client
    token: str = ""

    def authorize(self, scope: str = "") -> str:
        credentials = base64.b64encode(
            f"{self.org.application.client_id}:{self.secret}".encode()
        ).decode()
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        response = self.http.post(
            "/o/token/", data, headers={"Authorization": f"Basic {credentials}"}
        )
        assert response.status_code == 200, response.content
        self.token = response.json()["access_token"]
        return self.token

    def _headers(self, extra: dict | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, **params):
        return self.http.get(path, params, headers=self._headers())

    def post(self, path: str, resource, content_type: str = "application/fhir+json"):
        body = resource if isinstance(resource, bytes | str) else json.dumps(resource)
        return self.http.post(path, body, content_type=content_type, headers=self._headers())

    def delete(self, path: str):
        return self.http.delete(path, headers=self._headers())

    def submit(self, bundle: dict):
        return self.post("/fhir/r4/Claim/$submit", bundle)


def make_api(name: str, plans: list[Plan], scopes=("submit", "read"), rate=None) -> Api:
    org, secret = services.client_create(
        name=name, scopes=scopes, plans=plans, rate_limit_per_minute=rate
    )
    api = Api(org, secret, Client())
    api.authorize()
    return api


@pytest.fixture
def api(plans) -> Api:
    """An EHR allowed to submit for every demo plan."""
    return make_api("Example EHR", list(plans.values()))


@pytest.fixture
def other_api(plans) -> Api:
    """A second client organisation: a provider portal for the LHCC plan only."""
    return make_api("Other Portal", [plans["lhcc-medicaid"]])
