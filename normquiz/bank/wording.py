"""When two texts count as the same: typed answers, choices and ordering steps compared as a learner reads them."""

from __future__ import annotations

import string
import unicodedata

_PUNCTUATION = str.maketrans({character: " " for character in string.punctuation + "‐–—’‘“”"})


def normalize_text(text: str) -> str:
    """Lower case, punctuation to spaces, runs of spaces to one: ``"Layer-Norm!"`` → ``"layer norm"``."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_PUNCTUATION)
    return " ".join(folded.split())


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
