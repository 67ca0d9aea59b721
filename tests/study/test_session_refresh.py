"""What the TUI needs of the bank for reloads and progress: refresh() and content_hash()."""

from __future__ import annotations

from normquiz.bank.model import content_hash
from normquiz.study.session import session_from
from tests.study.conftest import BANK, question


def test_content_hash_is_stable_and_follows_the_content() -> None:
    first = question(1, "basic", ["bn"])
    assert content_hash(first) == content_hash(question(1, "basic", ["bn"]))
    assert len(content_hash(first)) == 16
    edited = first.model_copy(update={"prompt": "A new prompt"})
    assert content_hash(edited) != content_hash(first)


def test_refresh_keeps_the_place_and_takes_the_new_content() -> None:
    session = session_from(BANK, seed=2, count=5)
    session.reveal_hint()
    session.reveal_hint()
    session.answer(True, at=1.0)
    session.advance()
    current_id = session.current.question.id
    order = [item.question.id for item in session.items]
    edited = session.current.question.model_copy(update={"prompt": "Edited", "hints": ["only one"]})
    replacement = [edited if q.id == current_id else q for q in BANK if q.id != order[-1]]

    changed = session.refresh(replacement)

    assert changed == [current_id]
    assert [item.question.id for item in session.items] == order  # a vanished id keeps its old content
    assert session.position == 1 and session.current.question.prompt == "Edited"
    assert order[0] in session.records


def test_refresh_caps_the_hints_already_used() -> None:
    session = session_from(BANK, seed=0, count=1)
    session.reveal_hint()
    session.reveal_hint()
    current = session.current.question
    session.refresh([current.model_copy(update={"hints": ["one"]})])
    assert session.hints_used() == 1 and session.reveal_hint() is None


def test_the_demo_catalogue_imports_without_pydantic() -> None:
    """The app's home screen lists the demos before its first frame: that must stay light."""
    import subprocess
    import sys

    code = "import sys, normquiz.bank.demos; print('pydantic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
