"""RMS norm's ``eps=None``: the machine epsilon of the computation type, as PyTorch 2.13 uses."""

from __future__ import annotations

import numpy as np
import pytest

from normquiz import core


@pytest.mark.parametrize(("dtype", "computed_in"), [(np.float16, np.float32), (np.float32, np.float32),
                                                     (np.float64, np.float64)])
def test_the_default_eps_is_that_of_the_computation_type(dtype, computed_in) -> None:
    # Tiny values: the mean square (2.5e-6) is small enough that float16's own eps (1e-3) would swamp it.
    x = np.array([[1e-3, 2e-3]], dtype)
    eps = float(np.finfo(computed_in).eps)
    expected = x.astype(np.float64) / np.sqrt(np.mean(x.astype(np.float64) ** 2) + eps)
    np.testing.assert_allclose(core.rms_norm(x, 2).astype(np.float64), expected, rtol=2e-3)
    dx, _ = core.rms_norm_backward(np.ones_like(x), x, 2)
    dx_explicit, _ = core.rms_norm_backward(np.ones_like(x), x, 2, eps=eps)
    np.testing.assert_array_equal(dx, dx_explicit)


def test_the_default_eps_matches_torch_for_half_precision() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([[1e-3, 2e-3, -3e-3]], np.float16)
    ours = core.rms_norm(x, 3)
    theirs = torch.nn.functional.rms_norm(torch.from_numpy(x), (3,)).numpy()
    np.testing.assert_allclose(ours.astype(np.float32), theirs.astype(np.float32), rtol=2e-3)
