"""A worker that dies mid-work, for tests/reviewapp/test_orphaned_files.py.

``python -m tests.reviewapp.chaos_worker upload <case id> <user id>`` uploads a document to the
case, ``... sign <determination id> <user id>`` signs the determination's letter, through the
product's own services; each stops right after the file is written to the private storage
(before its row is committed), prints ``STORED <name>`` and waits there to be killed.
"""

from __future__ import annotations

import os
import sys
import time


def main(action: str, subject_id: int, user_id: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings_test")
    import django

    django.setup()
    from django.contrib.auth.models import User

    from reviewapp.core.storage import private_storage

    storage_class = type(private_storage())
    save = storage_class._save

    def save_then_hang(self, name, content):
        stored = save(self, name, content)
        print(f"STORED {stored}", flush=True)
        time.sleep(300)  # killed here: the file is written, its row never committed
        return stored

    storage_class._save = save_then_hang
    user = User.objects.get(pk=user_id)
    if action == "upload":
        from reviewapp.cases.models import Case
        from reviewapp.cases.services import evidence_upload
        from tests.factories import pdf_bytes, upload

        evidence_upload(
            case=Case.objects.get(pk=subject_id),
            by=user,
            files=[upload("killed-mid-upload.pdf", pdf_bytes(1, text="chaos"))],
            doc_type="office_note",
            document_date=None,
            source="Chaos test",
        )
    elif action == "sign":
        from reviewapp.decisions.models import Determination
        from reviewapp.letters import services as letters

        determination = Determination.objects.get(pk=subject_id)
        html = letters.letter_render_html(determination=determination)
        letters.letter_sign(
            determination=determination, by=user, preview_digest=letters.letter_digest(html)
        )
    print("FINISHED", flush=True)  # never reached when the test kills it in time


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
