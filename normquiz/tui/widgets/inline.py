"""Inline Markdown (``code``, **bold**, *emphasis*) as Textual ``Content`` for one-line texts."""

from __future__ import annotations

import re

from textual.content import Content

_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*|(?<![\w*])\*([^*\s][^*]*)\*(?!\w)")


def inline_markdown(text: str) -> Content:
    """Choices, items and key points are short Markdown: style their code and emphasis."""
    text = " ".join(text.split())
    parts: list[str | tuple[str, str]] = []
    position = 0
    for match in _INLINE.finditer(text):
        parts.append(text[position:match.start()])
        code, bold, emphasis = match.groups()
        if code is not None:
            parts.append((code, "$text-accent"))
        elif bold is not None:
            parts.append((bold, "bold"))
        else:
            parts.append((emphasis, "italic"))
        position = match.end()
    parts.append(text[position:])
    return Content.assemble(*[part for part in parts if part])
