"""`normquiz export --format anki`: the package is read back as Anki reads it (a zip holding SQLite)."""

from __future__ import annotations

import json
import sqlite3
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from normquiz.bank import load_bank
from normquiz.bank.anki import FIELDS, NOTE_TYPE_ID, ROOT_DECK_ID, note_guid
from normquiz.cli import main
from tests.bank.conftest import SINGLE, TRUE_FALSE


@dataclass(frozen=True)
class Note:
    guid: str
    note_type: int
    fields: dict[str, str]
    tags: list[str]
    deck: str


@dataclass(frozen=True)
class Package:
    notes: dict[str, Note]  # by the Id field
    note_types: dict[int, list[str]]  # note type id -> field names
    decks: dict[int, str]  # deck id -> name


def read_package(path: Path, work: Path) -> Package:
    """Open ``path`` as Anki's importer does: unzip ``collection.anki2`` and query it."""
    with zipfile.ZipFile(path) as archive:
        assert "collection.anki2" in archive.namelist()
        archive.extract("collection.anki2", work)
    connection = sqlite3.connect(work / "collection.anki2")
    try:
        models_json, decks_json = connection.execute("SELECT models, decks FROM col").fetchone()
        note_types = {int(key): [field["name"] for field in value["flds"]]
                      for key, value in json.loads(models_json).items()}
        decks = {int(key): value["name"] for key, value in json.loads(decks_json).items()}
        notes = {}
        rows = connection.execute(
            "SELECT notes.guid, notes.mid, notes.flds, notes.tags, cards.did FROM notes "
            "JOIN cards ON cards.nid = notes.id").fetchall()
        for guid, note_type, fields, tags, deck in rows:
            values = dict(zip(note_types[note_type], fields.split("\x1f")))
            notes[values["Id"]] = Note(guid, note_type, values, tags.split(), decks[deck])
        assert len(notes) == len(rows), "one card per note, one note per question"
    finally:
        connection.close()
    return Package(notes, note_types, decks)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder of a test that writes a package (genanki: the extra normquiz[anki])."""
    pytest.importorskip("genanki", reason="genanki is not installed: pip install 'normquiz[anki]'")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NORMQUIZ_CONTENT", raising=False)
    return tmp_path


HOSTILE = """\
topic: Mine <b>bold</b>
questions:
  - id: zz-hostile
    level: intermediate
    type: single_choice
    tags: [safety]
    prompt: "Is <script>alert(1)</script> shown as text? [link](javascript:alert(1)) ![x](http://example.com/t.png) [sound:x.mp3]"
    choices:
      - text: Yes, <i>escaped</i>
        correct: true
        feedback: "Good: `<b>` stays text."
      - text: "No"
    explanation: "Because a < b."
"""


def test_the_whole_bank_becomes_one_note_per_question_with_stable_ids(folder: Path) -> None:
    assert main(["export", "--format", "anki", "-o", "deck.apkg"]) == 0
    package = read_package(folder / "deck.apkg", folder)
    bank = load_bank()
    assert sorted(package.notes) == sorted(question.id for question in bank.questions)
    assert package.note_types[NOTE_TYPE_ID] == list(FIELDS)
    assert package.decks[ROOT_DECK_ID] == "normquiz"
    for question in bank.questions:
        note = package.notes[question.id]
        topic = bank.sources[question.id].topic
        assert note.guid == note_guid(question.id)
        assert note.note_type == NOTE_TYPE_ID
        assert note.deck == f"normquiz::{topic}"
        assert f"normquiz::level::{question.level}" in note.tags
        assert f"normquiz::topic::{'-'.join(topic.lower().split())}" in note.tags
        assert {f"normquiz::tag::{tag}" for tag in question.tags} <= set(note.tags)
        assert note.fields["Level"] == question.level
        assert "<strong>Answer:</strong>" in note.fields["Answer"]
        assert "<strong>Why:</strong>" in note.fields["Explanation"]
        assert "{{" not in note.fields["Prompt"], "computed prompts carry a drawn instance"


def test_a_computed_question_is_its_seed_0_instance_with_the_worked_solution(folder: Path) -> None:
    import re
    from html import escape, unescape

    from normquiz.bank.checking import expected_answer
    from normquiz.bank.computed import generate

    assert main(["export", "--format", "anki", "--level", "advanced", "-o", "deck.apkg"]) == 0
    package = read_package(folder / "deck.apkg", folder)
    computed = [question for question in load_bank().questions
                if question.type == "computed" and question.level == "advanced"]
    assert computed
    for question in computed:
        fields = package.notes[question.id].fields
        instance = generate(question, 0)
        assert escape(expected_answer(question, instance), quote=False) in fields["Answer"]
        shown = unescape(re.sub(r"<[^>]+>", "", fields["Prompt"]))  # the card's text, as Anki shows it
        assert instance.prompt.split("\n")[0].replace("`", "").replace("**", "") in shown
        assert "<strong>Worked solution:</strong>" in fields["Answer"]


def test_choices_feedback_and_references_are_on_the_right_side(folder: Path) -> None:
    assert main(["export", "--format", "anki", "--level", "basic", "-o", "deck.apkg"]) == 0
    fields = read_package(folder / "deck.apkg", folder).notes["bn-axis-2d"].fields
    question = next(question for question in load_bank().questions if question.id == "bn-axis-2d")
    for choice in question.choices:
        assert choice.text in fields["Choices"]
        assert choice.feedback and choice.feedback.replace('"', "&quot;") in fields["Feedback"]
    right = next(choice.text for choice in question.choices if choice.correct)
    assert f"<strong>Answer:</strong> {right}" in fields["Answer"]
    assert f"✓ {right}" in fields["Feedback"]
    assert "Ioffe &amp; Szegedy" in fields["References"]
    assert not any(choice.feedback and choice.feedback in fields["Choices"] for choice in question.choices)


def test_level_and_content_select_like_the_markdown_export(folder: Path) -> None:
    extra = folder / "extra"
    extra.mkdir()
    (extra / "mine.yaml").write_text(HOSTILE, encoding="utf-8")
    assert main(["export", "--format", "anki", "--level", "intermediate", "--content", str(extra),
                 "-o", "deck.apkg"]) == 0
    package = read_package(folder / "deck.apkg", folder)
    intermediate = {question.id for question in load_bank([extra]).questions if question.level == "intermediate"}
    assert set(package.notes) == intermediate and "zz-hostile" in intermediate
    assert package.notes["zz-hostile"].deck == "normquiz::Mine <b>bold</b>"  # a deck name is plain text


def test_question_text_cannot_become_html_in_anki(folder: Path) -> None:
    (folder / "mine.yaml").write_text(HOSTILE, encoding="utf-8")
    assert main(["export", "--format", "anki", "--content", ".", "-o", "deck.apkg"]) == 0
    note = read_package(folder / "deck.apkg", folder).notes["zz-hostile"]
    everything = "\x1f".join(note.fields.values())
    for tag in ("<script", "<i>", "<b>", "<img", "javascript:alert(1)\""):
        assert tag not in everything
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in note.fields["Prompt"]
    assert "Yes, &lt;i&gt;escaped&lt;/i&gt;" in note.fields["Choices"]
    assert "<code>&lt;b&gt;</code>" in note.fields["Feedback"]
    assert "[sound:" not in note.fields["Prompt"]
    assert note.fields["Topic"] == "Mine &lt;b&gt;bold&lt;/b&gt;"
    assert "a &lt; b" in note.fields["Explanation"]


def test_exporting_again_gives_the_same_ids_so_a_reimport_updates(folder: Path) -> None:
    (folder / "mine.yaml").write_text("topic: Test topic\nquestions:\n" + SINGLE + TRUE_FALSE, encoding="utf-8")
    assert main(["export", "--format", "anki", "--content", ".", "--level", "basic", "-o", "one.apkg"]) == 0
    edited = SINGLE.replace("Which axis?", "Which axis, really?")
    (folder / "mine.yaml").write_text("topic: Test topic\nquestions:\n" + edited + TRUE_FALSE, encoding="utf-8")
    assert main(["export", "--format", "anki", "--content", ".", "--level", "basic", "-o", "two.apkg"]) == 0
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    one, two = read_package(folder / "one.apkg", folder / "a"), read_package(folder / "two.apkg", folder / "b")
    assert one.decks == two.decks and one.note_types.keys() == two.note_types.keys()
    assert {note.guid for note in one.notes.values()} == {note.guid for note in two.notes.values()}
    assert one.notes["q-single"].guid == two.notes["q-single"].guid
    assert "Which axis, really?" in two.notes["q-single"].fields["Prompt"]


def test_anki_needs_an_output_file_and_genanki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--format", "anki"]) == 2
    assert capsys.readouterr().err == (
        "normquiz export: error: --format anki writes a binary package: name it with -o FILE.apkg\n")
    monkeypatch.setitem(sys.modules, "genanki", None)  # as if it were not installed
    assert main(["export", "--format", "anki", "-o", "deck.apkg"]) == 2
    assert capsys.readouterr().err == (
        "normquiz export: error: writing an Anki deck needs genanki: pip install 'normquiz[anki]'\n")
    assert not (tmp_path / "deck.apkg").exists()


def test_an_ordering_card_never_shows_the_items_in_the_right_order(folder: Path) -> None:
    assert main(["export", "--format", "anki", "-o", "deck.apkg"]) == 0
    package = read_package(folder / "deck.apkg", folder)
    ordering = [question for question in load_bank().questions if question.type == "ordering"]
    assert ordering
    for question in ordering:
        front = package.notes[question.id].fields["Choices"]
        positions = [front.index(f"<li>{item}</li>") for item in question.items]
        assert positions != sorted(positions), question.id
