"""Exercise checks: references and textbook solutions pass, known mistakes get their diagnosis."""

from __future__ import annotations

from functools import cache

import pytest

from normquiz.bank import load_paths
from normquiz.bank.exercises.checks import registered
from normquiz.bank.exercises.catalogue import EXERCISES
from normquiz.bank.model import CodeQuestion
from normquiz.paths import builtin_content_dir
from tests.bank.exercise_harness import define, grade_in_process


@cache
def exercise_questions() -> dict[str, CodeQuestion]:
    result = load_paths([builtin_content_dir() / "exercises.yaml"])
    assert not result.problems
    return {question.exercise: question for question in result.questions}


def test_every_catalogued_exercise_has_checks_and_a_builtin_question() -> None:
    assert set(registered()) == set(EXERCISES)
    assert set(exercise_questions()) == set(EXERCISES)
    for name, question in exercise_questions().items():
        assert question.id == name and question.function == EXERCISES[name].function


@pytest.mark.parametrize("name", sorted(EXERCISES))
@pytest.mark.parametrize("seed", [0, 5])
def test_reference_solution_passes_every_check(name: str, seed: int) -> None:
    lines = grade_in_process(name, exercise_questions()[name].reference, seed)
    assert all(line.passed for line in lines), [line.text() for line in lines if not line.passed]


# The interviewer's textbook answer: np.mean, then np.var (two passes), in the input's dtype.
TEXTBOOK = {
    "bn-forward": "return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta",
    "bn2d-forward": "a = (0, 2, 3)\ng, b = gamma[None, :, None, None], beta[None, :, None, None]\n"
                    "return g * (x - x.mean(a, keepdims=True)) / np.sqrt(x.var(a, keepdims=True) + eps) + b",
    "ln-forward": "return gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) + beta",
    "gn-forward": "n, c, h, w = x.shape\ng = x.reshape(n, num_groups, -1)\n"
                  "y = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + eps)).reshape(x.shape)\n"
                  "return y * gamma[:, None, None] + beta[:, None, None]",
    "in-forward": "return (x - x.mean((2, 3), keepdims=True)) / np.sqrt(x.var((2, 3), keepdims=True) + eps)",
    "rms-forward": "return weight * x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + eps)",
    "masked-bn": "real = x[mask]\nreturn gamma * (x - real.mean(0)) / np.sqrt(real.var(0) + eps) + beta",
}


def test_textbook_list_covers_every_forward_exercise() -> None:
    assert set(TEXTBOOK) == {name for name, spec in EXERCISES.items() if spec.forward}


@pytest.mark.parametrize("name", sorted(TEXTBOOK))
def test_two_pass_textbook_solution_passes_every_forward_exercise(name: str) -> None:
    lines = grade_in_process(name, define(name, TEXTBOOK[name]), seed=2)
    assert all(line.passed for line in lines), [line.text() for line in lines if not line.passed]


ONE_PASS_VAR = "m = x.mean(0)\nv = (x * x).mean(0) - m * m\n"
WRONG = {
    "bn-forward": [
        ("return gamma * (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + eps) + beta",
         "that is layer norm"),
        ("return gamma * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + beta", "ddof=1"),
        ("return gamma * (x - x.mean(0)) / (x.std(0) + eps) + beta", "outside the square root"),
        ("return beta * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + gamma", "swapped"),
        ("return (x - x.mean(0)) / np.sqrt(x.var(0) + eps)", "gamma and beta are missing"),
        ("return x", "out is x itself, unchanged"),
        (ONE_PASS_VAR + "return gamma * (x - m) / np.sqrt(v + eps) + beta", "common offset of 2000"),
        ("x -= x.mean(0)\nreturn gamma * x / np.sqrt((x * x).mean(0) + eps) + beta", "x modified in place"),
    ],
    "bn-eval": [
        ("return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta", "batch's own statistics"),
        ("return gamma * (x - running_mean) / (running_var + eps) + beta", "divided by running_var + eps"),
        ("return (x - running_mean) / np.sqrt(running_var + eps) + beta", "gamma is missing"),
    ],
    "bn-running-update": [
        ("return (1 - momentum) * running_mean + momentum * x.mean(0), "
         "(1 - momentum) * running_var + momentum * x.var(0)", "biased batch variance"),
        ("return momentum * running_mean + (1 - momentum) * x.mean(0), "
         "momentum * running_var + (1 - momentum) * x.var(0, ddof=1)", "momentum weights the old value"),
        ("return x.mean(0), (1 - momentum) * running_var + momentum * x.var(0, ddof=1)",
         "replaced by the batch mean"),
        ("return x.mean(1), x.var(1, ddof=1)", "has shape"),
    ],
    "bn-backward": [
        ("xhat = (x - x.mean(0)) / np.sqrt(x.var(0) + eps)\n"
         "return dout * gamma / np.sqrt(x.var(0) + eps), (dout * xhat).sum(0), dout.sum(0)",
         "dx is wrong: dx treats the mean and the variance as constants"),
        ("xhat = (x - x.mean(0)) / np.sqrt(x.var(0) + eps)\nr = 1 / np.sqrt(x.var(0) + eps)\n"
         "d = dout * gamma\ndx = r * (d - d.mean(0) - xhat * (d * xhat).mean(0))\n"
         "return dx, dout.sum(0), (dout * xhat).sum(0)", "dgamma is sum(dout)"),
        ("xhat = (x - x.mean(0)) / np.sqrt(x.var(0) + eps)\nr = 1 / np.sqrt(x.var(0) + eps)\n"
         "d = dout * gamma\nreturn r * (d - d.mean(0)), (dout * xhat).sum(0), dout.sum(0)",
         "misses the path through the variance"),
        ("return dout * gamma", "return the tuple (dx, dgamma, dbeta)"),
    ],
    "bn2d-forward": [
        ("a = (2, 3)\nreturn gamma[:, None, None] * (x - x.mean(a, keepdims=True)) / "
         "np.sqrt(x.var(a, keepdims=True) + eps) + beta[:, None, None]", "that is instance norm"),
        ("a = (0, 2, 3)\nreturn gamma * (x - x.mean(a, keepdims=True)) / np.sqrt(x.var(a, keepdims=True) + eps) + beta",
         "along the last axis"),
        ("c = x.shape[1]\nr = x.reshape(-1, c)\ny = ((r - r.mean(0)) / np.sqrt(r.var(0) + eps)).reshape(x.shape)\n"
         "return y * gamma[:, None, None] + beta[:, None, None]", "without moving the channels last"),
    ],
    "ln-forward": [
        ("return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta", "that is batch norm"),
        ("return gamma * (x - x.mean(-1)) / np.sqrt(x.var(-1) + eps) + beta", "keepdims=False"),
        ("return gamma * (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + eps) + beta",
         "over axis 1"),
        ("return gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True, ddof=1) + eps) + beta",
         "ddof=1"),
        ("y = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)\n"
         "return y * gamma[:, None] + beta[:, None]", "applied per example"),
    ],
    "ln-backward": [
        ("m = x.mean(1, keepdims=True)\nr = 1 / np.sqrt(x.var(1, keepdims=True) + eps)\nxh = (x - m) * r\n"
         "d = dout * gamma\ndx = r * (d - d.mean(1, keepdims=True) - xh * (d * xh).mean(1, keepdims=True))\n"
         "return dx, (dout * xh).sum(1), dout.sum(0)", "dgamma has shape"),
        ("m = x.mean(0)\nr = 1 / np.sqrt(x.var(0) + eps)\nxh = (x - m) * r\nd = dout * gamma\n"
         "xl = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + eps)\n"
         "return r * (d - d.mean(0) - xh * (d * xh).mean(0)), (dout * xl).sum(0), dout.sum(0)",
         "batch norm's gradient"),
        ("m = x.mean(1, keepdims=True)\nr = 1 / np.sqrt(x.var(1, keepdims=True) + eps)\nxh = (x - m) * r\n"
         "d = dout\ndx = r * (d - d.mean(1, keepdims=True) - xh * (d * xh).mean(1, keepdims=True))\n"
         "return dx, (dout * xh).sum(0), dout.sum(0)", "dx forgot gamma"),
    ],
    "gn-forward": [
        ("n, c = x.shape[:2]\ng = x.reshape(n, c // num_groups, num_groups, -1).transpose(0, 2, 1, 3)\n"
         "y = (g - g.mean((2, 3), keepdims=True)) / np.sqrt(g.var((2, 3), keepdims=True) + eps)\n"
         "y = y.transpose(0, 2, 1, 3).reshape(x.shape)\nreturn y * gamma[:, None, None] + beta[:, None, None]",
         "c % G"),
        ("a = (2, 3)\ny = (x - x.mean(a, keepdims=True)) / np.sqrt(x.var(a, keepdims=True) + eps)\n"
         "return y * gamma[:, None, None] + beta[:, None, None]", "that is instance norm"),
        ("n = x.shape[0]\ng = x.reshape(n, num_groups, -1)\n"
         "y = ((g - g.mean(2, keepdims=True)) / (g.std(2, keepdims=True) + eps)).reshape(x.shape)\n"
         "return y * gamma[:, None, None] + beta[:, None, None]", "outside the square root"),
    ],
    "in-forward": [
        ("a = (1, 2, 3)\nreturn (x - x.mean(a, keepdims=True)) / np.sqrt(x.var(a, keepdims=True) + eps)",
         "that is layer norm"),
        ("a = (0, 2, 3)\nreturn (x - x.mean(a, keepdims=True)) / np.sqrt(x.var(a, keepdims=True) + eps)",
         "that is batch norm"),
        ("return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)",
         "each row of each image"),
    ],
    "rms-forward": [
        ("return weight * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)",
         "subtracted the mean"),
        ("return weight * x / np.sqrt((x * x).sum(-1, keepdims=True) + eps)", "L2 norm"),
        ("return weight * x / (np.sqrt((x * x).mean(-1, keepdims=True)) + eps)", "outside the square root"),
    ],
    "rms-backward": [
        ("r = 1 / np.sqrt((x * x).mean(1, keepdims=True) + eps)\nreturn dout * weight * r, (dout * x * r).sum(0)",
         "as a constant"),
        ("m = x.mean(1, keepdims=True)\nr = 1 / np.sqrt((x * x).mean(1, keepdims=True) + eps)\n"
         "s = 1 / np.sqrt(x.var(1, keepdims=True) + eps)\nxh = (x - m) * s\nd = dout * weight\n"
         "dx = s * (d - d.mean(1, keepdims=True) - xh * (d * xh).mean(1, keepdims=True))\n"
         "return dx, (dout * x * r).sum(0)", "layer norm's gradient"),
        ("r = 1 / np.sqrt((x * x).mean(1, keepdims=True) + eps)\nxh = x * r\nd = dout * weight\n"
         "return r * (d - xh * (d * xh).mean(1, keepdims=True)), dout.sum(0)", "dweight is sum(dout)"),
    ],
    "masked-bn": [
        ("m, v = x.mean((0, 1)), x.var((0, 1))\nreturn gamma * (x - m) / np.sqrt(v + eps) + beta",
         "include the padded tokens"),
        ("w = mask[..., None]\nm = (x * w).sum((0, 1)) / mask.size\nv = (((x - m) * w) ** 2).sum((0, 1)) / mask.size\n"
         "return gamma * (x - m) / np.sqrt(v + eps) + beta", "divided by B * T"),
        ("return gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) + beta",
         "that is layer norm"),
    ],
    "bn-fold": [
        ("s = gamma / np.sqrt(running_var + eps)\nreturn W * s[:, None], b * s + beta", "forgot the running mean"),
        ("s = gamma / np.sqrt(running_var + eps)\nreturn W * s, (b - running_mean) * s + beta", "columns"),
        ("s = gamma / (running_var + eps)\nreturn W * s[:, None], (b - running_mean) * s + beta", "square root"),
    ],
    "stable-variance": [
        (ONE_PASS_VAR + "return m, v", "E[x^2] - E[x]^2 cancels"),
        ("m = x.mean(0)\nreturn m, ((x - m) ** 2).mean(0)", "shift by a sample value"),
        ("d = x - x[0]\nreturn x[0] + d.mean(0), d.var(0, ddof=1)", "the unbiased one"),
        ("return x.var(0)", "return the tuple (mean, var)"),
    ],
}


def test_at_least_three_known_mistakes_per_exercise() -> None:
    assert set(WRONG) == set(EXERCISES)
    assert all(len(versions) >= 3 for versions in WRONG.values())


@pytest.mark.parametrize(("name", "body", "diagnosis"),
                         [(name, body, diagnosis) for name, versions in WRONG.items() for body, diagnosis in versions],
                         ids=[f"{name}-{index}" for name, versions in WRONG.items() for index in range(len(versions))])
def test_known_mistake_fails_with_its_diagnosis(name: str, body: str, diagnosis: str) -> None:
    lines = grade_in_process(name, define(name, body))
    failed = [line for line in lines if line.passed is False]
    assert failed, f"{name}: a wrong version passed every check"
    assert any(diagnosis in line.detail for line in failed), [line.text() for line in failed]


def test_running_buffers_may_be_updated_in_place_but_x_may_not() -> None:
    in_place = ("running_mean *= 1 - momentum\nrunning_mean += momentum * x.mean(0)\n"
                "running_var *= 1 - momentum\nrunning_var += momentum * x.var(0, ddof=1)\n"
                "return running_mean, running_var")
    assert all(line.passed for line in grade_in_process("bn-running-update", define("bn-running-update", in_place)))


BAD_CODE_QUESTIONS = """\
topic: Bad
questions:
  - id: my-ln
    level: basic
    type: code
    tags: [layer-norm]
    exercise: ln-forwrd
    function: layernorm_forward
    signature: "layernorm_forward(x) -> out"
    prompt: Write it.
    starter: "def layernorm_forward(x):\\n    pass\\n"
    reference: "def layernorm_forward(x):\\n    return x\\n"
    explanation: Because.
  - id: my-ln2
    level: basic
    type: code
    tags: [layer-norm]
    exercise: ln-forward
    function: layer_norm
    signature: "layer_norm(x)"
    prompt: Write it.
    starter: "def layer_norm(x):\\n    pass\\n"
    reference: "def layer_norm(x:\\n    return x\\n"
    explanation: Because.
  - id: my-ln3
    level: basic
    type: code
    tags: [layer-norm]
    exercise: ln-forward
    function: layernorm_forward
    signature: "layernorm(x) -> out"
    prompt: Write it.
    starter: "open('STARTER-RAN', 'w').write('x')"
    reference: "open('REFERENCE-RAN', 'w').write('x')"
    explanation: Because.
"""


def test_bad_code_questions_are_reported_at_their_line(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(BAD_CODE_QUESTIONS, encoding="utf-8")
    problems = [str(problem) for problem in load_paths([tmp_path / "bad.yaml"]).problems]
    assert problems[0].startswith("bad.yaml:7:15: questions[0].exercise: 'ln-forwrd' is not allowed; "
                                  "did you mean 'ln-forward'?")
    assert problems[1:] == [
        "bad.yaml:19:15: questions[1].function: exercise 'ln-forward' checks a function named "
        "'layernorm_forward', not 'layer_norm'",
        "bad.yaml:23:16: questions[1].reference: this is not valid Python: line 1: '(' was never closed",
        "bad.yaml:31:16: questions[2].signature: the signature must start with layernorm_forward(, "
        "e.g. layernorm_forward(x, gamma, beta, eps=1e-5)",
        "bad.yaml:34:16: questions[2].reference: the reference solution must define layernorm_forward()",
    ]
    assert not (tmp_path / "STARTER-RAN").exists() and not (tmp_path / "REFERENCE-RAN").exists()


def test_vectorization_is_judged_by_line_counts_then_by_time_against_the_core() -> None:
    from normquiz.bank.exercises.diagnosis import vectorization_line

    def line(small, large, learner, core, *, correct=True):
        return vectorization_line("x (4, 3)", "x (64, 24)", small, large, learner, core, "x (2048, 256)",
                                  correct=correct)

    assert line(18, 18, 0.004, 0.002).passed is True
    looped = line(18, 123, 0.004, 0.002)
    assert looped.passed is False and "ran 123 Python lines on x (64, 24) against 18" in looped.detail
    slow = line(18, 18, 0.5, 0.002)
    assert slow.passed is False and "250 times slower" in slow.detail
    assert line(18, 18, 0.03, 0.0001).passed is True  # 300 times, but 30 ms: not worth a verdict
    assert line(18, 123, 0.5, 0.002, correct=False).passed is None  # judged only once correct
