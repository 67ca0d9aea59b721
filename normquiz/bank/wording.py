"""When two texts count as the same: typed answers, choices and ordering steps compared as a learner reads them."""

from __future__ import annotations

import re
import string
import unicodedata

_PUNCTUATION = str.maketrans({character: " " for character in string.punctuation + "‐–—’‘“”"})
_APOSTROPHE = "'’ʼ‘"
_POSSESSIVE = re.compile(rf"(?<=\w)[{_APOSTROPHE}]s\b")  # Welford's, Welford’s: Welford
_INNER_APOSTROPHE = re.compile(rf"(?<=\w)[{_APOSTROPHE}](?=\w)")  # don't: dont, not "don t"


def normalize_text(text: str) -> str:
    """Lower case, possessives and punctuation dropped, runs of spaces to one:
    ``"Layer-Norm!"`` → ``"layer norm"``, ``"Welford’s"`` → ``"welford"``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _INNER_APOSTROPHE.sub("", _POSSESSIVE.sub("", folded))
    return " ".join(folded.translate(_PUNCTUATION).split())


def same_wording(text: str) -> str:
    """Case and spacing folded but punctuation kept (``x - y`` and ``x + y`` stay apart).

    Two choices or two ordering steps with the same key look identical on screen.
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def first_repeat(texts: list[str]) -> tuple[int, int] | None:
    """``(first, second)`` indices of the first two texts with the same wording, or None."""
    seen: dict[str, int] = {}
    for index, text in enumerate(texts):
        key = same_wording(text)
        if key in seen:
            return seen[key], index
        seen[key] = index
    return None
