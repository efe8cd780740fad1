"""The payments area's notifications (nexgate/domain/payments/notices.py) through the real app,
the payment sandboxes over HTTP, RabbitMQ and both databases: a payment that succeeds or fails
reaches its payer's centre and devices in their language, an escrow release each of its
payees, a refund paid back its payer, a payout its payee; amounts as people read them."""
from __future__ import annotations

import pytest

from nexgate import money
from nexgate.domain.payments import holds
from nexgate.domain.payments.holds import Payee
from nexgate.domain.payments.ledger import Cause
from tests.conftest import eventually
from tests.support.notifications import centre, event_ids, handled, next_notification, person
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.payments_flow import SELCOM_PAYER, method, open_hold, pay, platform, start_app
from tests.test_payments_disbursements import payout, seller_with_balance, settled

WORKERS = ("outbox-relay", "notifications")
TZS_15000 = 1_500_000  # minor units


@pytest.fixture
async def app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes, workers=WORKERS, bus_prefetch=1)


async def _paid(app, payer, digits="00", amount=TZS_15000):
    """``payer`` pays a TZS hold of ``amount`` through the Selcom sandbox (``digits`` steer it);
    the payment as its app saw it started, once its settlement has been told."""
    hold = await open_hold(app, [payer.user_id], currency="TZS", expected=amount)
    wallet = await method(app, payer.tokens, digits, prefix=SELCOM_PAYER)
    started = await pay(app, payer.tokens, hold, wallet, amount=amount)
    status = "succeeded" if digits == "00" else "failed"
    ids = await _eventually_ids(app, f"payments.payment.{status}", payment_id=started["id"])
    await handled(app, ids)
    return hold, started


async def _eventually_ids(app, routing_key, **match):
    return await eventually(lambda: event_ids(app, routing_key, **match), timeout=20)


async def _sw(api) -> None:
    await api.request("PATCH", f"/api/users/{api.user_id}", json={"language": "sw"})


async def test_a_payment_that_succeeds_reaches_its_payer_in_english_and_in_swahili(app, users):
    amina, juma = await person(app, users), await person(app, users)
    await _sw(juma)
    device = await amina.live()
    _, paid = await _paid(app, amina)
    frame = await next_notification(device)
    told = frame["data"]["notification"]
    assert told["text"] == ("Payment successful: TZS 15,000 received. It is held safely in escrow until your "
                            "purchase is complete")
    assert (told["type"], told["category"], told["critical"]) == ("payment_succeeded", "payments", True)
    assert told["link"] == f"nexgate://payments/{paid['id']}" and told["object"] == {"type": "payment",
                                                                                      "id": paid["id"]}
    assert told["params"] == {"amount": TZS_15000, "currency": "TZS", "provider": "selcom"}
    assert (await centre(amina))["items"] == [told]
    _, paid = await _paid(app, juma)
    [told] = (await centre(juma))["items"]
    assert told["text"] == ("Malipo yamefanikiwa: TZS 15,000 yamepokelewa. Yanahifadhiwa salama kwenye escrow hadi "
                            "ununuzi wako ukamilike")
    assert told["link"] == f"nexgate://payments/{paid['id']}"


async def test_a_payment_that_fails_tells_its_payer_nothing_was_taken(app, users):
    amina, juma = await person(app, users), await person(app, users)
    await _sw(juma)
    _, failed = await _paid(app, amina, digits="10", amount=250_000)
    [told] = (await centre(amina))["items"]
    assert told["text"] == ("Payment failed: your payment of TZS 2,500 did not go through and nothing was taken. "
                            "Please try again")
    assert told["type"] == "payment_failed" and told["link"] == f"nexgate://payments/{failed['id']}"
    await _paid(app, juma, digits="10")
    assert [n["text"] for n in (await centre(juma))["items"]] == [
        "Malipo yameshindikana: malipo yako ya TZS 15,000 hayakukamilika na hakuna pesa iliyokatwa. Tafadhali "
        "jaribu tena"]


async def test_an_escrow_release_reaches_each_payee_with_their_share(app, users):
    buyer, seller, organizer = [await person(app, users) for _ in range(3)]
    await _sw(organizer)
    hold, _ = await _paid(app, buyer)
    async with platform(app).core.transaction("tests.release") as conn:
        released = await holds.release(conn, hold_id=hold.id, cause=Cause.operator("tests", "delivered"),
                                       payees=[Payee(seller.user_id, 1_000_000), Payee(organizer.user_id, 500_000)])
    await handled(app, await event_ids(app, "payments.hold.released", hold_id=str(hold.id)))
    shares = {share.user_id: share for share in released.payees}
    [to_seller] = (await centre(seller))["items"]
    net, fee = (money.for_people(getattr(shares[seller.user_id], f), "TZS") for f in ("net", "fee"))
    assert to_seller["text"] == f"Escrow released: you have been paid {net} (after the {fee} platform fee)"
    assert to_seller["params"] == {"net": shares[seller.user_id].net, "fee": shares[seller.user_id].fee,
                                   "currency": "TZS"}
    assert to_seller["object"] == {"type": "hold", "id": str(hold.id)} and to_seller["critical"] is True
    assert to_seller["link"] == "nexgate://payments/balances"
    [to_organizer] = (await centre(organizer))["items"]
    net, fee = (money.for_people(getattr(shares[organizer.user_id], f), "TZS") for f in ("net", "fee"))
    assert to_organizer["text"] == f"Escrow imetolewa: umelipwa {net} (baada ya ada ya jukwaa ya {fee})"
    assert to_organizer["id"] != to_seller["id"]
    assert [n["type"] for n in (await centre(buyer))["items"]] == ["payment_succeeded"]  # the payer is no payee


async def test_a_refund_paid_back_reaches_its_payer(app, users):
    amina = await person(app, users)
    hold, _ = await _paid(app, amina)
    async with platform(app).core.transaction("tests.refund") as conn:
        refunded = await holds.refund(conn, hold_id=hold.id, amount=400_000, cause=Cause.operator("tests", "returned"))
        [refund] = refunded.refunds
    assert [n["type"] for n in (await centre(amina))["items"]] == ["payment_succeeded"]  # on its way: not yet told
    async with platform(app).core.transaction("tests.refund") as conn:
        await holds.settle_refund(conn, refund_id=refund.id, cause=Cause.provider_callback("selcom", "B2C-1", "paid"))
    await handled(app, await event_ids(app, "payments.refund.settled", refund_id=str(refund.id)))
    told = (await centre(amina))["items"][0]
    assert told["text"] == "Refund processed: TZS 4,000 was sent back to your phone"
    assert told["link"] == "nexgate://payments/disbursements?kind=refund" and told["type"] == "refund_processed"
    assert told["object"] == {"type": "refund", "id": str(refund.id)}


async def test_a_payout_sent_reaches_its_payee(app, users):
    seller = await person(app, users)
    _, number = await seller_with_balance(app, seller=seller.tokens)
    started = await payout(app, seller.tokens, number, 101_500)
    await settled(app, seller.tokens, started["id"])
    await handled(app, await _eventually_ids(app, "payments.payout.sent", disbursement_id=started["id"]))
    told = (await centre(seller))["items"]
    assert [n["type"] for n in told] == ["payout_sent", "escrow_released"]
    assert told[0]["text"] == ("Payout sent: KES 1,000 reached your phone (KES 1,015 from your balance, less the "
                               "KES 15 transfer fee)")
    assert told[0]["link"] == f"nexgate://payments/disbursements/{started['id']}"
    assert told[0]["object"] == {"type": "disbursement", "id": started["id"]}
    await _sw(seller)  # the text is rendered when read, in the reader's language now
    assert (await centre(seller))["items"][0]["text"] == (
        "Malipo yametumwa: KES 1,000 yamefika kwenye simu yako (KES 1,015 kutoka kwenye salio lako, ukiondoa ada "
        "ya uhamisho ya KES 15)")


def test_amounts_read_as_people_write_them():
    assert money.for_people(1_500_000, "TZS") == "TZS 15,000"
    assert money.for_people(125_050, "KES") == "KES 1,250.50"
    assert money.for_people(125_005, "KES") == "KES 1,250.05"
    assert money.for_people(5_000, "UGX") == "UGX 5,000"
    assert money.for_people(0, "TZS") == "TZS 0"
    assert money.for_people(-150, "KES") == "KES -1.50"
    with pytest.raises(TypeError):
        money.for_people(15.5, "TZS")
    with pytest.raises(TypeError):
        money.for_people(True, "TZS")
    with pytest.raises(ValueError, match="XYZ"):
        money.for_people(100, "XYZ")
