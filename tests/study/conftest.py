"""What the study tests share: a small bank of questions, and a store on disk with a clock moved by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from normquiz.progress import ProgressStore
from tests.bank.conftest import make_question
from tests.progress.conftest import FakeClock


def question(index: int, level: str, tags: list[str], kind: str = "true_false") -> object:
    fields = {"answer": True} if kind == "true_false" else {
        "choices": [{"text": f"c{k}", "correct": k == 0} for k in range(4)]}
    return make_question(kind, id=f"q-{index}", level=level, tags=tags, hints=["h1", "h2"], **fields)


BANK = [question(i, ("basic", "intermediate", "advanced")[i % 3], ["bn"] if i % 2 else ["ln"]) for i in range(12)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> ProgressStore:
    opened = ProgressStore.open(tmp_path / "data", clock=clock)
    yield opened
    opened.close()
