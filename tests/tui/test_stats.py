"""The stats screen's accuracy per tag: one correct bar per tag shown, the weakest that fit, said so."""

from __future__ import annotations

from pathlib import Path

from normquiz.progress import ProgressStore
from normquiz.progress.stats import Accuracy
from normquiz.tui.screens.stats import StatsScreen
from normquiz.tui.widgets.bars import TagBars, weakest_tags
from tests.tui.conftest import ready

TAGS = 16


def write_tagged_bank(folder: Path) -> None:
    """One true/false question per tag ``tag-00`` ... ``tag-15``."""
    questions = "".join(
        f"  - id: q-{i:02d}\n    level: basic\n    type: true_false\n    tags: [tag-{i:02d}]\n"
        f"    prompt: Statement {i}.\n    answer: true\n    explanation: Because {i}.\n"
        for i in range(TAGS))
    (folder / "tags.yaml").write_text(f"topic: Tags\nquestions:\n{questions}")


def test_weakest_tags_come_first_and_only_as_many_as_fit() -> None:
    per_tag = {"a": Accuracy.of(4, 4), "b": Accuracy.of(2, 0), "c": Accuracy.of(4, 2), "d": Accuracy.of(0, 0),
               "e": Accuracy.of(6, 3)}
    shown, total = weakest_tags(per_tag, 3)
    assert total == 4  # d was never answered
    assert [(bar.tag, bar.accuracy) for bar in shown] == [("b", 0.0), ("e", 0.5), ("c", 0.5)]


async def test_every_bar_is_its_own_tags_accuracy(make_app, content_dir: Path, store: ProgressStore) -> None:
    write_tagged_bank(content_dir)
    # Four answers per tag, 0 to 4 of them correct: the tags' accuracies differ.
    expected = {}
    for i in range(TAGS):
        answers = 4
        correct = round(answers * i / (TAGS - 1))
        for k in range(answers):
            store.record_attempt(f"q-{i:02d}", content_hash="h", correct=k < correct)
        expected[f"tag-{i:02d}"] = correct / answers
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        bars = app.screen.query_one(TagBars)
        await pilot.pause()
        lines = [line.rstrip() for line in str(bars.render()).splitlines()]
        room = bars.size.height - 2
        assert 0 < room < TAGS
        assert lines[0].startswith(f"Accuracy per tag, the weakest {room} of {TAGS} answered tags")
        rows = lines[2:]
        assert len(rows) == room
        weakest = sorted(expected, key=lambda tag: (expected[tag], tag))[:room]
        shown = [row.split()[0] for row in rows]
        assert shown == weakest
        for row in rows:
            tag = row.split()[0]
            filled, empty = row.count("█"), row.count("░")
            assert abs(filled / (filled + empty) - expected[tag]) < 0.05, row
            assert f"{round(100 * expected[tag])}% of 4" in row
