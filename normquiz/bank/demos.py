"""The catalogue of demo screens a question may link to, with their preset parameters.

The TUI implements one screen per name; the bank only needs to know the names,
a one-line description each, and which preset parameters a question may pass,
so that ``demo: {name: axes, params: {norm: batch}}`` is checked at load time.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from normquiz.vocabulary import NORM_KINDS, TRAINING_NORMS

NORM_LAYERS = NORM_KINDS


# NamedTuples rather than frozen dataclasses: the home screen lists the demos before its first frame.
class DemoParam(NamedTuple):
    """One preset parameter: a set of allowed values, or a numeric range."""

    description: str
    choices: tuple[Any, ...] = ()
    kind: type | None = None  # int, float or bool when there are no choices
    minimum: float | None = None
    maximum: float | None = None

    def problem_with(self, value: Any) -> str | None:
        """Why ``value`` is not allowed, or None when it is."""
        if self.choices:
            if value in self.choices and type(value) is type(self.choices[0]):
                return None
            allowed = ", ".join(repr(choice) for choice in self.choices)
            from normquiz.bank.problem import did_you_mean  # not at import, as below

            return f"must be one of {allowed}, got {value!r}{did_you_mean(value, self.choices)}"
        if self.kind is bool:
            return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
        number_types = (int,) if self.kind is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, number_types):
            expected = "an integer" if self.kind is int else "a number"
            return f"must be {expected}, got {value!r}"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum:g}, got {value!r}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum:g}, got {value!r}"
        return None


class Demo(NamedTuple):
    name: str
    description: str
    params: Mapping[str, DemoParam] = MappingProxyType({})


def _norm(*layers: str) -> DemoParam:
    return DemoParam("which normalization to show", choices=layers)


def _count(description: str, low: int, high: int) -> DemoParam:
    return DemoParam(description, kind=int, minimum=low, maximum=high)


DEMOS: dict[str, Demo] = {
    demo.name: demo
    for demo in (
        Demo(
            "axes",
            "Which axes each normalization reduces over, on a small (N, D) matrix.",
            {"norm": _norm(*NORM_LAYERS), "n": _count("rows (examples)", 1, 8),
             "d": _count("columns (features)", 1, 8)},
        ),
        Demo(
            "coupling",
            "Change one example and watch the others' outputs move under batch norm, not layer norm.",
            {"norm": _norm("batch", "layer"), "batch_size": _count("examples in the batch", 2, 16)},
        ),
        Demo(
            "running-stats",
            "Running mean and variance as exponential moving averages; train versus eval mode.",
            {"momentum": DemoParam("PyTorch momentum", kind=float, minimum=0.0, maximum=1.0),
             "steps": _count("training steps", 1, 200),
             "mode": DemoParam("layer mode", choices=("train", "eval"))},
        ),
        Demo(
            "small-batch",
            "How noisy batch statistics get as the batch shrinks; group norm as the fix.",
            {"batch_size": _count("examples in the batch", 1, 256),
             "norm": _norm("batch", "group", "layer")},
        ),
        Demo(
            "sequences",
            "Padded variable-length sequences: padding pollutes batch statistics unless masked.",
            {"norm": _norm("batch", "layer"), "masked": DemoParam("mask the padding", kind=bool),
             "batch_size": _count("sequences in the batch", 1, 16),
             "max_length": _count("longest sequence", 1, 64)},
        ),
        Demo(
            "cube",
            "The (N, C, H, W) cube, shaded by which values share statistics.",
            {"norm": _norm("batch", "layer", "instance", "group"),
             "groups": _count("groups for group norm", 1, 16)},
        ),
        Demo(
            "training",
            "A small network trained with and without normalization, at a chosen learning rate.",
            {"norm": _norm(*TRAINING_NORMS),
             "learning_rate": DemoParam("learning rate", kind=float, minimum=1e-6, maximum=10.0),
             "batch_size": _count("examples per step", 1, 512),
             "steps": _count("training steps", 1, 5000)},
        ),
        Demo(
            "cost",
            "Time and memory of each normalization's forward and backward pass.",
            {"norm": _norm(*NORM_LAYERS), "size": _count("feature size", 1, 1 << 16)},
        ),
    )
}

DEMO_NAMES: tuple[str, ...] = tuple(DEMOS)


def demo_params_summary() -> str:
    """Each demo's preset parameters on one line, for the schema's description."""
    return "; ".join(f"{demo.name}: {', '.join(demo.params) or 'none'}" for demo in DEMOS.values())


def demo_param_problems(name: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(param, message)`` for each preset parameter the demo ``name`` refuses."""
    from normquiz.bank.problem import did_you_mean  # not at import: the home screen lists the demos

    demo = DEMOS[name]
    problems = []
    for key, value in params.items():
        spec = demo.params.get(key)
        if spec is None:
            known = ", ".join(demo.params) or "none"
            problems.append((key, f"demo {name!r} has no parameter {key!r}"
                                  f"{did_you_mean(key, demo.params)} (its parameters: {known})"))
            continue
        problem = spec.problem_with(value)
        if problem:
            problems.append((key, f"demo parameter {key!r} {problem}"))
    return problems
