"""Links in message text, as structured entities: clients render the text as text and turn
these ranges into links. Offsets and lengths count Unicode code points."""
from __future__ import annotations

import re
from typing import Any

# http(s)://host... or www.host...; trailing punctuation of the sentence is not part of the link.
_LINK = re.compile(
    r"(?<![\w@/])(?:https?://|www\.)[^\s<>\"']+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\""
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)


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
