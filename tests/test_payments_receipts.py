"""Receipts of succeeded payments through the real app, the Selcom and Daraja sandboxes and the
email worker over real SMTP: the JSON, the printable page as a browser parses it, the email, and
the refusals (another's payment, one not succeeded)."""
from __future__ import annotations

import uuid
from html.parser import HTMLParser

import pytest

from nexgate.domain.payments import receipts

from tests.conftest import eventually
from tests.support.payment_methods import call, events
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.payments_flow import (
    SELCOM_PAYER, WORKERS, method, open_hold, pay, payment, platform, start_app,
)

SCRIPT_NAME = "Amina <script>alert(1)</script>"
SUBJECT = "Your Nexgate receipt"


@pytest.fixture
async def app(make_client, config, sandboxes, smtp_sandbox):
    return await start_app(make_client, config, sandboxes, workers=(*WORKERS, "email"), smtp_port=smtp_sandbox.port)


class Page(HTMLParser):
    """The text of each element with an id, and every tag opened."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.tags: list[str] = []
        self._open: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._open = dict(attrs).get("id", self._open)

    def handle_endtag(self, tag):
        if tag == "td":
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.fields[self._open] = self.fields.get(self._open, "") + data


async def succeeded_tzs_payment(app, payer, amount=150_000) -> dict:
    hold = await open_hold(app, [payer.user_id], currency="TZS", expected=amount)
    wallet = await method(app, payer.tokens, "00", prefix=SELCOM_PAYER)
    started = await pay(app, payer.tokens, hold, wallet, amount=amount)

    async def succeeded():
        shown = await payment(app, payer.tokens, started["id"])
        return shown if shown["status"] == "succeeded" else None
    shown = await eventually(succeeded)
    return {**shown, "hold": hold, "wallet": wallet}


def receipt_path(paid) -> str:
    return f"/api/payments/{paid['id']}/receipt"


async def test_the_receipt_of_a_succeeded_payment_as_json(app, users):
    payer = await users.new(app.server, display_name="Amina Juma")
    paid = await succeeded_tzs_payment(app, payer)
    receipt = await call(app, "GET", receipt_path(paid), payer.tokens, 200)
    assert receipt["number"] == paid["reference"] and receipt["payment_id"] == paid["id"]
    assert receipt["amount"] == {"minor": 150_000, "currency": "TZS", "text": "1,500.00 TZS"}
    assert receipt["payer"]["display_name"] == "Amina Juma" and receipt["payer"]["id"] == str(payer.user_id)
    assert receipt["paid_for"] == {"kind": "commerce.order", "id": str(paid["hold"].payable_id),
                                   "hold_id": str(paid["hold"].id)}
    national = paid["wallet"]["phone"][4:]
    assert receipt["method"] == {"kind": "mobile_money", "channel": "M-Pesa",
                                 "number": "+255 " + "*" * (len(national) - 4) + national[-4:]}
    assert paid["wallet"]["phone"] not in str(receipt)
    assert (receipt["provider"], receipt["provider_receipt"]) == ("selcom", paid["receipt"])
    assert receipt["provider_transaction_id"]
    assert receipt["time_zone"] == "Africa/Nairobi" and receipt["issued_at"].endswith("+03:00")
    assert receipt["date"].endswith(" EAT")


async def test_the_receipt_as_a_printable_page_escapes_what_the_payer_wrote(app, users):
    payer = await users.new(app.server, display_name=SCRIPT_NAME)
    paid = await succeeded_tzs_payment(app, payer)
    for kwargs in ({"headers": {"Accept": "text/html"}}, {"params": {"format": "html"}}):
        response = await app.request("GET", receipt_path(paid), headers={
            "Authorization": f"Bearer {payer.tokens['access_token']}", **kwargs.get("headers", {})},
            params=kwargs.get("params"))
        assert response.status == 200 and response.content_type == "text/html"
        page = Page(await response.text())
        assert "script" not in page.tags
        assert page.fields["amount"] == "1,500.00 TZS"
        assert page.fields["number"] == paid["reference"]
        assert page.fields["payer"].startswith(SCRIPT_NAME)  # shown as text, not run


async def test_the_receipt_is_emailed_to_the_payer_when_the_payment_succeeds(app, users, smtp_sandbox):
    payer = await users.new(app.server, display_name=SCRIPT_NAME)
    paid = await succeeded_tzs_payment(app, payer)
    email = payer.tokens["user"]["email"]

    def receipt_emails():
        return [m for m in smtp_sandbox.messages() if m["To"] == email and m["Subject"].startswith(SUBJECT)]
    [message] = await eventually(receipt_emails)
    assert message["Subject"] == f"{SUBJECT} {paid['reference']}: 1,500.00 TZS"
    assert "Amount: 1,500.00 TZS" in message.get_body(("plain",)).get_content()
    page = Page(message.get_body(("html",)).get_content())
    assert "script" not in page.tags and page.fields["amount"] == "1,500.00 TZS"


async def test_another_users_receipt_is_not_found_and_an_unsettled_one_is_409(app, users):
    payer, other = await users.new(app.server), await users.new(app.server)
    paid = await succeeded_tzs_payment(app, payer)
    refused = await call(app, "GET", receipt_path(paid), other.tokens, 404)
    assert refused["error"]["code"] == "payment_not_found"

    tzs_hold = await open_hold(app, [payer.user_id], currency="TZS", expected=500_000)
    refusing = await method(app, payer.tokens, "15", prefix=SELCOM_PAYER)  # 056: the sandbox refuses the prompt
    refused_prompt = await pay(app, payer.tokens, tzs_hold, refusing, amount=500_000)
    assert refused_prompt["status"] == "failed"
    conflict = await call(app, "GET", f"/api/payments/{refused_prompt['id']}/receipt", payer.tokens, 409)
    assert conflict["error"]["code"] == "payment_not_succeeded"
    assert conflict["error"]["details"]["status"] == "failed"


async def test_receipts_handled_together_each_go_to_their_own_payer_and_none_for_an_unsettled_payment(app, users):
    payers = [await users.new(app.server) for _ in range(3)]
    paid = [await succeeded_tzs_payment(app, payer, amount=100_000 * (n + 1)) for n, payer in enumerate(payers)]
    refusing = await method(app, payers[0].tokens, "15", prefix=SELCOM_PAYER)  # the sandbox refuses the prompt
    failed = await pay(app, payers[0].tokens, await open_hold(app, [payers[0].user_id], currency="TZS"), refusing)
    emails = [payer.tokens["user"]["email"] for payer in payers]
    for email in emails:  # payments_live's own request for each, first
        await eventually(lambda email=email: events(app, "notifications.email.requested", to=email))
    before = {email: len(await events(app, "notifications.email.requested", to=email)) for email in emails}

    async with platform(app).core.transaction("tests.receipts") as conn:  # as payments_live's batch does
        await receipts.email_receipts(conn, [uuid.UUID(p["id"]) for p in (*reversed(paid), failed)])

    for email, payment_of_payer in zip(emails, paid):
        requested = await events(app, "notifications.email.requested", to=email)
        assert len(requested) == before[email] + 1
        receipt = requested[-1]["context"]["receipt"]
        assert (receipt["number"], receipt["payer"]["email"]) == (payment_of_payer["reference"], email)
        assert receipt["amount"]["minor"] == payment_of_payer["amount"]
