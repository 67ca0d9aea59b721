"""The built-in short-answer questions accept the spellings a learner types, and refuse near misses."""

from __future__ import annotations

from functools import cache

import pytest

from normquiz.bank import load_bank
from normquiz.bank.checking import check_answer


@cache
def _questions() -> dict:
    return {q.id: q for q in load_bank().questions}


@pytest.mark.parametrize(("question_id", "accepted", "refused"), [
    ("hood-welford-name", ["Welford's", "Welford’s", "Welford’s algorithm", "welford"],
     ["Chan's", "Kahan's summation", "two-pass"]),
    ("seq-llama-norm", ["nn.RMSNorm", "RMSNorm layer", "torch.nn.RMSNorm", "RMS norm"],
     ["nn.LayerNorm", "LayerNorm", "batch norm", "layer"]),
    ("bn-switch-to-running-stats", ["model.eval()", "net.eval()", "model.train(False)", "eval"],
     ["model.train()", "torch.no_grad()", "net.train(True)"]),
])
def test_spellings_of_the_same_answer(question_id: str, accepted: list[str], refused: list[str]) -> None:
    question = _questions()[question_id]
    for response in accepted:
        assert check_answer(question, response).correct, (question_id, response)
    for response in refused:
        assert not check_answer(question, response).correct, (question_id, response)


def test_frozen_batch_norm_module_name() -> None:
    question = _questions()["bn-frozen-module-name"]
    for response in ("FrozenBatchNorm2d", "torchvision.ops.FrozenBatchNorm2d", "frozen batchnorm"):
        assert check_answer(question, response).correct, response
    for response in ("BatchNorm2d", "SyncBatchNorm", "nn.BatchNorm2d"):
        assert not check_answer(question, response).correct, response
