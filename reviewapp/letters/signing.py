"""PAdES signatures on letter PDFs with pyHanko, and the organisation's signing key.

Plain Python: bytes and paths in, bytes and results out; no ORM, no request. The services decide
who may sign and what happens around it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

if TYPE_CHECKING:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.signers import SimpleSigner

# pyHanko takes about 0.4 s to import: it is imported where letters are signed or verified, not
# when Django starts.

SIGNATURE_FIELD = "DeterminationSignature"


class SigningKeyError(Exception):
    """The organisation's signing key cannot be used (missing file, wrong passphrase...)."""


# --- the key -----------------------------------------------------------------------------------


def signing_key_create(
    *, path: Path, organisation: str, passphrase: str = "", years: int = 10
) -> None:
    """Write a new RSA key with a self-signed certificate (CN = the organisation) as PKCS#12.

    For the demo and tests only: production loads the organisation's real key and certificate.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Utilization management"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what pyHanko expects of a signer
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(
        b"letter-signing", key, certificate, None, encryption
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)  # atomic: a reader never sees half a key file


def signer_load(*, path: Path, passphrase: str = "") -> SimpleSigner:
    from pyhanko.sign import signers

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"The organisation's signing key is not available ({path}: {exc.strerror})."
        ) from None
    try:
        return signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=passphrase.encode() if passphrase else None
        )
    except ValueError:
        raise SigningKeyError(
            f"The organisation's signing key at {path} cannot be opened: check the file and "
            "LETTER_SIGNING_PASSPHRASE."
        ) from None


def signer_cached(*, path: Path, passphrase: str = "") -> SimpleSigner:
    """The signer, opened once per process while the key file stays the same (opening the
    PKCS#12 file costs about 35 ms a letter). A key file replaced (rotated) is opened again."""
    try:
        stat = path.stat()
    except OSError:
        return signer_load(path=path, passphrase=passphrase)  # raises the reason
    return _signer_for_file(str(path), stat.st_mtime_ns, stat.st_size, passphrase)


@lru_cache(maxsize=4)
def _signer_for_file(path: str, mtime_ns: int, size: int, passphrase: str) -> SimpleSigner:
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeptKeySigner(signers.SimpleSigner):
        """pyHanko's signer with the RSA key opened once: ``SimpleSigner`` opens it again for
        every signature (twice a letter), and each opening checks the key (about 35 ms)."""

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism.signature_algo != "rsassa_pkcs1v15":
                return super().sign_raw(data, digest_algorithm)
            if not hasattr(self, "_opened_key"):
                self._opened_key = serialization.load_der_private_key(
                    self.signing_key.dump(), password=None
                )
            assert isinstance(self._opened_key, rsa.RSAPrivateKey)
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            return self._opened_key.sign(data, padding.PKCS1v15(), hash_algorithm)

    loaded = signer_load(path=Path(path), passphrase=passphrase)
    return KeptKeySigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )


def certificate_load(*, path: Path, passphrase: str = "") -> asn1_x509.Certificate:
    """The organisation's certificate: the trust root when verifying letters."""
    return signer_load(path=path, passphrase=passphrase).signing_cert


# --- signing -----------------------------------------------------------------------------------


def pdf_sign(
    pdf: bytes, *, signer: SimpleSigner, signer_name: str, reason: str, location: str = ""
) -> bytes:
    """Sign ``pdf`` invisibly (PAdES baseline B) as an incremental update.

    The visible "electronically signed by" line is part of the rendered page. WeasyPrint's
    /Producer is dropped from the Info dictionary first: pyHanko writes its own producer into both
    Info and the XMP metadata, and PDF/A wants the two to agree.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        info_ref = None
    if info_ref is not None:
        info = info_ref.get_object()
        if "/Producer" in info:
            del info["/Producer"]
            writer.mark_update(info_ref)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        name=signer_name,
        reason=reason,
        location=location or None,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
    )
    out = signers.sign_pdf(writer, metadata, signer=signer)
    return out.getvalue()


# --- verifying ---------------------------------------------------------------------------------


@dataclass
class SignatureCheck:
    """What a signed PDF says about itself, checked against the organisation's certificate."""

    signed: bool = False
    intact: bool = False  # the signed bytes are unchanged and the signature covers the whole file
    trusted: bool = False  # the signing certificate is the organisation's
    bottom_line: bool = False  # pyHanko's overall judgement (integrity, trust, modifications)
    signer_subject: str = ""
    signer_serial: str = ""
    signer_name: str = ""
    reason: str = ""
    signed_at: dt.datetime | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.signed and self.intact and self.trusted and self.bottom_line


def pdf_verify(data: bytes, *, trust_roots: list[asn1_x509.Certificate]) -> SignatureCheck:
    """Validate the letter's signature. Never raises on a bad file: it reports what is wrong."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    check = SignatureCheck()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_signatures
    except Exception as exc:  # any parse failure means the file is not what was signed
        check.problems.append(f"The file cannot be read as a PDF ({type(exc).__name__}).")
        return check
    if not embedded:
        check.problems.append("The file carries no digital signature.")
        return check
    if len(embedded) > 1:
        check.problems.append("The file carries more than one signature; a letter has one.")
    sig = embedded[-1]
    check.signed = True
    check.signer_name = str(sig.sig_object.get("/Name", ""))
    check.reason = str(sig.sig_object.get("/Reason", ""))
    try:
        status = validate_pdf_signature(
            sig,
            signer_validation_context=ValidationContext(
                trust_roots=trust_roots, allow_fetching=False
            ),
        )
    except Exception as exc:
        check.problems.append(f"The signature cannot be validated ({type(exc).__name__}).")
        return check
    cert = status.signing_cert
    check.signer_subject = cert.subject.human_friendly
    check.signer_serial = format(cert.serial_number, "x")
    check.signed_at = status.signer_reported_dt
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    check.intact = bool(status.intact and status.valid and whole_file)
    check.trusted = bool(status.trusted)
    check.bottom_line = bool(status.bottom_line)
    if not (status.intact and status.valid):
        check.problems.append("The signed content has been changed since it was signed.")
    elif not whole_file:
        check.problems.append("Content was added to the file after it was signed.")
    if not status.trusted:
        check.problems.append("The signing certificate is not the organisation's.")
    return check


__all__ = [
    "SIGNATURE_FIELD",
    "SignatureCheck",
    "SigningKeyError",
    "certificate_load",
    "pdf_sign",
    "pdf_verify",
    "signer_load",
    "signing_key_create",
]
