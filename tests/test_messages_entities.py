"""Links found in message text: what is a link, where it starts and how long it is."""
from __future__ import annotations

from nexgate.entities import links


def _found(text: str) -> list[tuple[str, str]]:
    return [(text[e["offset"]:e["offset"] + e["length"]], e["url"]) for e in links(text)]


def test_web_addresses_become_links_without_the_sentence_punctuation_around_them():
    text = "Tazama (https://soko.co.tz/a?b=1#c), www.duka.africa! na http://x.co/path."
    assert _found(text) == [("https://soko.co.tz/a?b=1#c", "https://soko.co.tz/a?b=1#c"),
                            ("www.duka.africa", "https://www.duka.africa"), ("http://x.co/path", "http://x.co/path")]


def test_offsets_count_code_points_so_emoji_before_a_link_do_not_shift_it():
    text = "🎉🇹🇿 https://nexgate.africa"
    assert _found(text) == [("https://nexgate.africa", "https://nexgate.africa")]


def test_what_is_not_a_web_address_is_left_as_text():
    for text in ("amina@duka.co.tz", "http://localhost", "https://", "javascript:alert(1)", "file:///etc/passwd",
                 "ftp://files.example.com", "nenda www."):
        assert links(text) == [], text
