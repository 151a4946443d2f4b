"""Letters: sign once, store, deliver, verify.

Signing is all or nothing. The letter is rendered and signed in memory first; only then, in one
transaction, is the PDF stored, its SHA-256 and signing time recorded (on the ``Letter``, and for a
determination letter on the determination too), the signing written to the case timeline, and one
delivery queued per recipient (the member by mail; the provider by fax when the case has a fax
number, else by mail). Any failure leaves nothing behind and says why.

Sending is separate, and it is what the clock waits for: a faxed or portal copy is marked sent by
whoever sent it; mailed copies are printed together in a mail batch (one PDF, an address page for a
window envelope before each letter) and marked sent with the batch. When the member's copy of a
determination letter is sent, that is the notice: the case records its notice time and closes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from criteria import letter_wording
from reviewapp.accounts.models import staff_display_name
from reviewapp.cases.models import Case, CaseStatus, EventKind
from reviewapp.cases.services import case_lock, case_transition, event_record
from reviewapp.decisions.models import Determination

from . import rendering, selectors, signing
from .content import notices, taglines
from .models import Delivery, Letter, MailBatch

logger = logging.getLogger(__name__)


class LetterRefused(Exception):
    """The letter cannot be signed or sent now (its state, or it changed since the preview)."""

    status = 409


class LetterFailed(LetterRefused):
    """Rendering or signing failed; nothing was stored and the determination is unsigned."""

    status = 503


class SigningForbidden(PermissionDenied):
    """The user's role or identity does not allow signing this letter (403, audited)."""


# --- content and rendering ---------------------------------------------------------------------


def letter_content(
    *, determination: Determination, letter_date: dt.date | None = None
) -> notices.LetterContent:
    """What the determination's letter says, dated ``letter_date`` (today unless given)."""
    try:
        inputs = selectors.determination_letter_inputs(determination)
        return notices.determination_letter(inputs, letter_date=letter_date or timezone.localdate())
    except (selectors.NoNoticeSettings, notices.LetterContentError) as exc:
        raise LetterRefused(f"The letter cannot be written: {exc}") from None


def letter_render_html(*, determination: Determination, letter_date: dt.date | None = None) -> str:
    """The letter as HTML: what the decider previews, and exactly what the PDF is made from.

    ``letter_date`` is the date printed on the letter and beside the signature: the signing date,
    today unless given.
    """
    return letter_content(determination=determination, letter_date=letter_date).html()


def letter_digest(html: str) -> str:
    """The fingerprint of a letter's HTML, carried by the preview's sign form."""
    return hashlib.sha256(html.encode()).hexdigest()


def content_render_pdf(content: notices.LetterContent, *, html: str | None = None) -> bytes:
    """Any letter's content as an archival PDF (PDF/A-3b, tagged, fonts embedded); unsigned."""
    return rendering.pdf_render(
        body=content.html() if html is None else html,
        title=content.title,
        description=content.description,
        author=content.author,
        identifier=content.identifier,
        options=content.options,
        extra_font_faces=taglines.font_faces(),
    )


def letter_render_pdf(*, determination: Determination, html: str | None = None) -> bytes:
    """The determination's letter as an archival PDF, not yet signed."""
    return content_render_pdf(letter_content(determination=determination), html=html)


# --- the signing key ---------------------------------------------------------------------------


def signing_key_path() -> Path:
    return Path(settings.LETTER_SIGNING_PKCS12)


def signing_key_ensure() -> tuple[Path, bool]:
    """Generate the demo signing key and self-signed certificate if there is none (idempotent).

    Returns the path and whether a key was created.
    """
    path = signing_key_path()
    if path.exists():
        return path, False
    signing.signing_key_create(
        path=path,
        organisation=settings.ORGANISATION_NAME,
        passphrase=settings.LETTER_SIGNING_PASSPHRASE,
    )
    return path, True


def _pdf_sign(pdf: bytes, *, signer_name: str, reason: str, what: str) -> bytes:
    """Sign rendered bytes with the organisation's key; ``LetterFailed`` when that fails."""
    try:
        signer = signing.signer_cached(
            path=signing_key_path(), passphrase=settings.LETTER_SIGNING_PASSPHRASE
        )
        return signing.pdf_sign(
            pdf,
            signer=signer,
            signer_name=signer_name,
            reason=reason,
            location=settings.ORGANISATION_ADDRESS,
        )
    except signing.SigningKeyError as exc:
        logger.error("Letter signing key unavailable: %s", exc)
        raise LetterFailed(
            f"The letter was not signed: {exc} Nothing was saved; the {what} is still unsigned."
        ) from exc


# --- determination letters ---------------------------------------------------------------------


def determination_require_unsigned(*, determination: Determination) -> None:
    """Refuse any change to a signed determination: its letter is issued and never changes.

    For every service that writes to a determination (the signing service calls it under the row
    lock). Raises ``LetterRefused``.
    """
    if determination.is_signed or determination.letter_sha256:
        raise LetterRefused(
            f"The determination for {determination.case.reference} is signed and can never "
            "change. A correction reopens the case and produces a new determination."
        )


def letter_sign(*, determination: Determination, by: User, preview_digest: str) -> Determination:
    """The decider signs the letter they previewed; its copies are queued for delivery.

    Refuses (``SigningForbidden``, audited) anyone but the decider, and for a denial, partial
    approval or exception anyone without the medical director's permission; refuses
    (``LetterRefused``) a withdrawn, signed or superseded determination, a case not decided, and a
    letter whose content changed since the preview; ``LetterFailed`` when rendering or signing
    fails. In every refusal or failure nothing is written but the audit of a forbidden attempt.
    The case stays decided until the member's copy is sent (the notice).
    """
    case = determination.case
    forbidden = selectors.sign_forbidden_reason(determination=determination, user=by)
    if forbidden:
        # Outside any transaction: the record of the refusal survives the refusal.
        event_record(
            case=case,
            actor=by,
            kind=EventKind.REFUSED,
            summary=f"Refused: sign the letter of determination {determination.pk}. {forbidden}",
            after={"action": "sign_letter", "determination": determination.pk},
        )
        raise SigningForbidden(forbidden)
    refused = selectors.sign_refused_reason(determination=determination, case=case)
    if refused:
        raise LetterRefused(refused)

    signed_on = timezone.localdate()
    content = letter_content(determination=determination, letter_date=signed_on)
    html = content.html()
    if letter_digest(html) != preview_digest:
        raise LetterRefused(
            "The letter changed since you previewed it (or the date changed). Nothing was "
            "signed: read the letter again and sign what you see."
        )
    try:
        pdf = content_render_pdf(content, html=html)
        signed = _pdf_sign(
            pdf,
            signer_name=_signer_name(determination),
            reason=signature_reason(determination),
            what="determination",
        )
    except LetterFailed:
        raise
    except Exception as exc:
        logger.exception(
            "Rendering or signing the letter of determination %s failed", determination.pk
        )
        raise LetterFailed(
            "The letter could not be rendered and signed, because of an error on our side. "
            "Nothing was saved; the determination is still unsigned. Try again, and tell an "
            "administrator if it keeps happening."
        ) from exc
    return _letter_store(
        determination=determination,
        by=by,
        pdf=signed,
        html_digest=letter_digest(html),
        options=content.options,
    )


def _letter_store(
    *,
    determination: Determination,
    by: User,
    pdf: bytes,
    html_digest: str,
    options: rendering.PrintOptions,
) -> Determination:
    sha256 = hashlib.sha256(pdf).hexdigest()
    storage = letter_storage()
    stored_name = ""
    try:
        with transaction.atomic():
            case = case_lock(determination.case)  # the lock order of every case service
            locked = Determination.objects.select_for_update().get(pk=determination.pk)
            locked.case = case
            determination_require_unsigned(determination=locked)
            refused = selectors.sign_refused_reason(determination=locked, case=case)
            if refused:  # re-checked under the lock: someone may have signed meanwhile
                raise LetterRefused(refused)
            stored_name = storage.save(_storage_name(case, locked), ContentFile(pdf))
            now = timezone.now()
            locked.letter_pdf.name = stored_name
            locked.letter_sha256 = sha256
            locked.signed_at = now
            locked.save(update_fields=["letter_pdf", "letter_sha256", "signed_at"])
            letter = Letter.objects.create(
                case=case,
                kind=Letter.Kind.DETERMINATION,
                determination=locked,
                language=options.language,
                large_print=options.large_print,
                pdf=stored_name,
                sha256=sha256,
                size=len(pdf),
                signed_at=now,
                signed_by=by,
                signer_name=_signer_name(locked),
            )
            queued = _deliveries_queue(letter=letter, case=case, by=by, at=now)
            event_record(
                case=case,
                actor=by,
                kind=EventKind.LETTER_SIGNED,
                summary=f"Determination letter signed by {staff_display_name(by)} "
                f"({locked.get_outcome_display().lower()}); SHA-256 {sha256[:16]}…; "
                f"queued: {queued}",
                after={
                    "determination": locked.pk,
                    "letter": letter.pk,
                    "outcome": locked.outcome,
                    "sha256": sha256,
                    "size": len(pdf),
                    "letter_html_sha256": html_digest,
                    "fingerprint": determination_fingerprint(locked),
                    "language": options.language,
                    "large_print": options.large_print,
                },
            )
    except BaseException:
        if stored_name:
            try:
                storage.delete(stored_name)
            except Exception:  # the original error matters more than the clean-up's
                logger.exception("Could not remove the unsaved letter %s", stored_name)
        raise
    return locked


def letter_storage():
    """The private storage signed letters live in (the determination's file field's)."""
    return Determination._meta.get_field("letter_pdf").storage


def _storage_name(case: Case, determination: Determination) -> str:
    return f"letters/{case.pk}/{determination.pk}-{uuid.uuid4().hex}.pdf"


def _signer_name(determination: Determination) -> str:
    name = determination.decider_name
    if determination.decider_credentials:
        name += f", {determination.decider_credentials}"
    return f"{name} ({determination.decider_role})"


def signature_reason(determination: Determination) -> str:
    return (
        f"Determination {determination.pk} on case {determination.case.reference}: "
        f"{determination.get_outcome_display()}"
    )


def determination_fingerprint(determination: Determination) -> str:
    """A digest of what the determination says, recorded when its letter is signed.

    ``letter_integrity_problems`` compares it later: a signed determination changed by any path
    (the admin, a shell, a migration) is detected.
    """
    codes = list(
        determination.code_decisions.order_by("id").values_list(
            "code", "units", "description", "decision", "reason"
        )
    )
    record = {
        "case": determination.case_id,
        "outcome": determination.outcome,
        "decided_by": determination.decided_by_id,
        "decider": [
            determination.decider_name,
            determination.decider_credentials,
            determination.decider_role,
        ],
        "decided_at": determination.decided_at.isoformat(),
        "reasons": determination.reasons,
        "rationale": determination.rationale,
        "criteria": determination.criteria_snapshot,
        "policy": determination.policy_snapshot,
        "codes": codes,
        "supersedes": determination.supersedes_id,
    }
    return hashlib.sha256(
        json.dumps(record, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


# --- extension notices -------------------------------------------------------------------------


def extension_notice_content(
    *,
    case: Case,
    by: User,
    previous_due_at: dt.datetime,
    information_wanted: str = "",
    respond_by: dt.date | None = None,
) -> tuple[notices.LetterContent, dict]:
    """What the notice of an extended due time says, and the record it is built from.

    ``respond_by`` defaults to 45 days from today for commercial plans (29 CFR
    2560.503-1(f)(2)(iii)(B): at least 45 days to send missing information) and to the new due
    date otherwise.
    """
    options = selectors.case_print_options(case)
    if not information_wanted.strip():
        try:
            information_wanted = selectors.information_wanted(case, language=options.language)
        except letter_wording.WordingMissing as exc:
            raise LetterRefused(f"The extension notice cannot be written: {exc}") from None
    if respond_by is None:
        respond_by = (
            timezone.localdate() + dt.timedelta(days=45)
            if case.line_of_business == "commercial"
            else timezone.localdate(case.due_at)
        )
    details = {
        "new_due_at": case.due_at.isoformat(),
        "previous_due_at": previous_due_at.isoformat(),
        "information_wanted": information_wanted.strip(),
        "respond_by": respond_by.isoformat(),
        "language": options.language,
        "large_print": options.large_print,
        "signer_role": "Medical director"
        if by.has_perm("accounts.decide_adverse")
        else "Nurse reviewer",
    }
    identifier = f"{case.reference}/extension-{uuid.uuid4().hex[:12]}"
    try:
        content = notices.extension_letter(
            selectors.extension_letter_inputs(
                case, details=details, signer=by, identifier=identifier
            ),
            letter_date=timezone.localdate(),
        )
    except (selectors.NoNoticeSettings, notices.LetterContentError) as exc:
        raise LetterRefused(f"The extension notice cannot be written: {exc}") from None
    return content, details


def extension_notice_issue(
    *,
    case: Case,
    by: User,
    previous_due_at: dt.datetime,
    information_wanted: str = "",
    respond_by: dt.date | None = None,
) -> Letter:
    """Sign and queue the notice that a pend extended the decision's due time.

    Built from the case as it stands (its new due time, the information asked for), recorded in
    the letter's own ``details`` so that it can be rebuilt exactly. The member gets it; the
    provider gets a copy.
    """
    if not case.due_extended:
        raise LetterRefused(f"The due time of {case.reference} was not extended.")
    content, details = extension_notice_content(
        case=case,
        by=by,
        previous_due_at=previous_due_at,
        information_wanted=information_wanted,
        respond_by=respond_by,
    )
    pdf = content_render_pdf(content)
    signer_name = staff_display_name(by)
    signed = _pdf_sign(
        pdf,
        signer_name=signer_name,
        reason=f"Extension notice on case {case.reference}",
        what="extension notice",
    )
    return _extension_store(case=case, by=by, pdf=signed, details=details, signer_name=signer_name)


def _extension_store(*, case: Case, by, pdf: bytes, details: dict, signer_name: str) -> Letter:
    sha256 = hashlib.sha256(pdf).hexdigest()
    storage = letter_storage()
    stored_name = ""
    try:
        with transaction.atomic():
            case = case_lock(case)
            stored_name = storage.save(
                f"letters/{case.pk}/extension-{uuid.uuid4().hex}.pdf", ContentFile(pdf)
            )
            now = timezone.now()
            letter = Letter.objects.create(
                case=case,
                kind=Letter.Kind.EXTENSION,
                language=details["language"],
                large_print=details["large_print"],
                details=details,
                pdf=stored_name,
                sha256=sha256,
                size=len(pdf),
                signed_at=now,
                signed_by=by,
                signer_name=signer_name,
            )
            queued = _deliveries_queue(letter=letter, case=case, by=by, at=now)
            event_record(
                case=case,
                actor=by,
                kind=EventKind.EXTENSION_NOTICE_SIGNED,
                summary=f"Extension notice signed by {signer_name}; decision due "
                f"{timezone.localtime(case.due_at):%Y-%m-%d %H:%M}; queued: {queued}",
                after={"letter": letter.pk, "sha256": sha256, "new_due_at": details["new_due_at"]},
            )
    except BaseException:
        if stored_name:
            try:
                storage.delete(stored_name)
            except Exception:
                logger.exception("Could not remove the unsaved letter %s", stored_name)
        raise
    return letter


# --- delivery ----------------------------------------------------------------------------------


def _deliveries_queue(*, letter: Letter, case: Case, by, at: dt.datetime) -> str:
    """One delivery per recipient: the member by mail, the provider by fax when the case has a
    fax number, else by mail. Returns what was queued, in words, for the timeline."""
    member, provider = selectors.case_parties(case)
    provider_channel = Delivery.Channel.FAX if provider.fax else Delivery.Channel.MAIL
    Delivery.objects.bulk_create(
        [
            Delivery(
                letter=letter,
                recipient=Delivery.Recipient.MEMBER,
                channel=Delivery.Channel.MAIL,
                name=member.name,
                address_lines=list(member.address_lines),
                queued_at=at,
                queued_by=by,
            ),
            Delivery(
                letter=letter,
                recipient=Delivery.Recipient.PROVIDER,
                channel=provider_channel,
                name=provider.name,
                address_lines=list(provider.address_lines),
                fax=provider.fax,
                queued_at=at,
                queued_by=by,
            ),
        ]
    )
    return f"member by mail, provider by {provider_channel}"


def delivery_mark_sent(*, delivery: Delivery, by: User) -> Delivery:
    """Record that a faxed or portal copy went out (mailed copies go with their batch)."""
    if delivery.channel == Delivery.Channel.MAIL:
        raise LetterRefused("Mailed copies are sent with their mail batch: print a batch first.")
    with transaction.atomic():
        case = case_lock(delivery.letter.case)
        locked = Delivery.objects.select_for_update().select_related("letter").get(pk=delivery.pk)
        if locked.sent_at is not None:
            raise LetterRefused(
                f"This copy was already sent on {timezone.localtime(locked.sent_at):%Y-%m-%d %H:%M}."
            )
        _delivery_sent(case=case, delivery=locked, by=by, at=timezone.now())
    return locked


def _delivery_sent(*, case: Case, delivery: Delivery, by, at: dt.datetime) -> None:
    delivery.sent_at, delivery.sent_by = at, by
    delivery.save(update_fields=["sent_at", "sent_by"])
    letter = delivery.letter
    event_record(
        case=case,
        actor=by,
        kind=EventKind.LETTER_SENT,
        summary=f"{letter.get_kind_display()} sent to the {delivery.get_recipient_display().lower()}"
        f" by {delivery.get_channel_display().lower()} ({delivery.name})",
        after={
            "letter": letter.pk,
            "delivery": delivery.pk,
            "recipient": delivery.recipient,
            "channel": delivery.channel,
            "sent_at": at.isoformat(),
        },
    )
    if (
        letter.kind == Letter.Kind.DETERMINATION
        and delivery.recipient == Delivery.Recipient.MEMBER
        and case.status == CaseStatus.DECIDED
    ):
        # The notice: the member is told. The clock stops here, and the case closes.
        case_transition(
            case,
            to=CaseStatus.CLOSED,
            by=by,
            kind=EventKind.CLOSED,
            summary=f"Member notified; case {case.reference} closed",
            closed_at=at,
            notice_sent_at=at,
        )


def mail_batch_create(*, by: User) -> MailBatch:
    """Print every queued mail copy in one PDF: before each letter, an address page placed for
    a standard #10 window envelope. Copies without an address are left queued and named."""
    queue = list(selectors.mail_queue())
    printable = [d for d in queue if d.address_lines]
    if not printable:
        missing = [
            f"{d.letter.case.reference} ({d.get_recipient_display().lower()})" for d in queue
        ]
        raise LetterRefused(
            "Nothing to print: no copy is waiting for mail"
            + (f" with an address (missing: {', '.join(missing)})." if missing else ".")
        )
    pages = address_pages_pdf(printable)
    parts = []
    for index, delivery in enumerate(printable):
        with delivery.letter.pdf.open("rb") as handle:
            parts.append((index, handle.read()))
    pdf, page_count = _interleave(pages, [data for _, data in parts])
    sha256 = hashlib.sha256(pdf).hexdigest()
    storage = letter_storage()
    stored_name = storage.save(f"letters/batches/{uuid.uuid4().hex}.pdf", ContentFile(pdf))
    try:
        with transaction.atomic():
            batch = MailBatch.objects.create(
                created_at=timezone.now(),
                created_by=by,
                pdf=stored_name,
                sha256=sha256,
                page_count=page_count,
            )
            updated = Delivery.objects.filter(
                pk__in=[d.pk for d in printable], batch__isnull=True, sent_at=None
            ).update(batch=batch)
            if updated != len(printable):
                raise LetterRefused("Someone printed some of these copies meanwhile; try again.")
            for case_id in sorted({d.letter.case_id for d in printable}):
                case = Case.objects.get(pk=case_id)
                event_record(
                    case=case,
                    actor=by,
                    kind=EventKind.MAIL_BATCH_PRINTED,
                    summary=f"Letter printed for mail in batch {batch.pk}",
                    after={"batch": batch.pk},
                )
    except BaseException:
        storage.delete(stored_name)
        raise
    return batch


def address_pages_pdf(deliveries: list[Delivery]) -> bytes:
    """One address page per copy, in one render: return address top left, the recipient where a
    #10 window envelope shows it (2 1/8 in from the top, 7/8 in from the left)."""
    body = render_to_string(
        "letters/address_pages.html",
        {
            "organisation": notices.Organisation.from_settings(),
            "pages": [
                {"name": d.name, "lines": d.address_lines, "reference": d.letter.case.reference}
                for d in deliveries
            ],
        },
    )
    return rendering.pdf_render(
        body=body,
        title="Address pages",
        description="Address pages for window envelopes",
        author=settings.ORGANISATION_NAME,
        identifier=f"address-pages-{uuid.uuid4().hex}",
    )


def _interleave(address_pages: bytes, letters: list[bytes]) -> tuple[bytes, int]:
    import io

    from pypdf import PdfReader, PdfWriter

    addresses = PdfReader(io.BytesIO(address_pages))
    writer = PdfWriter()
    for index, data in enumerate(letters):
        writer.add_page(addresses.pages[index])
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def mail_batch_mark_sent(*, batch: MailBatch, by: User) -> MailBatch:
    """The batch went out: every copy in it is sent, now, by this person."""
    with transaction.atomic():
        locked = MailBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.sent_at is not None:
            raise LetterRefused(
                f"Batch {locked.pk} was marked sent on "
                f"{timezone.localtime(locked.sent_at):%Y-%m-%d %H:%M}."
            )
        now = timezone.now()
        locked.sent_at, locked.sent_by = now, by
        locked.save(update_fields=["sent_at", "sent_by"])
        deliveries = list(
            Delivery.objects.filter(batch=locked, sent_at=None)
            .select_related("letter")
            .order_by("letter__case_id", "id")
        )
        for delivery in deliveries:
            case = case_lock(delivery.letter.case)
            _delivery_sent(case=case, delivery=delivery, by=by, at=now)
    return locked


# --- reading the signed letter -----------------------------------------------------------------


def letter_signed_bytes(*, determination: Determination) -> bytes:
    """The stored letter, checked against its recorded SHA-256 before anyone gets it."""
    if not determination.is_signed or not determination.letter_pdf:
        raise LetterRefused(f"Determination {determination.pk} has no signed letter yet.")
    return _checked_bytes(determination.letter_pdf, determination.letter_sha256, determination.pk)


def letter_file_bytes(*, letter: Letter) -> bytes:
    """Any issued letter's stored bytes, checked against its SHA-256."""
    return _checked_bytes(letter.pdf, letter.sha256, letter.pk)


def mail_batch_bytes(*, batch: MailBatch) -> bytes:
    return _checked_bytes(batch.pdf, batch.sha256, batch.pk)


def _checked_bytes(field, sha256: str, pk) -> bytes:
    with field.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        logger.error("Stored file %s (record %s) does not match its hash", field.name, pk)
        raise LetterFailed(
            "The stored letter does not match the fingerprint recorded when it was signed; it "
            "is not served. Tell an administrator."
        )
    return data


def letter_integrity_problems(*, determination: Determination) -> list[str]:
    """What is wrong with a signed determination's record, if anything (empty: all is well).

    Checks the stored bytes against the recorded SHA-256, and the determination's content
    against the fingerprint recorded in the timeline when it was signed.
    """
    problems = []
    try:
        letter_signed_bytes(determination=determination)
    except LetterRefused as exc:
        problems.append(str(exc))
    except OSError:
        problems.append("The stored letter file is missing.")
    event = (
        determination.case.events.filter(
            kind=EventKind.LETTER_SIGNED, after__determination=determination.pk
        )
        .order_by("-at")
        .first()
    )
    if event is None or not event.after:
        problems.append("The timeline has no record of this letter's signing.")
    elif event.after.get("fingerprint") != determination_fingerprint(determination):
        problems.append("The determination was changed after its letter was signed.")
    elif event.after.get("sha256") != determination.letter_sha256:
        problems.append("The recorded letter hash was changed after signing.")
    return problems


# --- verifying ---------------------------------------------------------------------------------


@dataclass
class LetterVerification:
    check: signing.SignatureCheck
    sha256: str
    size: int
    determinations: list[Determination]
    letters: list[Letter]

    @property
    def determination(self) -> Determination | None:
        return self.determinations[0] if self.determinations else None

    @property
    def letter(self) -> Letter | None:
        return self.letters[0] if self.letters else None

    @property
    def on_record(self) -> bool:
        return self.determination is not None or self.letter is not None

    @property
    def verified(self) -> bool:
        return self.check.verified and self.on_record

    def as_dict(self) -> dict:
        d, letter = self.determination, self.letter
        return {
            "signed": self.check.signed,
            "intact": self.check.intact,
            "trusted": self.check.trusted,
            "verified": self.verified,
            "signer_certificate": self.check.signer_subject,
            "signer_certificate_serial": self.check.signer_serial,
            "signer_name": self.check.signer_name,
            "reason": self.check.reason,
            "signed_at": self.check.signed_at.isoformat() if self.check.signed_at else None,
            "sha256": self.sha256,
            "size": self.size,
            "matches": {
                "determination": d.pk,
                "case": d.case.reference,
                "outcome": d.outcome,
                "signed_at": d.signed_at.isoformat() if d.signed_at else None,
            }
            if d
            else None,
            "letter": {
                "id": letter.pk,
                "kind": letter.kind,
                "case": letter.case.reference,
                "language": letter.language,
                "large_print": letter.large_print,
            }
            if letter
            else None,
            "problems": self.check.problems,
        }


def letter_verify(*, data: bytes) -> LetterVerification:
    """Is the signature intact, which certificate signed, which letter on record this is."""
    try:
        trust_roots = [
            signing.certificate_load(
                path=signing_key_path(), passphrase=settings.LETTER_SIGNING_PASSPHRASE
            )
        ]
    except signing.SigningKeyError:
        trust_roots = []
    check = signing.pdf_verify(data, trust_roots=trust_roots)
    if not trust_roots:
        check.problems.append(
            "The organisation's certificate is not available here, so the signer cannot be "
            "confirmed as the organisation."
        )
    sha256 = hashlib.sha256(data).hexdigest()
    return LetterVerification(
        check=check,
        sha256=sha256,
        size=len(data),
        determinations=selectors.determinations_by_sha256(sha256),
        letters=selectors.letters_by_sha256(sha256),
    )


# --- letters of other kinds (appeal decisions) -------------------------------------------------


def letter_issue(
    *,
    case: Case,
    kind: str,
    content: notices.LetterContent,
    html: str,
    by: User,
    signer_name: str,
    signature_reason: str,
    summary: str,
    details: dict,
    determination: Determination | None = None,
    within: Callable[[Letter], None] | None = None,
) -> Letter:
    """Sign and issue a letter of another kind (an appeal decision), all or nothing, as a
    determination letter is: ``html`` (the content the signer previewed) is rendered and signed
    first, outside any transaction; then in one transaction, under the case lock, the PDF is
    stored with its SHA-256, the ``Letter`` recorded with ``details`` (what it was built from),
    its copies queued (the member by mail, the provider by fax or mail), ``within(letter)`` run
    (the caller's own record of the letter; raising there undoes everything) and the signing
    written to the timeline. ``LetterFailed`` when rendering or signing fails; nothing is kept.

    A ``determination`` the letter announces (an overturn's new determination) is signed with it:
    its letter fields are set, and the timeline records its fingerprint, exactly as for a
    determination letter (``letter_integrity_problems`` checks both).
    """
    try:
        pdf = content_render_pdf(content, html=html)
        signed = _pdf_sign(pdf, signer_name=signer_name, reason=signature_reason, what=kind)
    except LetterFailed:
        raise
    except Exception as exc:
        logger.exception("Rendering or signing a %s letter on case %s failed", kind, case.pk)
        raise LetterFailed(
            "The letter could not be rendered and signed, because of an error on our side. "
            "Nothing was saved. Try again, and tell an administrator if it keeps happening."
        ) from exc
    sha256 = hashlib.sha256(signed).hexdigest()
    storage = letter_storage()
    stored_name = ""
    try:
        with transaction.atomic():
            case = case_lock(case)
            locked = None
            if determination is not None:
                locked = Determination.objects.select_for_update().get(pk=determination.pk)
                locked.case = case
                determination_require_unsigned(determination=locked)
            stored_name = storage.save(
                f"letters/{case.pk}/{kind}-{uuid.uuid4().hex}.pdf", ContentFile(signed)
            )
            now = timezone.now()
            letter = Letter.objects.create(
                case=case,
                kind=kind,
                determination=locked,
                language=content.options.language,
                large_print=content.options.large_print,
                details=details,
                pdf=stored_name,
                sha256=sha256,
                size=len(signed),
                signed_at=now,
                signed_by=by,
                signer_name=signer_name,
            )
            signed_determination: dict = {}
            if locked is not None:
                locked.letter_pdf.name = stored_name
                locked.letter_sha256 = sha256
                locked.signed_at = now
                locked.save(update_fields=["letter_pdf", "letter_sha256", "signed_at"])
                signed_determination = {
                    "determination": locked.pk,
                    "outcome": locked.outcome,
                    "fingerprint": determination_fingerprint(locked),
                }
            if within is not None:
                within(letter)
            queued = _deliveries_queue(letter=letter, case=case, by=by, at=now)
            event_record(
                case=case,
                actor=by,
                kind=EventKind.LETTER_SIGNED,
                summary=f"{summary}; SHA-256 {sha256[:16]}…; queued: {queued}",
                after={
                    **details,
                    "letter": letter.pk,
                    "kind": kind,
                    "sha256": sha256,
                    "size": len(signed),
                    "letter_html_sha256": letter_digest(html),
                    "language": content.options.language,
                    "large_print": content.options.large_print,
                    **signed_determination,
                },
            )
    except BaseException:
        if stored_name:
            try:
                storage.delete(stored_name)
            except Exception:  # the original error matters more than the clean-up's
                logger.exception("Could not remove the unsaved letter %s", stored_name)
        raise
    return letter
