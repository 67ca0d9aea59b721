"""The bank as an Anki package (.apkg): one note per question, updated in place on re-import.

The package is written with genanki (the optional extra ``normquiz[anki]``).
Anki matches an imported note to the one it already has by the note's GUID and
its note type's id, so both are fixed: the GUID is derived from the question
id and the note type and deck ids are constants. Editing a question and
exporting again therefore updates the learner's note and keeps its review
history. Question text is Markdown and is turned into HTML with raw HTML
escaped, so nothing an author writes can become markup or script in Anki.
"""

from __future__ import annotations

import hashlib
import html
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from normquiz.bank import model as m
from normquiz.bank.answer_text import answer_text
from normquiz.bank.computed import generate
from normquiz.bank.export import EXPORT_SEED, selected_questions, topic_of
from normquiz.bank.loader import LoadResult

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

INSTALL_HINT = "pip install 'normquiz[anki]'"

# Fixed for good: a new id would make Anki import every note again as a new one.
# Change NOTE_TYPE_ID only together with FIELDS (Anki keeps a note type's fields).
NOTE_TYPE_ID = 1_733_059_201
NOTE_TYPE_NAME = "normquiz question"
ROOT_DECK_ID = 1_733_059_202
ROOT_DECK_NAME = "normquiz"
FIELDS = ("Id", "Prompt", "Choices", "Hints", "Answer", "Feedback", "Explanation", "References",
          "Level", "Topic")

_FRONT = """\
<div class="nq-meta">{{Level}} · {{Topic}}</div>
<div class="nq-prompt">{{Prompt}}</div>
{{#Choices}}<div class="nq-choices">{{Choices}}</div>{{/Choices}}
{{#Hints}}<div class="nq-hints">{{hint:Hints}}</div>{{/Hints}}
"""
_BACK = """\
{{FrontSide}}
<hr id="answer">
<div class="nq-answer">{{Answer}}</div>
{{#Feedback}}<div class="nq-feedback">{{Feedback}}</div>{{/Feedback}}
<div class="nq-explanation">{{Explanation}}</div>
{{#References}}<div class="nq-references">{{References}}</div>{{/References}}
<div class="nq-id">{{Id}}</div>
"""
_CSS = """\
.card { font-family: sans-serif; font-size: 18px; text-align: left; max-width: 42em; margin: auto; }
.nq-meta, .nq-id { font-size: 13px; opacity: 0.6; }
.nq-choices ol { list-style-type: upper-alpha; }
table { border-collapse: collapse; } td, th { border: 1px solid #8888; padding: 0.1em 0.5em; }
code, pre { font-family: monospace; }
"""


class AnkiUnavailable(Exception):
    """genanki is not installed."""


@dataclass(frozen=True)
class AnkiExport:
    """What was written: notes, and among them computed questions shown as one fixed instance."""

    notes: int
    computed: int
    decks: int


@dataclass(frozen=True)
class NoteContent:
    """The HTML of each field of one question's note, and its tags."""

    fields: dict[str, str]
    tags: list[str]


def write_anki_package(result: LoadResult, path: str | os.PathLike[str], *,
                       levels: Iterable[str] | None = None) -> AnkiExport:
    """Write the questions of ``levels`` (all when empty) to the package ``path``.

    One sub-deck ``normquiz::<topic>`` per topic; computed questions carry the
    instance drawn with seed ``EXPORT_SEED`` and its worked solution.
    """
    try:
        import genanki
    except ImportError:
        raise AnkiUnavailable(f"writing an Anki deck needs genanki: {INSTALL_HINT}") from None
    note_type = genanki.Model(NOTE_TYPE_ID, NOTE_TYPE_NAME, fields=[{"name": name} for name in FIELDS],
                              templates=[{"name": "Question", "qfmt": _FRONT, "afmt": _BACK}], css=_CSS)
    decks: dict[str, Any] = {}
    questions = selected_questions(result, levels)
    for question in questions:
        topic = topic_of(result, question)
        if topic not in decks:
            deck_name = f"{ROOT_DECK_NAME}::{topic}"
            decks[topic] = genanki.Deck(deck_id(deck_name), deck_name)
        content = note_content(question, topic)
        decks[topic].add_note(genanki.Note(model=note_type, fields=[content.fields[name] for name in FIELDS],
                                           tags=content.tags, guid=note_guid(question.id)))
    root = genanki.Deck(ROOT_DECK_ID, ROOT_DECK_NAME)
    genanki.Package([root, *decks.values()]).write_to_file(os.fspath(path))
    computed = sum(isinstance(question, m.ComputedQuestion) for question in questions)
    return AnkiExport(notes=len(questions), computed=computed, decks=len(decks))


def note_guid(question_id: str) -> str:
    """The note's GUID: a function of the question id alone, so a re-import updates the note."""
    return "nq-" + hashlib.sha256(f"normquiz question {question_id}".encode()).hexdigest()[:20]


def deck_id(deck_name: str) -> int:
    """A fixed id for a sub-deck (a hash of its name: stable across exports, fits Anki's int64)."""
    return int(hashlib.sha256(deck_name.encode()).hexdigest()[:12], 16)


def note_content(question: m.QuestionBase, topic: str) -> NoteContent:
    instance = generate(question, EXPORT_SEED) if isinstance(question, m.ComputedQuestion) else None
    text = answer_text(question, instance)
    answer = [text.answer]
    if isinstance(question, m.OpenQuestion):
        answer += ["**Key points:**", "\n".join(f"- {point}" for point in question.key_points)]
    answer.append(text.worked_solution)
    fields = {
        "Id": _escape(question.id),
        "Prompt": markdown_html((instance.prompt if instance else question.prompt).strip()),
        "Choices": _choices_html(question),
        "Hints": "".join(f"<div>{markdown_html(hint)}</div>" for hint in question.hints),
        "Answer": markdown_html("\n\n".join(block for block in answer if block)),
        "Feedback": _feedback_html(question),
        "Explanation": markdown_html(text.why),
        "References": markdown_html(text.references) if text.references else "",
        "Level": question.level,
        "Topic": _escape(topic),
    }
    return NoteContent(fields, note_tags(question, topic))


def note_tags(question: m.QuestionBase, topic: str) -> list[str]:
    """Hierarchical tags (Anki has no spaces in tags): level, topic, the question's own tags."""
    tags = [f"normquiz::level::{question.level}", f"normquiz::topic::{_tag_word(topic)}",
            f"normquiz::type::{question.type}"]
    return tags + [f"normquiz::tag::{tag}" for tag in question.tags]


def _tag_word(text: str) -> str:
    return "-".join(text.lower().split()).replace("::", "-") or "questions"


def shown_order(question: m.QuestionBase) -> list[int]:
    """Written indices in the order the card shows them.

    A card cannot reshuffle, so shuffled choices and ordering items get one
    fixed order drawn from the question id: the author's order (often the
    right answer first, or the right sequence) would give the answer away.
    """
    if isinstance(question, (m.SingleChoiceQuestion, m.MultipleChoiceQuestion)):
        count, shuffle = len(question.choices), question.shuffle
    elif isinstance(question, m.OrderingQuestion):
        count, shuffle = len(question.items), True
    else:
        return []
    order = list(range(count))
    if shuffle:
        random.Random(question.id).shuffle(order)
        if isinstance(question, m.OrderingQuestion) and order == sorted(order):
            order.reverse()
    return order


def _choices_html(question: m.QuestionBase) -> str:
    if isinstance(question, (m.SingleChoiceQuestion, m.MultipleChoiceQuestion)):
        texts = [question.choices[index].text for index in shown_order(question)]
        how = "Pick one." if isinstance(question, m.SingleChoiceQuestion) else "Pick every right one."
    elif isinstance(question, m.OrderingQuestion):
        texts = [question.items[index] for index in shown_order(question)]
        how = "Put these in order."
    elif isinstance(question, m.TrueFalseQuestion):
        return "<p>True or false?</p>"
    else:
        return ""
    items = "".join(f"<li>{markdown_inline_html(text)}</li>" for text in texts)
    return f"<p>{how}</p><ol>{items}</ol>"


def _feedback_html(question: m.QuestionBase) -> str:
    """Every choice, in the card's order, marked right or wrong, with its feedback."""
    if not isinstance(question, (m.SingleChoiceQuestion, m.MultipleChoiceQuestion)):
        return ""
    rows = []
    for index in shown_order(question):
        choice = question.choices[index]
        mark = "✓" if choice.correct else "✗"
        feedback = f" — {markdown_inline_html(choice.feedback)}" if choice.feedback else ""
        rows.append(f"<li>{mark} {markdown_inline_html(choice.text)}{feedback}</li>")
    return f"<ol class=\"nq-feedback-list\">{''.join(rows)}</ol>"


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in the source is shown as text, never rendered.
    # Images are off: a card would fetch a remote URL each time it is shown.
    # markdown-it already refuses javascript:, vbscript: and file: links.
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def markdown_html(text: str) -> str:
    """Markdown as HTML for an Anki field, every raw HTML tag escaped."""
    return _defuse_anki_markup(_markdown().render(text).strip())


def markdown_inline_html(text: str) -> str:
    """One line of Markdown (a choice) as inline HTML."""
    return _defuse_anki_markup(_markdown().renderInline(text))


def _escape(text: str) -> str:
    return _defuse_anki_markup(html.escape(text))


def _defuse_anki_markup(markup: str) -> str:
    # Anki reads [sound:...] in a field as a file to play: keep it literal text.
    return markup.replace("[sound:", "&#91;sound:")
