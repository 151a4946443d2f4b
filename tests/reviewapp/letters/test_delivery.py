"""Delivery: a signed letter is queued for each recipient; faxes are marked sent, mail goes out in
printed batches with window-envelope address pages; the member's copy sent is the notice: the
case records its notice time (the clock stops there) and closes. Signing is never sending."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from reviewapp.cases.models import Case, CaseEvent
from reviewapp.letters import selectors, services
from reviewapp.letters.models import Delivery, Letter, MailBatch

from .conftest import page_texts, sign

pytestmark = pytest.mark.django_db


def queued(determination, by) -> Letter:
    sign(determination, by)
    return Letter.objects.get(determination=determination)


def test_signing_queues_the_member_by_mail_and_the_provider_by_fax_when_there_is_a_fax(
    denial, director
):
    letter = queued(denial, director)
    member = letter.deliveries.get(recipient="member")
    provider = letter.deliveries.get(recipient="provider")
    case = denial.case
    assert member.channel == "mail" and member.address_lines == [
        case.member_address_line1,
        f"{case.member_city}, {case.member_state} {case.member_zip}",
    ]
    assert provider.channel == "fax" and provider.fax == "225-555-0123"
    assert not member.is_sent and not provider.is_sent and member.queued_by == director


def test_a_fax_marked_sent_records_who_and_when_but_does_not_notify_the_member(
    denial, director, nurse
):
    letter = queued(denial, director)
    fax = letter.deliveries.get(recipient="provider")
    services.delivery_mark_sent(delivery=fax, by=nurse)
    fax.refresh_from_db()
    assert fax.sent_by == nurse and fax.sent_at is not None
    case = Case.objects.get(pk=denial.case_id)
    assert case.status == "decided" and case.notice_sent_at is None
    event = CaseEvent.objects.get(case=case, kind="letter_sent")
    assert "provider by fax" in event.summary
    with pytest.raises(services.LetterRefused, match="already sent"):
        services.delivery_mark_sent(delivery=fax, by=nurse)
    member = letter.deliveries.get(recipient="member")
    with pytest.raises(services.LetterRefused, match="mail batch"):
        services.delivery_mark_sent(delivery=member, by=nurse)


def test_a_mail_batch_prints_an_address_page_before_each_letter_and_sending_it_notifies(
    denial, partial, director, nurse
):
    queued(denial, director)
    queued(partial, director)
    batch = services.mail_batch_create(by=nurse)
    data = services.mail_batch_bytes(batch=batch)
    pages = page_texts(data)
    assert batch.page_count == len(pages)
    # Each mailed copy: its address page (recipient, reference), then its letter.
    mailed = Delivery.objects.filter(batch=batch).select_related("letter__case")
    assert mailed.count() == 2 + 1  # two members, and the partial's provider has no fax
    # The address pages are the pages without the letter's running footer.
    starts = [i for i, text in enumerate(pages) if "Page " not in text]
    assert len(starts) == 3
    for start, delivery in zip(starts, mailed.order_by("id"), strict=True):
        assert delivery.name in pages[start] and delivery.letter.case.reference in pages[start]
        assert delivery.address_lines[0] in pages[start]
        assert "Page 1 of" in pages[start + 1]
    assert selectors.mail_queue_count() == 0
    # Nothing is sent until the batch is marked sent.
    assert Case.objects.get(pk=denial.case_id).notice_sent_at is None
    services.mail_batch_mark_sent(batch=batch, by=nurse)
    for determination in (denial, partial):
        case = Case.objects.get(pk=determination.case_id)
        assert case.status == "closed" and case.notice_sent_at == case.closed_at
        assert case.notice_sent_at > determination.decided_at
        assert CaseEvent.objects.filter(case=case, kind="letter_sent").exists()
    with pytest.raises(services.LetterRefused, match="marked sent"):
        services.mail_batch_mark_sent(batch=batch, by=nurse)


def test_a_batch_with_nothing_to_print_is_refused_clearly(nurse):
    with pytest.raises(services.LetterRefused, match="Nothing to print"):
        services.mail_batch_create(by=nurse)
    assert MailBatch.objects.count() == 0


def test_the_mail_room_prints_and_sends_through_its_pages(denial, director, nurse_client):
    queued(denial, director)
    page = nurse_client.get(reverse("letters:mail-room")).content.decode()
    assert denial.case.reference in page and "Print a mail batch" in page
    response = nurse_client.post(reverse("letters:mail-batch-create"), follow=True)
    assert "is ready to print" in response.content.decode()
    batch = MailBatch.objects.get()
    pdf = nurse_client.get(reverse("letters:mail-batch-pdf", args=[batch.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    response = nurse_client.post(reverse("letters:mail-batch-sent", args=[batch.pk]), follow=True)
    assert "recorded as sent" in response.content.decode()
    assert Case.objects.get(pk=denial.case_id).notice_sent_at is not None


def test_the_mail_room_is_for_reviewers(role_clients):
    for role in ("administrator", "no_role"):
        assert role_clients[role].get(reverse("letters:mail-room")).status_code == 403


def test_the_mail_room_reads_in_a_fixed_number_of_queries(
    denial, partial, director, nurse_client, django_assert_num_queries
):
    queued(denial, director)
    queued(partial, director)
    nurse_client.get(reverse("letters:mail-room"))  # warm the session and permission caches
    # session, user, permissions (2), unsent copies with letter and case, batches with counts,
    # the access-log entry of this read (the page shows members' names and addresses)
    with django_assert_num_queries(7):
        nurse_client.get(reverse("letters:mail-room"))


def test_address_pages_put_the_recipient_in_the_window(denial, director):
    from pypdf import PdfReader

    letter = queued(denial, director)
    member = letter.deliveries.get(recipient="member")
    reader = PdfReader(io.BytesIO(services.address_pages_pdf([member])))
    assert len(reader.pages) == 1
    found = []

    def visit(text, cm, tm, font, size):
        if member.name in text:
            found.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    reader.pages[0].extract_text(visitor_text=visit)
    x, y = found[0]
    height = float(reader.pages[0].mediabox.height)
    # A #10 window: about 7/8 in from the left, its top about 2 1/8 in from the top of the sheet.
    assert 0.8 * 72 <= x <= 1.3 * 72, x
    assert 1.9 * 72 <= height - y <= 2.9 * 72, height - y
