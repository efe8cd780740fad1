"""The registry of notification types: every registered type reads in English and Swahili,
names only parameters its events carry, and is documented in docs/notifications.md."""
from __future__ import annotations

import pathlib
import types

import pytest

from nexgate.areas import AREAS
from nexgate.domain.notifications import registry
from nexgate.domain.notifications.events import DIGEST_DUE
from nexgate.domain.notifications.registry import Grouping, actors_phrase, notification_type, problems
from nexgate.domain.users.events import FOLLOW_CREATED
from nexgate.workers import consumer_groups

DOC = (pathlib.Path(__file__).parent.parent / "docs" / "notifications.md").read_text()
TYPES = list(registry.registered().types.values())


@pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.name)
def test_every_registered_type_reads_in_both_languages_from_what_its_events_carry(kind):
    assert problems(kind) == []
    for language in registry.LANGUAGES:
        assert kind.templates["in_app"][language].strip()


OWN_TEXTS = registry.own_texts()


def test_the_services_own_texts_include_the_quiet_hours_summary():
    assert {"quiet_hours_summary", "quiet_hours_summary_from"} <= {text.name for text in OWN_TEXTS}


@pytest.mark.parametrize("text", OWN_TEXTS, ids=lambda text: text.name)
def test_every_text_of_the_services_own_reads_in_both_languages_and_is_documented(text):
    assert registry.text_problems(text) == []
    for language in registry.LANGUAGES:
        assert text.templates[language].strip() and f"`{text.templates[language]}`" in DOC, (text.name, language)


def test_an_own_text_missing_a_language_or_naming_what_it_lacks_is_refused():
    with pytest.raises(ValueError) as refused:
        registry.own_text("broken_summary", params=("count",), en="You have {count} new {things}")
    message = str(refused.value)
    assert "broken_summary: no template in 'sw'" in message
    assert "the 'en' template names 'things', which it does not carry" in message
    assert "broken_summary" not in {text.name for text in registry.own_texts()}


def test_a_type_missing_a_language_or_naming_what_its_event_lacks_is_refused():
    with pytest.raises(ValueError) as refused:
        notification_type(
            "broken", sources=(FOLLOW_CREATED,), category="social", recipient="followee_id", actor="follower_id",
            params=("amount",), link="nexgate://users/{username}", grouping=Grouping(on="post_id"),
            in_app={"en": "{actor_name} sent you {gift}"})
    message = str(refused.value)
    assert "no in_app template in 'sw'" in message
    assert "the in_app 'en' template names 'gift', which it does not carry" in message
    assert "users.follow.created carries no field 'amount'" in message
    assert "carries no field 'username'" in message and "carries no field 'post_id'" in message


def test_a_scheduled_type_names_only_its_recipient_and_params_and_has_no_sources():
    with pytest.raises(ValueError) as refused:
        notification_type("broken_reminder", scheduled=True, sources=(FOLLOW_CREATED,), category="events",
                          recipient="user_id", params=("title",), link="nexgate://events/{event_id}",
                          in_app={"en": "{title} soon", "sw": "{title} hivi karibuni"})
    message = str(refused.value)
    assert "a scheduled type has no source events" in message
    assert "names 'event_id', which is neither its recipient nor one of its params" in message
    with pytest.raises(ValueError, match="no source events"):
        notification_type("from_nothing", category="social", recipient="user_id", link="nexgate://x",
                          in_app={"en": "Something", "sw": "Kitu"})
    with pytest.raises(ValueError, match="a grouped type has an actor"):
        notification_type("grouped_reminder", scheduled=True, category="events", recipient="user_id",
                          params=("event_id",), link="nexgate://events/{event_id}", grouping=Grouping(on="event_id"),
                          in_app={"en": "Soon", "sw": "Hivi karibuni"})
    reminder = notification_type("reminder", scheduled=True, category="events", recipient="user_id",
                                 params=("event_id",), link="nexgate://events/{event_id}",
                                 in_app={"en": "Soon", "sw": "Hivi karibuni"})
    assert registry.SCHEDULE_FIRED in registry.Registry([reminder]).sources()
    assert registry.Registry(TYPES).sources() == tuple(sorted({s for kind in TYPES for s in kind.sources}))


def test_a_type_told_to_each_item_of_a_list_names_the_items_fields():
    with pytest.raises(ValueError) as refused:
        notification_type("each_follower", sources=(FOLLOW_CREATED,), each=registry.Each("followers", ("user_id",)),
                          category="social", recipient="user_id", params=("share",), link="nexgate://x",
                          in_app={"en": "Followed", "sw": "Umefuatwa"})
    message = str(refused.value)
    assert "users.follow.created carries no list 'followers'" in message
    assert "carries no field 'share'" in message and "'user_id'" not in message


def test_an_amount_is_shown_with_its_currency_from_the_params():
    from nexgate.domain.payments.events import PAYMENT_SUCCEEDED

    with pytest.raises(ValueError, match="the amount 'amount' and its currency 'currency' are both params"):
        notification_type("paid", sources=(PAYMENT_SUCCEEDED,), category="payments", critical=True,
                          recipient="payer_id", params=("amount",), amounts={"amount": "currency"},
                          link="nexgate://x", in_app={"en": "Paid {amount}", "sw": "Umelipa {amount}"})
    kind = registry.registered()["payment_succeeded"]
    assert "TZS 15,000 received" in registry.render(kind, "in_app", "en", {
        "amount": 1_500_000, "currency": "TZS", "provider": "selcom"}, [], 0)


def test_payments_and_security_types_are_critical():
    with pytest.raises(ValueError, match="a security notification is critical"):
        notification_type("quiet", sources=(FOLLOW_CREATED,), category="security", recipient="followee_id",
                          link="nexgate://x", in_app={"en": "Something happened", "sw": "Jambo limetokea"})


def test_the_consumer_listens_to_every_registered_source_and_the_digests_and_no_other():
    group = consumer_groups()["notifications"](types.SimpleNamespace(notify=None))
    assert set(group.routing_keys) == {source for kind in TYPES for source in kind.sources} | (
        {registry.SCHEDULE_FIRED} if any(kind.scheduled for kind in TYPES) else set()) | {DIGEST_DUE}
    assert {kind.name for area in AREAS for kind in area.notification_types} == {kind.name for kind in TYPES}


@pytest.mark.parametrize("language, names, count, phrase", [
    ("en", ["Amina"], 1, "Amina"),
    ("en", ["Amina", "Juma"], 2, "Amina and Juma"),
    ("en", ["Amina", "Juma", "Neema"], 3, "Amina, Juma and 1 other"),
    ("en", ["Amina", "Juma", "Neema"], 12, "Amina, Juma and 10 others"),
    ("sw", ["Amina", "Juma"], 2, "Amina na Juma"),
    ("sw", ["Amina", "Juma", "Neema"], 3, "Amina, Juma na mwingine 1"),
    ("sw", ["Amina", "Juma"], 1000, "Amina, Juma na wengine 998"),
])
def test_actors_read_as_people_say_them(language, names, count, phrase):
    assert actors_phrase(language, names, count) == phrase


@pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.name)
def test_docs_show_every_type_with_both_templates(kind):
    row = next((line for line in DOC.splitlines() if line.startswith(f"| `{kind.name}` |")), None)
    assert row is not None, f"docs/notifications.md has no row for {kind.name}"
    for language in registry.LANGUAGES:
        assert kind.templates["in_app"][language] in row, (kind.name, language)
    for template in kind.templates.get(registry.MANY, {}).values():
        assert f"several: {template}" in row, kind.name
    assert f"`{kind.category}`" in row and all(f"`{source}`" in row for source in kind.sources)
