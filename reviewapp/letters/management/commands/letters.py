"""``manage.py letters verify|write-signed|specimens|demo-key``: letters from the command line.

- ``verify FILE.pdf [--json]``: is the signature intact, which certificate signed, which letter on
  record this is. Exit status 0 when verified and on record, 1 when the signature is missing,
  broken or not the organisation's, 2 when intact but no letter on record has this file.
- ``write-signed --case REFERENCE --out FILE.pdf``: write the case's signed determination letter,
  the stored bytes exactly as signed (nothing is rendered).
- ``specimens --out DIR``: a signed specimen of every letter variant for compliance review,
  from synthetic determinations built through the real services.
- ``demo-key``: generate the demo signing key and certificate if there is none.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from reviewapp.letters import selectors, services


class Command(BaseCommand):
    help = "Verify, write out and make specimens of signed letters."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Check a letter PDF's signature and hash.")
        verify.add_argument("file", type=Path)
        verify.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the result as JSON."
        )
        write = sub.add_parser(
            "write-signed", help="Write a case's stored, signed determination letter to a file."
        )
        write.add_argument("--case", required=True, help="Case reference, e.g. UM-2025-000012")
        write.add_argument("--out", required=True, type=Path)
        specimens = sub.add_parser(
            "specimens", help="Write a signed specimen of every letter variant into a folder."
        )
        specimens.add_argument("--out", required=True, type=Path)
        sub.add_parser("demo-key", help="Generate the demo signing key if there is none.")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"do_{action.replace('-', '_')}")(**options)

    def do_verify(self, file: Path, as_json: bool = False, **_) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        result = services.letter_verify(data=data)
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        else:
            check, d, letter = result.check, result.determination, result.letter
            yes = {True: "yes", False: "no"}
            self.stdout.write(f"file:        {file}")
            self.stdout.write(f"signed:      {yes[check.signed]}")
            self.stdout.write(f"intact:      {yes[check.intact]}")
            self.stdout.write(f"trusted:     {yes[check.trusted]}")
            self.stdout.write(f"certificate: {check.signer_subject or '-'}")
            self.stdout.write(f"signer:      {check.signer_name or '-'}")
            self.stdout.write(f"reason:      {check.reason or '-'}")
            self.stdout.write(f"sha256:      {result.sha256}")
            if d:
                match = f"determination {d.pk}, case {d.case.reference} ({d.outcome})"
            elif letter:
                match = (
                    f"{letter.get_kind_display().lower()} {letter.pk}, case {letter.case.reference}"
                )
            else:
                match = "none"
            self.stdout.write(f"matches:     {match}")
            for problem in check.problems:
                self.stderr.write(f"problem:     {problem}")
        if not result.check.verified:
            raise CommandError(
                "the letter is NOT verified: "
                + ("; ".join(result.check.problems) or "the signature is not valid"),
                returncode=1,
            )
        if not result.on_record:
            raise CommandError(
                "the signature is intact, but no letter on record has this file", returncode=2
            )

    def do_write_signed(self, case: str, out: Path, **_) -> None:
        try:
            determination = selectors.signed_determination_for_case(reference=case)
            data = services.letter_signed_bytes(determination=determination)
        except (Http404, services.LetterRefused) as exc:
            raise CommandError(str(exc)) from None
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(
            f"Wrote the signed letter of determination {determination.pk} "
            f"({determination.case.reference}, {determination.outcome}) to {out}: "
            f"{len(data):,} bytes, SHA-256 {determination.letter_sha256}"
        )

    def do_specimens(self, out: Path, **_) -> None:
        from reviewapp.letters import specimens

        try:
            written = specimens.specimens_write(out=out, progress=self.stdout.write)
        except specimens.SpecimenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Wrote {len(written)} signed specimens to {out}")

    def do_demo_key(self, **_) -> None:
        path, created = services.signing_key_ensure()
        self.stdout.write(
            f"{'Created' if created else 'Kept'} the letter signing key and certificate: {path}"
        )
