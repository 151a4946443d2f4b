"""Low-severity findings of the second security review: caching, request size, upload caps,
image dimensions, SQLite concurrency, the health probe, and headers on the bad-host page."""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client, override_settings

from criteria import selectors as library
from reviewapp.cases import services
from reviewapp.cases.models import Evidence
from tests.factories import CaseFactory, pdf_bytes

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


# --- Cache-Control: no-store, private on every authenticated response -------------------------


def test_every_authenticated_response_is_no_store_and_private(nurse, nurse_client, role_clients):
    case = CaseFactory(by=nurse)
    node = library.checklist_nodes(case.checklist)["2.d"]
    responses = {
        "page": nurse_client.get("/cases/"),
        "case page": nurse_client.get(f"/cases/{case.pk}/"),
        "fragment": nurse_client.get("/cases/?tab=all", headers=HTMX),
        "save fragment": nurse_client.post(
            f"/cases/{case.pk}/criteria/{node.pk}/answer/",
            {"revision": 0, "status": "met"},
            headers=HTMX,
        ),
        "refused save": nurse_client.post(
            f"/cases/{case.pk}/criteria/{node.pk}/answer/", {"revision": "x"}, headers=HTMX
        ),
        "redirect": nurse_client.post(f"/cases/{case.pk}/claim/"),
        "403": role_clients["administrator"].get(f"/cases/{case.pk}/"),
        "404": nurse_client.get("/cases/999999/"),
        "405": nurse_client.post("/cases/"),
        "admin": role_clients["administrator"].get("/admin/"),
        "sign-in page": Client().get("/accounts/login/"),
        "health probe": Client().get("/healthz"),
    }
    for name, response in responses.items():
        assert no_store(response), (name, response.status_code, response.get("Cache-Control"))


def test_a_server_error_page_is_no_store_too(nurse, monkeypatch):
    from reviewapp.cases import selectors

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "queue_cases", explode)
    client = Client(raise_request_exception=False)
    client.force_login(nurse)
    response = client.get("/cases/")
    assert response.status_code == 500 and no_store(response)


# --- request size, files per request, total size, image dimensions ----------------------------


class Unreadable(io.RawIOBase):
    """A request body that remembers whether anything tried to read it."""

    touched = False

    def read(self, *args):
        self.touched = True
        raise OSError("the body was read")

    readinto = read
    readline = read


def test_a_request_larger_than_the_cap_is_refused_before_its_body_is_read(nurse):
    case = CaseFactory(by=nurse)
    # A signed-in reviewer with a valid CSRF token: nothing but the size stops the request.
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse)
    token = "a" * 32
    client.cookies["csrftoken"] = token
    body = Unreadable()
    response = client.generic(
        "POST",
        f"/cases/{case.pk}/evidence/",
        data=b"-",
        content_type="multipart/form-data; boundary=x",
        headers={"X-CSRFToken": token},
        **{"wsgi.input": body, "CONTENT_LENGTH": str(2 * 1024**3)},  # 2 GB declared
    )
    assert not body.touched
    assert response.status_code == 413
    assert b"The upload is too large" in response.content
    assert not Evidence.objects.filter(case=case).exists()


def upload(client, case, *files):
    return client.post(
        f"/cases/{case.pk}/evidence/",
        {"files": list(files), "doc_type": "office_note", "document_date": "", "source": ""},
        headers=HTMX,
    )


@override_settings(EVIDENCE_MAX_FILES_PER_UPLOAD=3)
def test_too_many_files_in_one_upload_are_refused(nurse, nurse_client):
    case = CaseFactory(by=nurse)
    files = [SimpleUploadedFile(f"note-{i}.txt", f"Note {i}.".encode()) for i in range(4)]
    response = upload(nurse_client, case, *files)
    assert response.status_code == 422
    assert "4 files at once; upload at most 3 at a time." in response.content.decode()
    assert not Evidence.objects.filter(case=case).exists()


@override_settings(EVIDENCE_MAX_REQUEST_MB=1)
def test_files_adding_up_past_the_per_upload_total_are_refused(nurse, nurse_client):
    case = CaseFactory(by=nurse)
    files = [SimpleUploadedFile(f"part-{i}.txt", b"a" * 600_000) for i in range(2)]
    response = upload(nurse_client, case, *files)
    assert response.status_code == 422
    assert "upload at most 1 MB at a time" in response.content.decode()
    assert not Evidence.objects.filter(case=case).exists()


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header declares the given size (the pixels are never there)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(100_000, 100_000), (9_000, 9_000), (40_000, 10)])
def test_images_with_absurd_dimensions_are_refused(nurse, nurse_client, size):
    case = CaseFactory(by=nurse)
    response = upload(nurse_client, case, SimpleUploadedFile("scan.png", png_declaring(*size)))
    assert response.status_code == 422
    text = response.content.decode()
    assert "absurd dimensions" in text or "megapixels" in text
    assert not Evidence.objects.filter(case=case).exists()


def test_an_ordinary_scan_is_accepted(nurse, nurse_client):
    from PIL import Image

    case = CaseFactory(by=nurse)
    out = io.BytesIO()
    Image.new("L", (2550, 3300), 255).save(out, format="PNG")  # a letter page at 300 dpi
    response = upload(nurse_client, case, SimpleUploadedFile("scan.png", out.getvalue()))
    assert response.status_code == 200


# --- SQLite: concurrent saves wait, and a save that times out answers 409 ----------------------


def _demo_sqlite(path, alias: str):
    """A connection to ``path`` configured exactly as the demo's SQLite database, registered
    under ``alias`` for this thread (Django's connections are per thread)."""
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from reviewapp import settings as production

    configured = production.DATABASES["default"]
    options = dict(configured.get("OPTIONS", {}))
    if configured["ENGINE"] != "django.db.backends.sqlite3":  # the run on PostgreSQL
        options = dict(production.SQLITE_OPTIONS)
    options["timeout"] = 5
    connections[alias] = DatabaseWrapper(
        {
            "NAME": str(path),
            "OPTIONS": options,
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "TIME_ZONE": None,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias=alias,
    )
    return connections[alias]


def test_sqlite_saves_wait_for_each_other_instead_of_failing(tmp_path):
    """Two read-then-write transactions on the demo's SQLite settings: the second waits for
    the first, then reads its result, instead of failing with "database is locked"."""
    from django.db import transaction

    path = tmp_path / "demo.sqlite3"
    setup = _demo_sqlite(path, "demo-setup")
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE answer (id INTEGER PRIMARY KEY, revision INTEGER)")
        cursor.execute("INSERT INTO answer VALUES (1, 0)")
    setup.close()
    errors: list[BaseException] = []
    first_in = threading.Event()

    def save(name: str, hold: float, signal: threading.Event | None) -> None:
        db = _demo_sqlite(path, name)
        try:
            with transaction.atomic(using=name), db.cursor() as cursor:
                cursor.execute("SELECT revision FROM answer WHERE id = 1")
                (revision,) = cursor.fetchone()
                if signal:
                    signal.set()
                time.sleep(hold)
                cursor.execute("UPDATE answer SET revision = %s WHERE id = 1", [revision + 1])
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.close()

    first = threading.Thread(target=save, args=("demo-first", 0.4, first_in))
    first.start()
    assert first_in.wait(5)
    second = threading.Thread(target=save, args=("demo-second", 0, None))
    second.start()
    first.join()
    second.join()
    assert errors == []
    check = _demo_sqlite(path, "demo-check")
    with check.cursor() as cursor:
        cursor.execute("SELECT revision FROM answer WHERE id = 1")
        assert cursor.fetchone() == (2,)  # both saves applied, one after the other
    check.close()


def test_a_save_that_still_finds_the_database_locked_answers_409(nurse, nurse_client, monkeypatch):
    case = CaseFactory(by=nurse)
    node = library.checklist_nodes(case.checklist)["2.d"]

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "answer_record", locked)
    url = f"/cases/{case.pk}/criteria/{node.pk}/answer/"
    response = nurse_client.post(url, {"revision": 0, "status": "met"}, headers=HTMX)
    assert response.status_code == 409
    assert "Someone else was saving at the same moment" in response.content.decode()
    assert response["HX-Retarget"] == "#messages"
    page = nurse_client.post(url, {"revision": 0, "status": "met"})
    assert page.status_code == 409 and b"Request refused" in page.content


# --- the health probe and the bad-host page ------------------------------------------------------


def test_head_on_the_health_probe_answers_200(client):
    response = client.head("/healthz")
    assert response.status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_bad_host_page_carries_the_security_headers(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert no_store(response)


def test_a_pdf_upload_still_works_end_to_end(nurse, nurse_client):
    case = CaseFactory(by=nurse)
    assert upload(nurse_client, case, SimpleUploadedFile("n.pdf", pdf_bytes(2))).status_code == 200
