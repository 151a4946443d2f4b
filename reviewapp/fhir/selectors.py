"""Reads for the API: a client's own requests, and where each stands (the decision state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from reviewapp.cases.models import CaseStatus, InformationRequest
from reviewapp.decisions.models import Determination, Outcome

from .authorization import AuthorizationView, authorization_for
from .models import ApiClient, ApiRequest, Subscription

API_REQUEST_RELATED = ("case__policy_version__policy", "case__checklist", "plan")


def api_request_for_client(*, client: ApiClient, reference: str) -> ApiRequest | None:
    """The client's own request with this case reference, or None (also when the case exists but
    another client sent it: a client cannot tell other clients' cases from missing ones)."""
    return (
        ApiRequest.objects.select_related(*API_REQUEST_RELATED)
        .filter(client=client, case__reference=reference)
        .first()
    )


def api_request_by_claim_identifier(
    *, client: ApiClient, system: str, value: str
) -> ApiRequest | None:
    rows = ApiRequest.objects.select_related(*API_REQUEST_RELATED).filter(
        client=client, claim_identifier_value=value
    )
    if system:
        rows = rows.filter(claim_identifier_system=system)
    return rows.first()


def subscriptions_of(client: ApiClient) -> QuerySet[Subscription]:
    return Subscription.objects.filter(client=client).exclude(status=Subscription.Status.OFF)


@dataclass
class DecisionState:
    """Where a request stands, as the API reports it.

    ``key`` changes exactly when the client should hear about it: ``pended`` while the case is
    open (or decided but not yet signed: a decision is issued when its letter is signed),
    ``decided:<determination>`` once a determination is signed (a correction signs a new one),
    ``withdrawn:<determination>`` when the request was withdrawn.
    """

    key: str
    determination: Determination | None = None
    authorization: AuthorizationView | None = None
    information_requests: list[InformationRequest] = field(default_factory=list)

    @property
    def pended(self) -> bool:
        return self.key == "pended"

    @property
    def withdrawn(self) -> bool:
        return self.key.startswith("withdrawn")


def decision_state(api_request: ApiRequest) -> DecisionState:
    """The decision in force for the request's case (two queries; three while pended)."""
    case = api_request.case
    if case.status == CaseStatus.WITHDRAWN:
        withdrawal = (
            Determination.objects.filter(case=case, outcome=Outcome.WITHDRAWN)
            .order_by("-decided_at", "-id")
            .first()
        )
        return DecisionState(f"withdrawn:{withdrawal.pk if withdrawal else 0}", withdrawal)
    signed = (
        Determination.objects.filter(case=case, signed_at__isnull=False)
        .select_related("decided_by__staff_profile", "case")
        .prefetch_related("code_decisions")
        .order_by("-decided_at", "-id")
        .first()
    )
    if signed is None:
        requests = list(
            InformationRequest.objects.filter(case=case, resolved_at__isnull=True).order_by(
                "requested_at"
            )
        )
        return DecisionState("pended", information_requests=requests)
    return DecisionState(f"decided:{signed.pk}", signed, authorization_for(signed))


def letter_determination_for_client(*, client: ApiClient, determination_id: int):
    """A signed determination of one of the client's own requests, or None."""
    return (
        Determination.objects.filter(
            pk=determination_id, signed_at__isnull=False, case__api_request__client=client
        )
        .select_related("case")
        .first()
    )
