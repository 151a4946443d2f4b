"""The API's reads of member data, declared to the access log and recorded there.

API clients are not signed-in staff, so the access-log middleware does not see them: each read is
recorded by ``api_read_record`` (called with every audited call), with the client's service
account as the actor and its name shown, what was read, and the answer's status (refused and
not-found attempts included).
"""

from __future__ import annotations

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject
from reviewapp.audit.services import access_note, access_record
from reviewapp.cases.models import Case

from .models import ApiClient

# URL name -> what the read returns (the interaction names of ``api_endpoint``).
READS = {
    "fhir:claimresponse-search": "decision (ClaimResponse search)",
    "fhir:claimresponse-read": "decision (ClaimResponse)",
    "fhir:claim-inquire": "decision ($inquire)",
    "fhir:binary-read": "signed determination letter",
}


def register_reads() -> None:
    registry.register("fhir:claimresponse-search", AccessKind.API, terms=("identifier",))
    registry.register("fhir:claimresponse-read", AccessKind.API)
    registry.register("fhir:claim-inquire", AccessKind.API, methods=("POST",))
    registry.register("fhir:binary-read", AccessKind.API)


def api_read_record(
    *, request: HttpRequest, client: ApiClient, case: Case | None, status: int
) -> None:
    """Record one API read of member data (nothing for calls that read none)."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    read = registry.read_for(view_name)
    if read is None or request.method not in read.methods:
        return
    subject = Subject(
        case_pk=case.pk if case else None,
        case_reference=case.reference if case else "",
        member_id=case.member_id if case else "",
        object_type="case" if case else "",
        object_pk=case.pk if case else None,
        detail=f"{READS[view_name]} by API client {client.name}"
        if case
        else ("not found" if status == 404 else f"{READS[view_name]}: nothing returned"),
    )
    access_note(request, subject=subject, actor_name=f"{client.name} (API client)")
    access_record(
        request=request,
        read=read,
        url_kwargs=match.kwargs if match else {},
        status=status,
        actor=client.user,
    )
