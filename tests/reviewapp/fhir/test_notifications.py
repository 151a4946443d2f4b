"""Rest-hook subscriptions: a decided request is notified without polling, retried with back-off
when the endpoint fails, and polling keeps working."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from reviewapp.cases.models import CaseEvent
from reviewapp.decisions import services as decisions
from reviewapp.fhir import services
from reviewapp.fhir.models import NotificationDelivery, Subscription

from .conftest import fhir_valid
from .test_lifecycle import SCENARIOS, _letters, decide_and_sign, review, signing_key, submit
from .test_submit import review_actions

pytestmark = pytest.mark.django_db
__all__ = ["_letters", "signing_key"]  # fixtures used here

# Medicaid plans: a withdrawal records the member notice.
NOTICE = decisions.MemberNotice(channel="mail", text="Your request was withdrawn.")


class Receiver:
    """A subscriber's endpoint on 127.0.0.1: records each POST, fails the first ``failures``."""

    def __init__(self, failures: int = 0) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((dict(self.headers), body))
                status = 503 if receiver.failures > 0 else 200
                receiver.failures -= 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


def subscribe(api, endpoint: str, criteria: str = "ClaimResponse", **channel) -> dict:
    response = api.post(
        "/fhir/r4/Subscription",
        {
            "resourceType": "Subscription",
            "status": "requested",
            "reason": "Tell the EHR when a request is decided.",
            "criteria": criteria,
            "channel": {"type": "rest-hook", "endpoint": endpoint, **channel},
        },
    )
    assert response.status_code == 201, response.content
    fhir_valid(response.json())
    return response.json()


def test_a_decided_request_is_notified_with_its_decision(api, nurse, director, receiver):
    subscription = subscribe(
        api,
        receiver.url,
        payload="application/fhir+json",
        header=["Authorization: Bearer hook-secret"],
    )
    assert subscription["status"] == "active"
    assert subscription["channel"]["header"] == ["Authorization: ***"]  # never echoed
    case, _ = submit(api, SCENARIOS[0])
    assert services.notifications_run().queued == 0  # pended: nothing to say yet
    review(case, nurse, [])
    determination = decide_and_sign(case, SCENARIOS[0], nurse, director)

    report = services.notifications_run()

    assert (report.queued, report.delivered) == (1, 1)
    headers, body = receiver.received[0]
    assert headers["Authorization"] == "Bearer hook-secret"
    assert headers["X-Subscription-Id"] == subscription["id"]
    bundle = json.loads(body)
    fhir_valid(bundle)
    response = bundle["entry"][0]["resource"]
    assert response["id"] == case.reference
    assert review_actions(response["adjudication"]) == ["A1"]
    assert response["preAuthRef"] == determination.authorization.number
    event = CaseEvent.objects.filter(case=case, kind="api_notified").get()
    assert "Notified Example EHR" in event.summary
    # Nothing new to say: no second notification. Polling still answers.
    assert services.notifications_run() == services.NotifyReport(0, 0, 0, 0)
    assert len(receiver.received) == 1
    polled = api.get(f"/fhir/r4/ClaimResponse/{case.reference}").json()
    assert review_actions(polled["adjudication"]) == ["A1"]


def test_a_failing_endpoint_is_retried_then_given_up(api, nurse):
    subscribe(api, "http://127.0.0.1:9/hook")  # no payload: an empty notification
    case, _ = submit(api, SCENARIOS[0])
    decisions.case_withdraw(
        case=case, by=nurse, reason="Withdrawn by the provider.", member_notice=NOTICE
    )
    attempts = []

    def down(url, body, headers):
        attempts.append(body)
        raise OSError("connection refused")

    start = timezone.now()
    report = services.notifications_run(now=start, send=down)
    assert (report.queued, report.retrying) == (1, 1)
    delivery = NotificationDelivery.objects.get()
    assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)
    assert Subscription.objects.get().status == "error"
    # Not due yet: nothing is sent.
    services.notifications_run(now=start + dt.timedelta(seconds=30), send=down)
    assert len(attempts) == 1
    at = start
    for delay in services.RETRY_DELAYS:
        at += delay
        services.notifications_run(now=at, send=down)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == len(services.RETRY_DELAYS) + 1
    assert attempts == [b""] * delivery.attempts
    summaries = list(
        CaseEvent.objects.filter(case=case, kind="api_notified").values_list("summary", flat=True)
    )
    assert len(summaries) == delivery.attempts
    assert any("failed after 7 attempts" in s for s in summaries)


def test_a_notification_that_fails_once_arrives_on_the_retry(api, nurse):
    failing = Receiver(failures=1)
    try:
        subscribe(api, failing.url, payload="application/fhir+json")
        case, _ = submit(api, SCENARIOS[0])
        decisions.case_withdraw(
            case=case, by=nurse, reason="Duplicate request.", member_notice=NOTICE
        )
        start = timezone.now()
        assert services.notifications_run(now=start).retrying == 1
        assert services.notifications_run(now=start + dt.timedelta(minutes=1)).delivered == 1
        assert len(failing.received) == 2
        bundle = json.loads(failing.received[1][1])
        assert bundle["entry"][0]["resource"]["status"] == "cancelled"
        assert Subscription.objects.get().status == "active"
    finally:
        failing.close()


def test_a_subscription_to_one_request_hears_only_about_it(api, nurse, receiver):
    first, _ = submit(api, SCENARIOS[0])
    second, _ = submit(api, SCENARIOS[2])
    subscribe(api, receiver.url, criteria=f"ClaimResponse?identifier={second.reference}")
    decisions.case_withdraw(case=first, by=nurse, reason="Withdrawn.", member_notice=NOTICE)
    assert services.notifications_run().delivered == 0
    decisions.case_withdraw(case=second, by=nurse, reason="Withdrawn.", member_notice=NOTICE)
    assert services.notifications_run().delivered == 1


def test_bad_subscriptions_are_refused(api, other_api, settings):
    case, _ = submit(api, SCENARIOS[0])

    def refused(criteria="ClaimResponse", who=api, **channel):
        channel = {"type": "rest-hook", "endpoint": "https://ehr.example.org/hook"} | channel
        response = who.post(
            "/fhir/r4/Subscription",
            {
                "resourceType": "Subscription",
                "status": "requested",
                "reason": "x",
                "criteria": criteria,
                "channel": channel,
            },
        )
        assert response.status_code == 422, response.content
        return response.json()["issue"][0]["diagnostics"]

    assert "rest-hook" in refused(type="websocket")
    assert "criteria" in refused(criteria="Patient?name=x")
    assert "No request" in refused(
        criteria=f"ClaimResponse?identifier={case.reference}", who=other_api
    )
    assert "one line" in refused(header=["X: a\r\nInjected: b"])
    settings.FHIR_SUBSCRIPTION_ALLOW_PRIVATE = False
    assert "https" in refused(endpoint="http://ehr.example.org/hook")
    assert "public address" in refused(endpoint="https://127.0.0.1/hook")
    assert Subscription.objects.count() == 0


def test_list_read_and_delete(api, other_api, receiver):
    made = subscribe(api, receiver.url)
    listing = api.get("/fhir/r4/Subscription").json()
    fhir_valid(listing)
    assert [e["resource"]["id"] for e in listing["entry"]] == [made["id"]]
    assert other_api.get("/fhir/r4/Subscription").json()["total"] == 0
    assert other_api.get(f"/fhir/r4/Subscription/{made['id']}").status_code == 404
    deleted = api.delete(f"/fhir/r4/Subscription/{made['id']}").json()
    assert deleted["status"] == "off"
    assert api.get("/fhir/r4/Subscription").json()["total"] == 0
