"""Recomputes the claims that review B corrected in the layer-norm, norm-family and sequence files."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.content.test_keys_depth import choice, question


def test_inf_in_a_token_reaches_every_output_through_a_nan_variance():
    torch = pytest.importorskip("torch")
    x = torch.tensor([[0.5, -1.0, 2.0, 0.0], [1.0, 3.0, -2.0, 0.5]])
    x[1, 2] = float("inf")
    mean = x.mean(-1, keepdim=True)
    centred = x - mean
    # The ordinary entries of the bad token become -inf, not NaN; only the inf entry itself is inf - inf.
    assert torch.isneginf(centred[1, [0, 1, 3]]).all() and torch.isnan(centred[1, 2])
    assert torch.isnan(x.var(-1, unbiased=False)[1])
    out = torch.nn.functional.layer_norm(x, (4,))
    assert torch.isnan(out[1]).all() and torch.isfinite(out[0]).all()
    feedback = choice("ln-inf-poisons-token", "NaN for all D features")["feedback"]
    assert "−inf" in feedback and "variance" in feedback
    assert "variance NaN" in choice("ln-inf-poisons-token", "A large finite value")["feedback"]


def test_a_sequence_shaped_layer_norm_cannot_run_on_one_token():
    torch = pytest.importorskip("torch")
    buggy = torch.nn.LayerNorm([2, 2])
    with pytest.raises(RuntimeError):
        buggy(torch.tensor([[[1.0, 3.0]]]))  # generation: token 0 alone
    # Normalizing over the tokens seen so far gives the -1.0 the explanation quotes.
    assert float(torch.nn.functional.layer_norm(torch.tensor([[1.0, 3.0]]), (1, 2))[0, 0]) == pytest.approx(-1.0, abs=1e-4)
    assert "refuses a" in question("ln-sequence-statistics-numeric")["explanation"]


def test_dynamic_tanh_is_nearly_linear_only_within_about_one():
    alpha = 0.5
    x = np.linspace(-1, 1, 201)
    # Within |x| <= 1 the output stays within 8% of the line alpha*x; at |x| = 2 it is 24% below it.
    assert np.max(np.abs(np.tanh(alpha * x) - alpha * x)) <= 0.08 * alpha
    assert 1 - math.tanh(alpha * 2) / (alpha * 2) > 0.2
    assert "between about −1 and 1 pass almost linearly" in question("fam-dyt-saturation")["explanation"]


def test_one_line_numerics_are_not_labelled_advanced():
    for question_id in ("ln-output-norm-numeric", "ln-rms-large-offset", "fam-skipinit-ratio",
                        "fam-adain-output", "fam-weight-standardization-numeric"):
        assert question(question_id)["level"] == "intermediate", question_id
