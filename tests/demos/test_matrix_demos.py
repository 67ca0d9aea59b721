"""Pilot tests of the axes, coupling and cube demos: the numbers on screen are normquiz.core's."""

from __future__ import annotations

import numpy as np

from normquiz.core import batch_norm, layer_norm, normalization_statistics
from normquiz.tui.demos import axes, coupling, cube
from normquiz.tui.widgets.heatmap import Heatmap
from tests.demos.harness import DemoHarness


def heatmap(app, selector: str) -> Heatmap:
    return app.screen.query_one(selector, Heatmap)


async def test_axes_shows_core_statistics_and_output_and_bn_ln_toggle_moves_the_axis():
    app = DemoHarness("axes", {"norm": "batch", "n": 4, "d": 6})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        x = axes.sample_batch(0, 4, 6)
        np.testing.assert_array_equal(heatmap(app, "#axes-input").view.values, x)
        stats = normalization_statistics(x, "batch")
        below = heatmap(app, "#axes-stats-below").view
        np.testing.assert_allclose(below.values[0], stats.per_statistic(stats.mean))
        np.testing.assert_allclose(below.values[1], stats.per_statistic(stats.var))
        np.testing.assert_allclose(heatmap(app, "#axes-output").view.values, batch_norm(x, None, None, training=True))
        # BN: the selected cell's statistic runs down its column.
        assert heatmap(app, "#axes-input").view.highlight[:, 0].all()
        assert not heatmap(app, "#axes-input").view.highlight[:, 1:].any()

        await pilot.press("n")  # -> layer norm
        assert app.screen.state.norm == "layer"
        ln_stats = normalization_statistics(x, "layer", normalized_shape=6)
        right = heatmap(app, "#axes-stats-right").view
        np.testing.assert_allclose(right.values[:, 0], ln_stats.per_statistic(ln_stats.mean))
        np.testing.assert_allclose(right.values[:, 1], ln_stats.per_statistic(ln_stats.var))
        np.testing.assert_allclose(heatmap(app, "#axes-output").view.values, layer_norm(x, 6))
        assert heatmap(app, "#axes-input").view.highlight[0].all()
        assert not heatmap(app, "#axes-input").view.highlight[1:].any()
        assert not heatmap(app, "#axes-stats-below").display


async def test_axes_keys_change_shape_selection_gamma_and_explain_instance_norm():
    app = DemoHarness("axes", {"norm": "layer"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("plus", "right_square_bracket", "down", "right", "g", "b")
        state = app.screen.state
        assert (state.n, state.d, state.row, state.col) == (5, 7, 1, 1)
        x = axes.sample_batch(0, 5, 7)
        weight, bias = np.ones(7), np.zeros(7)
        weight[1], bias[1] = 1.5, 0.5
        np.testing.assert_allclose(heatmap(app, "#axes-output").view.values, layer_norm(x, 7, weight, bias))
        assert heatmap(app, "#axes-input").view.highlight[1].all()
        await pilot.press("n", "n")  # layer -> group -> instance
        assert app.screen.state.norm == "instance"
        # In our words why it does not apply, not the core's developer error.
        assert "no such axis" in str(app.screen.query_one("#axes-note").render())
        assert not app.screen.query_one("#axes-error").display
        assert not heatmap(app, "#axes-output").display
        assert heatmap(app, "#axes-input").view.highlight.sum() == 1  # the selected cell still shows


async def test_coupling_nudge_moves_every_row_under_bn_and_only_its_row_under_ln():
    app = DemoHarness("coupling", {"norm": "batch", "batch_size": 6})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("down", "space", "space")  # nudge x1[f0] by +1.0
        x = coupling.sample_batch(0, 6)
        nudged = x.copy()
        nudged[1, 0] += 1.0
        change = heatmap(app, "#coupling-change").view.values
        expected = np.abs(batch_norm(nudged, None, None, training=True) - batch_norm(x, None, None, training=True))
        np.testing.assert_allclose(change, expected)
        assert (change[:, 0] > 0).all()  # every example's output moved
        assert "6 of 6" in str(app.screen.query_one("#coupling-status").render())

        await pilot.press("n")  # layer norm, same nudge
        change = heatmap(app, "#coupling-change").view.values
        np.testing.assert_allclose(change, np.abs(layer_norm(nudged, 4) - layer_norm(x, 4)))
        assert change[1].max() > 0
        assert not np.delete(change, 1, axis=0).any()  # exactly unchanged
        assert "1 of 6" in str(app.screen.query_one("#coupling-status").render())

        await pilot.press("backspace", "backspace")
        assert not heatmap(app, "#coupling-change").view.values.any()


async def test_cube_colours_the_sets_of_each_norm_and_groups_change_them():
    app = DemoHarness("cube", {"norm": "group", "groups": 2})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        x = cube.sample_tensor(0)
        ids = heatmap(app, "#cube-sets").view.colour_values
        stats = normalization_statistics(x, "group", num_groups=2)
        np.testing.assert_array_equal(ids, cube.flat(stats.group_index))
        assert len(np.unique(ids)) == 3 * 2
        await pilot.press("plus")  # 4 groups
        assert len(np.unique(heatmap(app, "#cube-sets").view.colour_values)) == 3 * 4
        await pilot.press("minus", "minus")  # 1 group = layer norm's sets
        one_group = heatmap(app, "#cube-sets").view.colour_values
        await pilot.press("l")
        np.testing.assert_array_equal(heatmap(app, "#cube-sets").view.colour_values, one_group)
        await pilot.press("b")
        bn = normalization_statistics(x, "batch")
        text = str(app.screen.query_one("#cube-stats").render())
        assert f"{bn.per_statistic(bn.mean)[0]:+.3f}" in text and f"{bn.per_statistic(bn.var)[0]:.3f}" in text
        await pilot.press("i", "right", "right")  # instance norm, channel 1
        assert app.screen.view.selected == 1
        assert heatmap(app, "#cube-sets").view.highlight.sum() == 4  # one H x W slice
