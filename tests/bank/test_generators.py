"""Computed questions: every generator draws nice inputs, renders, and agrees with core."""

from __future__ import annotations

import numpy as np
import pytest

from normquiz import core
from normquiz.bank.checking import check_answer
from normquiz.bank.computed import generate
from normquiz.bank.generator_catalogue import GENERATORS, render_placeholders
from tests.bank.conftest import make_question

PARAMS = {"parameter_count": {"layer": "layer_norm"}}


def computed(generator: str, **params) -> object:
    placeholders = " ".join(f"{{{{{name}}}}}" for name in sorted(GENERATORS[generator].placeholders))
    return make_question("computed", id=f"q-{generator.replace('_', '-')}", generator=generator,
                         params={**PARAMS.get(generator, {}), **params}, prompt=f"Compute: {placeholders}")


@pytest.mark.parametrize("generator", sorted(GENERATORS))
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_every_generator_renders_and_checks_its_own_answer(generator: str, seed: int) -> None:
    question = computed(generator)
    instance = generate(question, seed)
    assert "{{" not in instance.prompt
    assert np.isfinite(instance.answer)
    assert instance.worked_solution.strip()
    assert check_answer(question, instance.answer, instance=instance).correct
    assert check_answer(question, str(round(instance.answer, 3)), instance=instance).correct
    assert not check_answer(question, instance.answer + 1, instance=instance).correct


def test_generation_is_deterministic_per_seed_and_question() -> None:
    question = computed("layer_norm_entry")
    first, again = generate(question, 5), generate(question, 5)
    assert (first.prompt, first.answer) == (again.prompt, again.answer)
    prompts = {generate(question, seed).prompt for seed in range(6)}
    assert len(prompts) > 1


def test_layer_norm_entry_matches_core_and_uses_small_integers() -> None:
    instance = generate(computed("layer_norm_entry", rows=3, cols=4, affine=True), 2)
    x = instance.inputs["x"]
    assert x.shape == (3, 4) and np.all(x == np.round(x)) and np.abs(x).max() <= 6
    row, col = int(instance.placeholders["row"]), int(instance.placeholders["col"])
    expected = core.layer_norm(x, (4,), instance.inputs["gamma"], instance.inputs["beta"])[row, col]
    assert instance.answer == pytest.approx(expected)
    assert "| **row 2** |" in instance.placeholders["matrix"]


def test_parameter_count_matches_core() -> None:
    for layer in ("batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm"):
        instance = generate(computed("parameter_count", layer=layer), 4)
        size = instance.inputs["size"]
        assert instance.answer == core.parameter_count(layer, size)
        assert instance.tolerance == 0


def test_instance_norm_without_affine_has_no_parameters() -> None:
    assert generate(computed("parameter_count", layer="instance_norm"), 0).answer == 0
    with_affine = generate(computed("parameter_count", layer="instance_norm", affine=True), 0)
    assert "affine=True" in with_affine.placeholders["layer_call"] and with_affine.answer > 0


def test_running_stat_worked_solution_shows_each_step() -> None:
    instance = generate(computed("running_stat_after_steps", steps=3, statistic="running_var"), 1)
    assert instance.worked_solution.count("unbiased batch variance") == 3
    assert instance.placeholders["statistic"] == "running_var"


def test_render_leaves_unknown_placeholders() -> None:
    assert render_placeholders("{{a}} and {{ b }} and {{c}}", {"a": "1", "b": "2"}) == "1 and 2 and {{c}}"


#: Every generator with each parameter that changes what it computes.
VARIANTS = [
    ("layer_norm_entry", {}), ("layer_norm_entry", {"affine": True, "rows": 6, "cols": 8}),
    ("batch_norm_entry", {}), ("batch_norm_entry", {"affine": True}), ("batch_norm_entry", {"rows": 2, "cols": 6}),
    ("rms_norm_entry", {}), ("rms_norm_entry", {"rows": 1, "cols": 8}),
    ("group_norm_entry", {}), ("group_norm_entry", {"groups": 1}), ("group_norm_entry", {"channels": 6, "groups": 3}),
    ("running_stat_after_steps", {}), ("running_stat_after_steps", {"statistic": "running_var", "steps": 4}),
    ("running_stat_after_steps", {"momentum": None, "steps": 3}), ("running_stat_after_steps", {"momentum": 0.5}),
    ("batch_norm_eval_output", {}), ("ported_eps_output", {}),
    *[("parameter_count", {"layer": layer, **affine}) for layer in
      ("batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm")
      for affine in ({}, {"affine": True}, {"affine": False})],
    ("folded_batch_norm", {"quantity": "weight"}), ("folded_batch_norm", {"quantity": "bias"}),
    ("folded_batch_norm_before", {"quantity": "weight"}), ("folded_batch_norm_before", {"quantity": "bias"}),
    ("layer_norm_weight_grad", {}), ("layer_norm_weight_grad", {"rows": 5, "cols": 6}),
    ("scale_invariant_step", {"quantity": "norm"}), ("scale_invariant_step", {"quantity": "lr_factor"}),
]


def test_the_variants_cover_every_generator() -> None:
    assert {name for name, _ in VARIANTS} == set(GENERATORS)


@pytest.mark.parametrize(("generator", "params"), VARIANTS, ids=lambda value: str(value))
def test_generator_agrees_with_an_independent_numpy_computation_and_rejects_named_slips(
        generator: str, params: dict) -> None:
    from tests.content.oracles import expected

    question = computed(generator, **params)
    full_params = {**PARAMS.get(generator, {}), **params}
    for seed in range(150):
        instance = generate(question, seed)
        answer, slips = expected(generator, full_params, instance)
        assert instance.answer == pytest.approx(answer, rel=1e-6, abs=1e-6), (generator, params, seed)
        accepted = [name for name, value in slips.items()
                    if check_answer(question, round(value, 2), instance=instance).correct]
        assert not accepted, (generator, params, seed, accepted)
