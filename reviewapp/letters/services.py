"""Determination letters: render, sign once, store, verify.

Signing is all or nothing. The letter is rendered and signed in memory first; only then, in one
transaction, is the PDF stored, its SHA-256 and signing time recorded on the determination, the
signing written to the case timeline and the case closed. Any failure leaves the determination
unsigned, the case as it was and no file behind, and says why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from reviewapp.accounts.models import staff_display_name
from reviewapp.cases.models import Case, CaseStatus, EventKind
from reviewapp.cases.services import case_lock, case_transition, event_record
from reviewapp.decisions.models import Determination

from . import selectors, signing

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "letters"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = (
    ("DejaVuSans.ttf", "normal", "normal"),
    ("DejaVuSans-Bold.ttf", "bold", "normal"),
    ("DejaVuSans-Oblique.ttf", "normal", "italic"),
    ("DejaVuSans-BoldOblique.ttf", "bold", "italic"),
)


class LetterRefused(Exception):
    """The letter cannot be signed now (its state, or it changed since the preview)."""

    status = 409


class LetterFailed(LetterRefused):
    """Rendering or signing failed; nothing was stored and the determination is unsigned."""

    status = 503


class SigningForbidden(PermissionDenied):
    """The user's role or identity does not allow signing this letter (403, audited)."""


# --- rendering ---------------------------------------------------------------------------------


def letter_render_html(*, determination: Determination, letter_date: dt.date | None = None) -> str:
    """The letter as HTML: what the decider previews, and exactly what the PDF is made from.

    ``letter_date`` is the date printed on the letter and beside the signature: the signing date,
    today unless given.
    """
    context = selectors.letter_context(
        determination, letter_date=letter_date or timezone.localdate()
    )
    return render_to_string("letters/_letter.html", context)


def letter_digest(html: str) -> str:
    """The fingerprint of a letter's HTML, carried by the preview's sign form."""
    return hashlib.sha256(html.encode()).hexdigest()


def letter_render_pdf(*, determination: Determination, html: str | None = None) -> bytes:
    """The letter as an archival PDF (PDF/A-3b, tagged, fonts embedded); not yet signed."""
    import weasyprint  # about a second to import: only where letters are rendered

    if html is None:
        html = letter_render_html(determination=determination)
    case = determination.case
    document = render_to_string(
        "letters/letter_document.html",
        {
            # Our own template's output, rendered with autoescaping on.
            "body": mark_safe(html),  # nosec B308 B703
            "case": case,
            "organisation": {"name": settings.ORGANISATION_NAME},
        },
    )
    stylesheets = [
        weasyprint.CSS(string=_font_faces()),
        weasyprint.CSS(filename=str(STATIC_DIR / "letter.css")),
        weasyprint.CSS(filename=str(STATIC_DIR / "letter-print.css")),
    ]
    return weasyprint.HTML(
        string=document, base_url=str(STATIC_DIR), url_fetcher=_local_fetcher(weasyprint)
    ).write_pdf(
        stylesheets=stylesheets,
        pdf_variant="pdf/a-3b",
        pdf_tags=True,
        # A stable identifier per determination: the /ID of the file names what it is about.
        pdf_identifier=hashlib.md5(
            f"{case.reference}/determination-{determination.pk}".encode(), usedforsecurity=False
        )
        .hexdigest()
        .encode(),
    )


def _font_faces() -> str:
    rules = []
    for filename, weight, style in FONT_FILES:
        path = FONT_DIR / filename
        if path.exists():
            rules.append(
                f'@font-face {{ font-family: "Letter Sans"; src: url("{path.as_uri()}"); '
                f"font-weight: {weight}; font-style: {style}; }}"
            )
    return "\n".join(rules)


def _local_fetcher(weasyprint):
    """Letters load nothing from the network: only our stylesheets and the font files."""
    allowed = (STATIC_DIR.as_uri(), FONT_DIR.as_uri())

    class LocalOnly(weasyprint.urls.URLFetcher):  # type: ignore[name-defined]
        def fetch(self, url, headers=None):
            if not url.startswith(allowed) or ".." in url:
                raise ValueError(f"Letters may not load {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file",))


# --- signing -----------------------------------------------------------------------------------


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
    """The decider signs the letter they previewed; the case closes.

    Refuses (``SigningForbidden``, audited) anyone but the decider, and for a denial, partial
    approval or exception anyone without the medical director's permission; refuses
    (``LetterRefused``) a withdrawn, signed or superseded determination, a case not decided, and a
    letter whose content changed since the preview; ``LetterFailed`` when rendering or signing
    fails. In every refusal or failure nothing is written but the audit of a forbidden attempt.
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
    html = letter_render_html(determination=determination, letter_date=signed_on)
    if letter_digest(html) != preview_digest:
        raise LetterRefused(
            "The letter changed since you previewed it (or the date changed). Nothing was "
            "signed: read the letter again and sign what you see."
        )
    try:
        pdf = letter_render_pdf(determination=determination, html=html)
        signer = signing.signer_load(
            path=signing_key_path(), passphrase=settings.LETTER_SIGNING_PASSPHRASE
        )
        signed = signing.pdf_sign(
            pdf,
            signer=signer,
            signer_name=_signer_name(determination),
            reason=signature_reason(determination),
            location=settings.ORGANISATION_ADDRESS,
        )
    except signing.SigningKeyError as exc:
        logger.error("Letter signing key unavailable: %s", exc)
        raise LetterFailed(
            f"The letter was not signed: {exc} Nothing was saved; the determination is still "
            "unsigned."
        ) from exc
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
        determination=determination, by=by, pdf=signed, html_digest=letter_digest(html)
    )


def _letter_store(
    *, determination: Determination, by: User, pdf: bytes, html_digest: str
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
            event_record(
                case=case,
                actor=by,
                kind=EventKind.LETTER_SIGNED,
                summary=f"Determination letter signed by {staff_display_name(by)} "
                f"({locked.get_outcome_display().lower()}); SHA-256 {sha256[:16]}…",
                after={
                    "determination": locked.pk,
                    "outcome": locked.outcome,
                    "sha256": sha256,
                    "size": len(pdf),
                    "letter_html_sha256": html_digest,
                    "fingerprint": determination_fingerprint(locked),
                },
            )
            case_transition(
                case,
                to=CaseStatus.CLOSED,
                by=by,
                kind=EventKind.CLOSED,
                summary=f"Letter signed and sent; case {case.reference} closed",
                closed_at=now,
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
    import json

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


# --- reading the signed letter -----------------------------------------------------------------


def letter_signed_bytes(*, determination: Determination) -> bytes:
    """The stored letter, checked against its recorded SHA-256 before anyone gets it."""
    if not determination.is_signed or not determination.letter_pdf:
        raise LetterRefused(f"Determination {determination.pk} has no signed letter yet.")
    with determination.letter_pdf.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != determination.letter_sha256:
        logger.error("Stored letter of determination %s does not match its hash", determination.pk)
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

    @property
    def determination(self) -> Determination | None:
        return self.determinations[0] if self.determinations else None

    @property
    def verified(self) -> bool:
        return self.check.verified and self.determination is not None

    def as_dict(self) -> dict:
        d = self.determination
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
            "problems": self.check.problems,
        }


def letter_verify(*, data: bytes) -> LetterVerification:
    """Is the signature intact, which certificate signed, which determination is this letter."""
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
    )
