"""Reads for letters: access to a determination, who may sign, what each letter is built from,
the letters and deliveries of a case, and the mail queue.

A letter is built only from its own record (the determination's snapshots, code decisions and
decider; an extension notice's details) plus the organisation's settings and the member's state's
notice settings, never from the live case answers: a letter says what was decided, as it was
decided.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from reviewapp.accounts.roles import DECIDE_ADVERSE
from reviewapp.cases.models import Case, CaseEvent, CaseStatus, EventKind
from reviewapp.cases.selectors import case_get_for_user
from reviewapp.decisions.models import (
    CodeDecision,
    Determination,
    Outcome,
    PeerToPeerOffer,
)
from reviewapp.decisions.selectors import authorization_for, letter_language

from .content import notices
from .models import Delivery, Letter, MailBatch, StateNoticeSettings
from .rendering import PrintOptions

# Outcomes whose letter only a medical director may sign: the adverse ones (a denial, a partial
# approval) and an approval that rests on a medical director's exception.
DIRECTOR_OUTCOMES = (Outcome.PARTIALLY_APPROVED, Outcome.DENIED, Outcome.APPROVED_BY_EXCEPTION)
LETTER_LANGUAGES = ("en", "es")


class NoNoticeSettings(Exception):
    """No state has letter settings for this member (an administrator adds them)."""


# --- access ------------------------------------------------------------------------------------


def determination_get_for_user(*, user: User, pk: int) -> Determination:
    """The determination, if the user may see its case: 403 without a reviewing role, 404 if none.

    Access to a determination is access to its case (``case_get_for_user`` decides).
    """
    determination = (
        Determination.objects.select_related("decided_by__staff_profile", "supersedes")
        .filter(pk=pk)
        .first()
    )
    case = case_get_for_user(user=user, pk=determination.case_id if determination else 0)
    assert determination is not None  # case_get_for_user raised Http404 otherwise
    determination.case = case
    return determination


def letter_get_for_user(*, user: User, pk: int) -> Letter:
    """An issued letter, if the user may see its case (the case's access rule decides)."""
    letter = Letter.objects.filter(pk=pk).select_related("determination").first()
    case = case_get_for_user(user=user, pk=letter.case_id if letter else 0)
    assert letter is not None
    letter.case = case
    return letter


def determination_is_superseded(determination: Determination) -> bool:
    return Determination.objects.filter(supersedes=determination).exists()


def signed_determination_for_case(*, reference: str) -> Determination:
    """The case's latest signed determination (its letter of record)."""
    case = Case.objects.filter(reference__iexact=reference.strip()).first()
    if case is None:
        raise Http404(f"No case with reference {reference}.")
    determination = (
        Determination.objects.filter(case=case, signed_at__isnull=False)
        .select_related("case")
        .order_by("-signed_at", "-id")
        .first()
    )
    if determination is None:
        raise Http404(f"Case {case.reference} has no signed determination letter yet.")
    return determination


def determinations_by_sha256(sha256: str) -> list[Determination]:
    return list(
        Determination.objects.filter(letter_sha256=sha256)
        .exclude(letter_sha256="")
        .select_related("case")
    )


def letters_by_sha256(sha256: str) -> list[Letter]:
    return list(Letter.objects.filter(sha256=sha256).select_related("case", "determination"))


# --- who may sign ------------------------------------------------------------------------------


def sign_forbidden_reason(*, determination: Determination, user: User) -> str:
    """Why this user may not sign this letter (a matter of role: answered 403); "" if they may."""
    if user.pk != determination.decided_by_id:
        return (
            f"Only {determination.decider_name}, who made this determination, can sign its letter."
        )
    if determination.outcome in DIRECTOR_OUTCOMES and not user.has_perm(DECIDE_ADVERSE):
        return (
            "Only a medical director can sign the letter of a denial, a partial approval or an "
            "approval by exception."
        )
    return ""


def sign_refused_reason(*, determination: Determination, case: Case) -> str:
    """Why this letter cannot be signed now, whoever asks (a matter of state); "" if it can."""
    if determination.outcome == Outcome.WITHDRAWN:
        return "A withdrawn request has no determination letter."
    if determination.is_signed:
        local = timezone.localtime(determination.signed_at)
        return (
            f"This letter was signed on {local:%Y-%m-%d %H:%M} and can never change. A correction "
            "reopens the case and produces a new determination with its own letter."
        )
    if determination_is_superseded(determination):
        return "A later determination supersedes this one; its letter is the one to sign."
    if case.status != CaseStatus.DECIDED:
        return (
            f"Case {case.reference} is {case.get_status_display().lower()}; only the letter of "
            "a decided case can be signed."
        )
    return ""


# --- what a letter is built from ---------------------------------------------------------------


def _address_lines(line1: str, line2: str, city: str, state: str, zip_code: str) -> tuple[str, ...]:
    """ "12 Oak Lane", "Apt 4", "Baton Rouge, LA 70801" (empty lines left out)."""
    last = " ".join(part for part in (f"{city}," if city else "", state, zip_code) if part)
    return tuple(line for line in (line1, line2, last.strip(" ,")) if line)


def case_parties(case: Case) -> tuple[notices.Party, notices.Party]:
    """The member and the requesting provider as the case recorded them at intake."""
    member = notices.Party(
        name=case.member_name,
        address_lines=_address_lines(
            case.member_address_line1,
            case.member_address_line2,
            case.member_city,
            case.member_state,
            case.member_zip,
        ),
        member_id=case.member_id,
        dob=case.member_dob,
    )
    provider = notices.Party(
        name=case.provider_name,
        address_lines=_address_lines(
            case.provider_address_line1,
            case.provider_address_line2,
            case.provider_city,
            case.provider_state,
            case.provider_zip,
        ),
        npi=case.provider_npi,
        fax=format_phone(case.provider_fax),
    )
    return member, provider


def format_phone(digits: str) -> str:
    """ "2255550123" -> "225-555-0123"."""
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 10 else digits


def case_print_options(case: Case) -> PrintOptions:
    """The member's letter language (Spanish or English) and format, as intake recorded them."""
    return PrintOptions(
        language=letter_language(case), large_print=case.alternate_format == "large_print"
    )


def determination_print_options(determination: Determination) -> PrintOptions:
    """A determination's letter is in the language its reasons were worded in at decision time."""
    language = determination.letter_language
    return PrintOptions(
        language=language if language in LETTER_LANGUAGES else "en",
        large_print=determination.case.alternate_format == "large_print",
    )


def notice_settings_for(case: Case) -> StateNoticeSettings:
    """The member's state's letter settings, else the plan's own state's."""
    states = [case.member_state, settings.ORGANISATION_STATE]
    found = {s.state: s for s in StateNoticeSettings.objects.filter(state__in=states)}
    for state in states:
        if state in found:
            return found[state]
    raise NoNoticeSettings(
        f"No letter settings exist for {' or '.join(s for s in states if s)}: an administrator "
        "adds them in the admin (State notice settings)."
    )


def determination_letter_inputs(determination: Determination) -> notices.DeterminationInputs:
    """What the determination's letter reads. Five queries at most: code decisions, peer-to-peer
    offers, the state's settings (the case and decider are already loaded), the authorization
    and its items."""
    case = determination.case
    member, provider = case_parties(case)
    codes = list(CodeDecision.objects.filter(determination=determination).order_by("id"))
    offers = list(
        PeerToPeerOffer.objects.filter(determination=determination).order_by("offered_at")
    )
    return notices.DeterminationInputs(
        determination=determination,
        codes=codes,
        peer_to_peer=offers,
        state=notice_settings_for(case),
        member=member,
        provider=provider,
        options=determination_print_options(determination),
        authorization=authorization_for(determination)
        if determination.outcome != Outcome.DENIED
        else None,
    )


def extension_letter_inputs(
    case: Case, *, details: dict, signer: User, identifier: str
) -> notices.ExtensionInputs:
    """What an extension notice reads: its own details, and the case's parties and request."""
    member, provider = case_parties(case)
    profile = getattr(signer, "staff_profile", None)
    return notices.ExtensionInputs(
        case=case,
        codes=list(case.services.all()),
        details=details,
        state=notice_settings_for(case),
        member=member,
        provider=provider,
        options=PrintOptions(
            language=details.get("language", "en"), large_print=details.get("large_print", False)
        ),
        signer_name=profile.display_name if profile else signer.get_username(),
        signer_credentials=profile.credentials if profile else "",
        signer_role=details.get("signer_role", "Nurse reviewer"),
        identifier=identifier,
    )


def extension_notice_due(case: Case) -> dt.datetime | None:
    """The due time before a pend extended it, when the member has not yet been sent a notice of
    the extension (None otherwise: no extension, or its notice is issued). Queries only for a case
    whose due time was extended."""
    if (
        not case.due_extended
        or Letter.objects.filter(case=case, kind=Letter.Kind.EXTENSION).exists()
    ):
        return None
    pend = (
        CaseEvent.objects.filter(case=case, kind=EventKind.PENDED, after__due_extended=True)
        .order_by("-at", "-id")
        .first()
    )
    if pend is None or not pend.before or "due_at" not in pend.before:
        return None
    return dt.datetime.fromisoformat(pend.before["due_at"])


def information_wanted(case: Case, *, language: str) -> str:
    """What an extension notice tells the member the plan is waiting for, in the letter's
    language: one line per criterion the records do not show yet, in the member's words."""
    from criteria import letter_wording
    from reviewapp.cases.selectors import case_workspace

    workspace = case_workspace(case, events_limit=0)
    version = case.policy_version
    lines = []
    for label in workspace.rollup.result.unknown:
        criterion = workspace.rows[label].criterion
        wording = letter_wording.member_wording(
            language=language,
            policy_key=version.policy.key,
            version_label=version.label,
            label=label,
            text=criterion.text,
            reason=criterion.member_reason,
        )
        lines.append(f"{label}: {wording.text or letter_wording.normalise(criterion.text)}")
    return "\n".join(lines)


# --- letters and deliveries --------------------------------------------------------------------


def letters_for_case(case: Case) -> list[Letter]:
    """The case's issued letters, newest first, each with its deliveries (two queries)."""
    return list(
        Letter.objects.filter(case=case)
        .select_related("determination")
        .prefetch_related(
            Prefetch(
                "deliveries", queryset=Delivery.objects.select_related("sent_by__staff_profile")
            )
        )
    )


def letter_for_determination(determination: Determination) -> Letter | None:
    """The issued letter of a signed determination, with its deliveries (two queries)."""
    return (
        Letter.objects.filter(determination=determination)
        .prefetch_related(
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.select_related("sent_by__staff_profile", "batch"),
            )
        )
        .first()
    )


def mail_queue() -> QuerySet[Delivery]:
    """Copies waiting to be printed and mailed, oldest first, not yet in a batch."""
    return (
        Delivery.objects.filter(channel=Delivery.Channel.MAIL, batch__isnull=True, sent_at=None)
        .select_related("letter__case")
        .order_by("queued_at", "id")
    )


def mail_queue_count() -> int:
    return mail_queue().count()


def unsent_deliveries() -> QuerySet[Delivery]:
    """Every copy queued and not yet sent, by channel (faxes and portal copies included)."""
    return (
        Delivery.objects.filter(sent_at=None)
        .select_related("letter__case", "batch")
        .order_by("channel", "queued_at", "id")
    )


def mail_batches() -> QuerySet[MailBatch]:
    return MailBatch.objects.select_related("created_by__staff_profile", "sent_by__staff_profile")
