"""A small bank of true/false and choice questions the study tests share."""

from __future__ import annotations

from tests.bank.conftest import make_question


def question(index: int, level: str, tags: list[str], kind: str = "true_false") -> object:
    fields = {"answer": True} if kind == "true_false" else {
        "choices": [{"text": f"c{k}", "correct": k == 0} for k in range(4)]}
    return make_question(kind, id=f"q-{index}", level=level, tags=tags, hints=["h1", "h2"], **fields)


BANK = [question(i, ("basic", "intermediate", "advanced")[i % 3], ["bn"] if i % 2 else ["ln"]) for i in range(12)]
