"""The catalogue of exercise checkers: the function each one expects and what it returns.

Plain data without NumPy, like ``normquiz.bank.generator_catalogue``: the
question model validates a ``code`` question's ``exercise`` and ``function``
against it while the bank loads, and nothing is run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExerciseSpec:
    """One checker: the learner's ``function`` with ``signature``, returning ``outputs``.

    ``outputs`` names the returned values in order (one name: a single array
    is returned, not a tuple). ``forward`` marks the normalizations whose
    two-pass textbook solution must pass (and that get the float32 offset check).
    """

    name: str
    function: str
    signature: str
    outputs: tuple[str, ...]
    summary: str
    forward: bool = False


def _spec(name: str, signature: str, outputs: str, summary: str, *, forward: bool = False) -> ExerciseSpec:
    return ExerciseSpec(name, signature.split("(", 1)[0], signature, tuple(outputs.split()), summary, forward)


EXERCISES: dict[str, ExerciseSpec] = {
    spec.name: spec
    for spec in (
        _spec("bn-forward", "batchnorm_forward(x, gamma, beta, eps=1e-5)", "out",
              "training-mode batch norm of x (N, D)", forward=True),
        _spec("bn-running-update", "update_running_stats(x, running_mean, running_var, momentum=0.1)",
              "mean var", "the running buffers after one training batch, PyTorch's convention"),
        _spec("bn-eval", "batchnorm_eval(x, gamma, beta, running_mean, running_var, eps=1e-5)", "out",
              "eval-mode batch norm with running statistics"),
        _spec("bn-backward", "batchnorm_backward(dout, x, gamma, eps=1e-5)", "dx dgamma dbeta",
              "the gradients of training-mode batch norm of x (N, D)"),
        _spec("bn2d-forward", "batchnorm2d_forward(x, gamma, beta, eps=1e-5)", "out",
              "spatial batch norm of x (N, C, H, W)", forward=True),
        _spec("ln-forward", "layernorm_forward(x, gamma, beta, eps=1e-5)", "out",
              "layer norm over the last axis of x (..., D)", forward=True),
        _spec("ln-backward", "layernorm_backward(dout, x, gamma, eps=1e-5)", "dx dgamma dbeta",
              "the gradients of layer norm of x (N, D)"),
        _spec("gn-forward", "groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5)", "out",
              "group norm of x (N, C, H, W)", forward=True),
        _spec("in-forward", "instancenorm_forward(x, eps=1e-5)", "out",
              "instance norm of x (N, C, H, W), no affine", forward=True),
        _spec("rms-forward", "rmsnorm_forward(x, weight, eps=1e-6)", "out",
              "RMS norm over the last axis", forward=True),
        _spec("rms-backward", "rmsnorm_backward(dout, x, weight, eps=1e-6)", "dx dweight",
              "the gradients of RMS norm of x (N, D)"),
        _spec("masked-bn", "masked_batchnorm_forward(x, mask, gamma, beta, eps=1e-5)", "out",
              "batch norm of padded sequences x (B, T, D), statistics over real tokens", forward=True),
        _spec("bn-fold", "fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5)",
              "W2 b2", "fold eval-mode batch norm into the linear layer before it"),
        _spec("stable-variance", "stable_mean_var(x)", "mean var",
              "per-column mean and biased variance of float32 data on a large offset"),
    )
}

EXERCISE_NAMES: tuple[str, ...] = tuple(EXERCISES)
