"""Structured entities in user text: the one parser of the platform (messages, posts, comments).

Clients render text as text and turn these ranges into links, mentions, shop mentions and
hashtags. Offsets and lengths count Unicode code points (Python ``str`` indices). The parser
only finds names: turning a username into a user or a handle into a shop is the owning area's
domain work (``users.profiles.ids_by_usernames``, ``commerce.shops.shops_by_handles``).

- ``link``: ``http(s)://…`` or ``www.…`` with a real host name; the sentence's trailing
  punctuation is not part of it. ``{"type": "link", "offset", "length", "url"}``.
- ``mention``: ``@username`` by the users area's username rule (3 to 30 letters a-z, A-Z,
  digits and underscores), not inside a word or an e-mail address. ``{"type": "mention", ..., "username"}``.
- ``shop``: ``$handle`` by the shops' handle rule (the same characters, 3 to 30).
  ``{"type": "shop", ..., "handle"}``.
- ``hashtag``: ``#tag``, 1 to 100 letters, digits and underscores (any script) with at least one
  letter, not inside a word; ``tag`` is its lower-case form. ``{"type": "hashtag", ..., "tag"}``.

Nothing inside a link is a mention, a shop or a hashtag. Entities come in text order.
"""
from __future__ import annotations

import re
from typing import Any

# http(s)://host... or www.host...; trailing punctuation of the sentence is not part of the link.
_LINK = re.compile(r"(?<![\w@/])(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)
# The username rule (domain/auth/identifiers.USERNAME) and the handle rule (domain/commerce/handles.HANDLE).
_MENTION = re.compile(r"(?<![A-Za-z0-9_@.])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_@])")
_SHOP = re.compile(r"(?<![A-Za-z0-9_$])\$([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w{1,100})(?![\w#])")
MAX_HASHTAG = 100


def links(text: str) -> list[dict[str, Any]]:
    """``[{"type": "link", "offset", "length", "url"}]`` for each web address in ``text``."""
    found = []
    for match in _LINK.finditer(text):
        raw = match.group(0).rstrip(_TRAILING)
        url = raw if raw.lower().startswith(("http://", "https://")) else f"https://{raw}"
        host = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
        if not _HOST.match(host.split(":", 1)[0]):
            continue
        found.append({"type": "link", "offset": match.start(), "length": len(raw), "url": url})
    return found


def parse(text: str) -> list[dict[str, Any]]:
    """Every link, mention, shop mention and hashtag of ``text``, in text order."""
    found = links(text)
    taken = [(e["offset"], e["offset"] + e["length"]) for e in found]

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for pattern, kind, key in ((_MENTION, "mention", "username"), (_SHOP, "shop", "handle")):
        for match in pattern.finditer(text):
            if free(match.start(), match.end()):
                found.append({"type": kind, "offset": match.start(), "length": match.end() - match.start(),
                              key: match.group(1)})
    for match in _HASHTAG.finditer(text):
        tag = match.group(1)
        if not free(match.start(), match.end()) or not any(ch.isalpha() for ch in tag):
            continue
        found.append({"type": "hashtag", "offset": match.start(), "length": match.end() - match.start(),
                      "tag": tag.lower()})
    return sorted(found, key=lambda e: e["offset"])


def usernames(entities: list[dict[str, Any]]) -> list[str]:
    """The distinct usernames mentioned (first spelling kept, any letter case the same)."""
    return list({e["username"].lower(): e["username"] for e in entities if e["type"] == "mention"}.values())


def handles(entities: list[dict[str, Any]]) -> list[str]:
    return list({e["handle"].lower(): e["handle"] for e in entities if e["type"] == "shop"}.values())


def hashtags(entities: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(e["tag"] for e in entities if e["type"] == "hashtag"))
