"""The security baseline: deploy checks, CSP, sign-in throttling, idle sessions, passwords,
authorisation on every URL, and hostile input rendered harmless."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria import selectors as library
from reviewapp.cases import services
from reviewapp.cases.forms import AnswerForm, IntakeForm
from reviewapp.cases.models import Answer, Case
from tests.conftest import PASSWORD
from tests.factories import CaseFactory, EvidenceFactory
from tests.urlwalk import endpoints

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    # Production settings as an operator sets them: none of the test settings' overrides.
    test_only = {
        "DJANGO_SETTINGS_MODULE",
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "DEBUG",
        "SECRET_KEY",
        "EVIDENCE_DIR",
    }
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(
        DEBUG="false",
        SECRET_KEY="a-long-production-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="um.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        LETTER_SIGNING_PKCS12=str(tmp_path / "signing.p12"),
        EVIDENCE_DIR=str(tmp_path / "evidence"),
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "letters", "demo-key"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    result = subprocess.run(
        [*manage, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_secure():
    from reviewapp import settings as production

    content = production.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert "'unsafe-inline'" not in content["script-src"]
    assert "'unsafe-eval'" not in content["script-src"]
    assert "'unsafe-inline'" not in content["style-src"]
    assert content["object-src"] == ["'none'"]
    assert production.SESSION_COOKIE_HTTPONLY
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_every_page_carries_a_csp_without_inline_script(nurse_client):
    response = nurse_client.get("/cases/")
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'self'" in csp


def test_templates_have_no_inline_script_style_or_event_handlers():
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if path.parts[-2] == "letters" and path.name == "letter_document.html":
            continue  # rendered by WeasyPrint into a PDF, never served to a browser
        for match in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in match.group(1):
                problems.append(f"{path.name}: inline <script>")
        if re.search(r"\sstyle=\"", text):
            problems.append(f"{path.name}: style attribute")
        if re.search(r"\son[a-z]+=\"", text):
            problems.append(f"{path.name}: inline event handler")
        if "hx-on" in text or "hx-vals='js:" in text:
            problems.append(f"{path.name}: htmx script attribute")
    assert problems == []


@pytest.mark.django_db
def test_htmx_is_configured_not_to_evaluate_script(nurse_client):
    html = nurse_client.get("/cases/").content.decode()
    assert '"allowEval": false' in html and '"allowScriptTags": false' in html
    assert '"includeIndicatorStyles": false' in html  # htmx would otherwise inject a <style>


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_sign_in_is_throttled_after_repeated_failures(nurse):
    from axes.utils import reset

    client = Client()
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "nina", "password": "wrong"})
    assert response.status_code == 429
    assert "Sign-in temporarily locked" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post("/accounts/login/", {"username": "nina", "password": PASSWORD})
    assert response.status_code == 429
    reset(username="nina")
    response = client.post("/accounts/login/", {"username": "nina", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_idle_sessions_expire(nurse_client, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    assert nurse_client.get("/cases/").status_code == 200
    session = nurse_client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = nurse_client.get("/cases/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert (
        "signed out after a period of inactivity"
        in nurse_client.get(response["Location"]).content.decode()
    )
    # The session is gone: the next request is anonymous.
    assert nurse_client.get("/cases/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "too short"),
        ("password1234", "too common"),
        ("123456789012", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(nurse_client, password, message):
    response = nurse_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()


# --- authorisation on every URL ----------------------------------------------------------------


@pytest.fixture
def case_world(nurse, director):
    """A closed case with evidence and a signed letter: every id a URL can take is real."""
    from reviewapp.decisions.services import case_approve_by_nurse
    from reviewapp.letters import services as letters
    from tests.factories import meeting_case

    letters.signing_key_ensure()
    case = meeting_case(by=nurse)
    determination = case_approve_by_nurse(case=case, by=nurse)
    digest = letters.letter_digest(letters.letter_render_html(determination=determination))
    letters.letter_sign(determination=determination, by=nurse, preview_digest=digest)
    evidence = case.evidence.first()
    link = case.evidence_links.first()
    return {
        "pk": str(case.pk),
        "evidence_id": str(evidence.pk),
        "link_id": str(link.pk),
        "determination_id": str(determination.pk),
        "node_id": str(link.criterion_id),
        "name": "pain_nrs",
        "exception_id": "1",
        "policy_key": "molina-mcp-160",
        "version_label": "2025-08-13",
        "checklist_key": "malignant-trial",
    }


@pytest.mark.django_db
def test_case_evidence_and_letters_are_never_reachable_without_sign_in_and_case_access(
    case_world, role_clients
):
    """Walk every case, evidence and letter URL with real ids: no role without case access
    gets anything, and anonymous visitors are sent to sign in."""
    checked = 0
    for endpoint in endpoints(case_world):
        if not endpoint.name.startswith(("cases:", "letters:", "decisions:")):
            continue
        if endpoint.name in {
            "cases:queue",
            "cases:intake",
            "cases:stage-hint",
            "decisions:queue",
            "letters:verify",
        }:
            pass  # not case-scoped, but still reviewer-only: checked below all the same
        for role in ("administrator", "no_role"):
            response = role_clients[role].get(endpoint.path)
            assert response.status_code in (403, 405), (endpoint.name, role)
        response = role_clients["anonymous"].get(endpoint.path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], (
            endpoint.name
        )
        checked += 1
    assert checked >= 20
    # ...while the reviewers do reach the evidence and the signed letter.
    for role in ("nurse", "director"):
        evidence = role_clients[role].get(
            f"/cases/{case_world['pk']}/evidence/{case_world['evidence_id']}/file/"
        )
        assert evidence.status_code == 200
        letter = role_clients[role].get(
            f"/letters/determinations/{case_world['determination_id']}/letter.pdf"
        )
        assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"


# --- hostile input -----------------------------------------------------------------------------

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.django_db
def test_html_and_script_in_notes_and_names_render_escaped_everywhere(
    nurse, director, nurse_client, director_client
):
    case = CaseFactory(by=nurse, member_name=f"Eve {SCRIPT}", clinical_summary=SCRIPT)
    node = library.checklist_nodes(case.checklist)["2.d"]
    services.answer_record(
        case=case,
        criterion=node,
        by=nurse,
        status="not_met",
        note=SCRIPT,
        override_reason="",
        expected_revision=0,
    )
    services.case_refer_to_director(case=case, by=nurse, summary=SCRIPT)
    pages = [
        nurse_client.get(f"/cases/{case.pk}/"),
        nurse_client.get(f"/cases/{case.pk}/timeline/"),
        nurse_client.get("/cases/?tab=referred"),
        director_client.get("/director/"),
        director_client.get(f"/director/cases/{case.pk}/"),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_tampered_htmx_posts_are_refused_and_store_nothing(nurse, nurse_client):
    case = CaseFactory(by=nurse)
    headers = {"HX-Request": "true"}
    node = library.checklist_nodes(case.checklist)["2.d"]
    url = f"/cases/{case.pk}/criteria/{node.pk}/answer/"
    for data in (
        {"revision": "abc", "status": "met"},
        {"revision": -1, "status": "met"},
        {"revision": 0, "status": "approved"},
        {"revision": 0, "status": "met", "note": "x" * 5000},
    ):
        response = nurse_client.post(url, data, headers=headers)
        assert response.status_code == 422, data
    assert not Answer.objects.filter(case=case).exclude(status="").exists()
    assert nurse_client.post(f"/cases/{case.pk}/criteria/0/answer/", {}).status_code == 404
    assert nurse_client.post(f"/cases/{case.pk}/facts/../../admin/", {}).status_code == 404
    evidence = EvidenceFactory(case=case, by=nurse)
    other = CaseFactory(by=nurse)
    response = nurse_client.post(
        f"/cases/{other.pk}/criteria/{node.pk}/evidence/",
        {"evidence": evidence.pk},
        headers=headers,
    )
    assert response.status_code == 422  # another case's document
    assert "not on this case" in response.content.decode()
    assert not other.evidence_links.exists()


# --- property-based checks of the forms ----------------------------------------------------------

text = st.text(max_size=400)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.fixed_dictionaries(
        {
            "member_name": text,
            "member_id": text,
            "member_dob": text,
            "provider_name": text,
            "provider_npi": text,
            "line_of_business": text,
            "policy": text,
            "indication": text,
            "codes": text,
            "stage": text,
            "received_at": text,
            "priority": text,
            "clinical_summary": st.text(max_size=6000),
            "member_address_line1": text,
            "member_city": text,
            "member_state": st.one_of(st.sampled_from(["LA", "la", "XX", "TX "]), text),
            "member_zip": st.one_of(st.sampled_from(["70801", "70801-1234", "7080"]), text),
            "provider_address_line1": text,
            "provider_city": text,
            "provider_state": st.one_of(st.sampled_from(["LA", "ZZ"]), text),
            "provider_zip": st.one_of(st.sampled_from(["70112", "ABCDE"]), text),
            "provider_fax": st.one_of(st.sampled_from(["(225) 555-0123", "1-225-555-0123"]), text),
            "preferred_language": st.one_of(st.sampled_from(["en", "es", "xx"]), text),
        }
    )
)
def test_the_intake_form_never_crashes_and_only_accepts_what_it_can_store(data):
    import re

    from reviewapp.cases.models import US_STATES

    form = IntakeForm(data)
    if form.is_valid():
        clean = form.cleaned_data
        assert clean["member_state"] in US_STATES and clean["provider_state"] in US_STATES
        assert re.fullmatch(r"[0-9]{5}(-[0-9]{4})?", clean["member_zip"])
        assert clean["provider_fax"] == "" or re.fullmatch(r"[2-9][0-9]{9}", clean["provider_fax"])
        assert len(clean["provider_npi"]) == 10 and clean["provider_npi"].isdigit()
        assert clean["codes"] and clean["stage"]
        assert len(clean["member_name"]) <= 120
    else:
        assert form.errors


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.fixed_dictionaries(
        {
            "revision": st.one_of(st.integers(-5, 5).map(str), text),
            "status": st.one_of(
                st.sampled_from(["met", "not_met", "not_documented", "not_applicable"]), text
            ),
            "note": st.text(max_size=5000),
            "override_reason": st.text(max_size=3000),
        }
    )
)
def test_the_answer_form_never_crashes_and_only_accepts_known_statuses(data):
    form = AnswerForm(data)
    if form.is_valid():
        assert form.cleaned_data["status"] in {"met", "not_met", "not_documented", "not_applicable"}
        assert form.cleaned_data["revision"] >= 0
        assert len(form.cleaned_data["note"]) <= 4000


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    value=st.one_of(
        st.text(max_size=40),
        st.integers(-(10**6), 10**6).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
    )
)
def test_any_fact_value_is_stored_valid_or_refused_with_a_message(value):
    from django.contrib.auth.models import User

    nurse = (
        User.objects.get(username="prop-nurse")
        if User.objects.filter(username="prop-nurse").exists()
        else None
    )
    if nurse is None:
        from reviewapp.accounts.roles import Role
        from tests.conftest import make_staff

        nurse = make_staff("prop-nurse", Role.NURSE)
    case = Case.objects.filter(created_by=nurse).first() or CaseFactory(by=nurse)
    current = case.facts.filter(fact__name="pain_nrs").first()
    try:
        services.fact_record(
            case=case,
            by=nurse,
            name="pain_nrs",
            raw_value=value,
            expected_revision=current.revision if current else 0,
        )
    except services.CaseActionRefused as exc:
        assert str(exc)
    stored = case.facts.filter(fact__name="pain_nrs").first()
    if stored is not None:
        assert isinstance(stored.value, int) and 0 <= stored.value <= 10
