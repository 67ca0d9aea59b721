"""Pilot tests of the running-stats, small-batch and sequences demos against normquiz.core."""

from __future__ import annotations

import numpy as np

from normquiz.core import BatchNorm, batch_norm, group_norm, layer_norm, normalization_statistics
from normquiz.tui.demos import running_stats, sequences, small_batch
from normquiz.tui.widgets.heatmap import Heatmap
from tests.demos.harness import DemoHarness


def heatmap(app, selector: str) -> Heatmap:
    return app.screen.query_one(selector, Heatmap)


def replay(momentum, steps: int) -> BatchNorm:
    layer = BatchNorm(running_stats.CHANNELS, momentum=momentum, dtype=np.float64)
    for batch in running_stats.stream(0, steps):
        layer(batch)
    return layer


async def test_running_stats_follow_batchnorm_and_keys_step_momentum_and_mode():
    app = DemoHarness("running-stats", {"momentum": 0.1, "steps": 20, "mode": "eval"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.screen.view
        layer = replay(0.1, 20)
        assert view.running_mean[-1] == layer.running_mean[0] and view.running_var[-1] == layer.running_var[0]
        outputs = heatmap(app, "#running-outputs").view
        np.testing.assert_allclose(outputs.values[1], batch_norm(
            running_stats.FIXED_INPUT, layer.running_mean, layer.running_var, training=False)[0])
        np.testing.assert_array_equal(outputs.values[2], outputs.values[3])  # LN: train == eval
        np.testing.assert_allclose(outputs.values[2], layer_norm(running_stats.FIXED_INPUT, 4)[0])
        assert outputs.highlight[1].all() and not outputs.highlight[0].any()  # eval mode in use

        await pilot.press("space", "right_square_bracket", "m", "e")
        state = app.screen.state
        assert (state.steps, state.momentum, state.mode) == (31, 0.3, "train")
        assert app.screen.view.running_mean[-1] == replay(0.3, 31).running_mean[0]
        assert heatmap(app, "#running-outputs").view.highlight[0].all()

        await pilot.press("m", "m")  # None: cumulative average of the batch statistics
        assert app.screen.state.momentum is None
        view = app.screen.view
        np.testing.assert_allclose(view.running_mean[-1], view.batch_mean.mean())


async def test_forgetting_eval_mode_lets_test_batches_move_the_running_stats():
    app = DemoHarness("running-stats", {"steps": 50, "mode": "eval"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = app.screen.view.running_mean[-1]
        await pilot.press("f")
        view = app.screen.view
        assert view.test_steps == running_stats.TEST_BATCHES and view.mode_used == "train"
        assert view.running_mean[-1] > before + 1.0  # pulled towards the shifted test data
        first = heatmap(app, "#running-outputs").view.values[0].copy()
        await pilot.press("c")  # other test companions: BN's train-mode output of x* moves
        assert not np.allclose(heatmap(app, "#running-outputs").view.values[0], first)


async def test_small_batch_noise_matches_core_and_batch_size_one_shows_bn_error():
    app = DemoHarness("small-batch", {"batch_size": 8, "norm": "batch"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        batches = small_batch.trial_batches(0, 8)
        stats = normalization_statistics(batches[:, :, 0].T, "batch")
        assert app.screen.view.mean_noise == np.std(stats.per_statistic(stats.mean))
        ln = layer_norm(batches.reshape(-1, 8), 8).reshape(batches.shape)[:, 0]
        gn = group_norm(batches.reshape(-1, 8), 2).reshape(batches.shape)[:, 0]
        spread = heatmap(app, "#small-spread").view.values[0]
        assert spread[0] > 0.1  # BN: the example's output depends on its batch mates
        np.testing.assert_allclose(spread[1:], [np.std(gn, axis=0).mean(), np.std(ln, axis=0).mean()])
        assert spread[1] < 1e-6 and spread[2] < 1e-6
        await pilot.press("right_square_bracket")
        assert app.screen.state.batch_size == 16 and app.screen.view.mean_noise < 0.5
        await pilot.press(*["left_square_bracket"] * 5)
        assert app.screen.state.batch_size == 1
        error = str(app.screen.query_one("#small-error").render())
        assert "Expected more than 1 value per channel when training" in error
        assert np.isnan(heatmap(app, "#small-spread").view.values[0, 0])


async def test_sequences_mask_toggle_changes_bn_statistics_and_ln_ignores_padding():
    app = DemoHarness("sequences", {"norm": "batch", "masked": False, "batch_size": 4, "max_length": 10})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        x, mask, _ = sequences.padded_batch(0, 4, 10)
        channels_first = x.transpose(0, 2, 1)
        plain = batch_norm(channels_first, None, None, training=True).transpose(0, 2, 1)
        np.testing.assert_allclose(heatmap(app, "#seq-output").view.values[mask], plain[..., 0][mask])
        assert heatmap(app, "#seq-input").view.highlight.all()  # padding counted
        unmasked_text = str(app.screen.query_one("#seq-stats").render())

        await pilot.press("m")
        masked = batch_norm(channels_first, None, None, training=True, mask=mask).transpose(0, 2, 1)
        np.testing.assert_allclose(heatmap(app, "#seq-output").view.values[mask], masked[..., 0][mask])
        np.testing.assert_array_equal(heatmap(app, "#seq-input").view.highlight, mask)
        stats = normalization_statistics(channels_first, "batch", mask=mask)
        assert stats.count == mask.sum() and f"({stats.count:>3})" in unmasked_text
        assert app.screen.view.damage == np.max(np.abs(masked - plain)[mask])

        await pilot.press("p")  # per time step: the last step has one sequence left
        view = app.screen.view
        assert view.step_count[-1] == 1 and np.isnan(view.step_mean[-1])
        step0 = normalization_statistics(x[:, 0, :], "batch", mask=mask[:, 0])
        assert view.step_mean[0] == step0.mean[0, 0]

        await pilot.press("n")  # layer norm per token
        ln = layer_norm(x, 3)
        np.testing.assert_allclose(heatmap(app, "#seq-output").view.values[mask], ln[..., 0][mask])
