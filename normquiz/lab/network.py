r"""The training demo's network: an MLP whose normalization layers run on the core's forward and backward passes.

Architecture (the batch-norm paper's placement: normalize the linear
layer's output, before the nonlinearity)::

    x -> [Linear -> Norm -> ReLU] * depth -> Linear -> softmax cross-entropy

``Norm`` is ``batch_norm``, ``layer_norm`` (both with learnable gamma and
beta, from ``normquiz.core``) or nothing. The hidden linear layers have a
bias only without batch norm: batch norm subtracts the per-unit batch mean,
which cancels any per-unit constant exactly, so beta takes the bias's place
(layer norm's mean runs over the units of one example and does not cancel
it). Weights are He-initialized, ``N(0, 2 / fan_in)``, times ``init_scale``;
biases and beta start at 0, gamma at 1.

Backward, per hidden layer, from ``dh = dL/d(ReLU output)``::

    da = dh * (h > 0)                      h = ReLU(a), a: the normalized pre-activation
    dz, dgamma, dbeta = *_norm_backward(da, z, gamma)   (core; dz = da without norm)
    dW = h_in^T dz,  db = sum_rows(dz),  dh_in = dz W^T

and at the top ``dlogits = (softmax(logits) - onehot(y)) / N`` for the mean
cross-entropy over the ``N`` examples of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from normquiz.core.backward import batch_norm_backward, layer_norm_backward
from normquiz.core.functional import batch_norm, layer_norm
from normquiz.vocabulary import TRAINING_NORMS

__all__ = ["NORMS", "MLP", "softmax_cross_entropy"]

#: The normalizations the network can use after each hidden linear layer.
NORMS = TRAINING_NORMS


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float, np.ndarray]:
    r"""Mean cross-entropy of ``softmax(logits)`` against integer labels, its gradient, and the accuracy.

    .. math:: L = -\frac{1}{N} \sum_i \log \mathrm{softmax}(z_i)_{y_i}, \quad
              \frac{\partial L}{\partial z_i} = \frac{\mathrm{softmax}(z_i) - \mathrm{onehot}(y_i)}{N}

    The row maximum is subtracted before exponentiating (log-sum-exp), so
    large finite logits do not overflow; infinite or NaN logits give a NaN
    loss, which the trainer reports as divergence.

    Returns:
        ``(loss, accuracy, dlogits)``: loss and accuracy as floats, dlogits of logits' shape.
    """
    rows = np.arange(logits.shape[0])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(log_probs[rows, labels].mean(dtype=np.float64))
    dlogits = np.exp(log_probs)
    dlogits[rows, labels] -= 1.0
    dlogits /= logits.shape[0]
    accuracy = float(np.mean(logits.argmax(axis=1) == labels))
    return loss, accuracy, dlogits


@dataclass
class _HiddenCache:
    """What one hidden layer's backward needs from its forward."""

    inputs: np.ndarray  # h_in, the layer's input
    pre_norm: np.ndarray  # z = h_in W (+ b)
    outputs: np.ndarray  # h = ReLU(norm(z)), the next layer's input; h > 0 exactly where norm(z) > 0


class MLP:
    """``depth`` hidden layers of ``hidden`` units, each Linear -> norm -> ReLU, then a linear classifier.

    Attributes:
        parameters: name -> array, updated in place by the optimizer:
            ``linear{i}.weight`` ``(fan_in, hidden)``, ``linear{i}.bias``
            (not with batch norm), ``norm{i}.weight`` / ``norm{i}.bias``
            (gamma, beta; with a norm), ``output.weight``, ``output.bias``;
            ``i`` counts hidden layers from 1.
        running_means, running_vars: batch norm's running buffers, one
            ``(hidden,)`` pair per hidden layer (empty lists otherwise),
            updated in place by ``batch_norm`` in training mode.
    """

    def __init__(
        self,
        *,
        input_dim: int,
        classes: int,
        hidden: int,
        depth: int,
        norm: str,
        init_scale: float,
        rng: np.random.Generator,
        dtype: str | np.dtype = "float32",
        eps: float = 1e-5,
        bn_momentum: float = 0.1,
    ) -> None:
        if norm not in NORMS:
            raise ValueError(f"MLP: norm must be one of {', '.join(NORMS)}; got {norm!r}.")
        self.norm, self.depth, self.hidden = norm, depth, hidden
        self.eps, self.bn_momentum = eps, bn_momentum
        self.dtype = np.dtype(dtype)
        self.parameters: dict[str, np.ndarray] = {}
        fan_in = input_dim
        for layer in range(1, depth + 1):
            self._add_linear(f"linear{layer}", fan_in, hidden, init_scale, rng, bias=norm != "batch")
            if norm != "none":
                self.parameters[f"norm{layer}.weight"] = np.ones(hidden, self.dtype)
                self.parameters[f"norm{layer}.bias"] = np.zeros(hidden, self.dtype)
            fan_in = hidden
        self._add_linear("output", fan_in, classes, init_scale, rng, bias=True)
        buffers = depth if norm == "batch" else 0
        self.running_means = [np.zeros(hidden, self.dtype) for _ in range(buffers)]
        self.running_vars = [np.ones(hidden, self.dtype) for _ in range(buffers)]

    def _add_linear(
        self, name: str, fan_in: int, fan_out: int, init_scale: float, rng: np.random.Generator, *, bias: bool
    ) -> None:
        std = init_scale * np.sqrt(2.0 / fan_in)
        self.parameters[f"{name}.weight"] = (std * rng.standard_normal((fan_in, fan_out))).astype(self.dtype)
        if bias:
            self.parameters[f"{name}.bias"] = np.zeros(fan_out, self.dtype)

    def _linear(self, name: str, inputs: np.ndarray) -> np.ndarray:
        out = inputs @ self.parameters[f"{name}.weight"]
        bias = self.parameters.get(f"{name}.bias")
        if bias is not None:
            out += bias
        return out

    def _normalize(self, layer: int, z: np.ndarray, *, training: bool, update_running: bool) -> np.ndarray:
        if self.norm == "none":
            return z
        gamma, beta = self.parameters[f"norm{layer}.weight"], self.parameters[f"norm{layer}.bias"]
        if self.norm == "layer":
            return layer_norm(z, (self.hidden,), gamma, beta, self.eps)
        recording = update_running or not training  # eval mode normalizes with the buffers
        return batch_norm(
            z,
            self.running_means[layer - 1] if recording else None,
            self.running_vars[layer - 1] if recording else None,
            gamma,
            beta,
            training=training,
            momentum=self.bn_momentum,
            eps=self.eps,
        )

    def _normalize_backward(
        self, layer: int, da: np.ndarray, z: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        gamma = self.parameters[f"norm{layer}.weight"]
        if self.norm == "layer":
            return layer_norm_backward(da, z, (self.hidden,), gamma, self.eps)
        return batch_norm_backward(da, z, gamma, self.eps)

    def forward(
        self, x: np.ndarray, *, training: bool, update_running: bool = False
    ) -> tuple[np.ndarray, list[_HiddenCache]]:
        """Logits for a batch ``x`` ``(N, input_dim)``, and what ``backward`` needs.

        ``training=True`` normalizes batch norm with the batch's statistics
        (and, with ``update_running``, records them in the running buffers);
        ``training=False`` uses the running buffers, so each example's output
        is independent of the rest of the batch. Layer norm is the same in both.
        """
        caches = []
        h = np.asarray(x, dtype=self.dtype)
        for layer in range(1, self.depth + 1):
            z = self._linear(f"linear{layer}", h)
            a = self._normalize(layer, z, training=training, update_running=update_running)
            h_in, h = h, np.maximum(a, 0)
            caches.append(_HiddenCache(h_in, z, h))
        return self._linear("output", h), caches

    def backward(self, dlogits: np.ndarray, caches: list[_HiddenCache]) -> dict[str, np.ndarray]:
        """Gradients of the loss w.r.t. every parameter, given ``dL/dlogits`` of a training-mode forward."""
        params, grads = self.parameters, {}
        grads["output.weight"] = caches[-1].outputs.T @ dlogits
        grads["output.bias"] = dlogits.sum(axis=0)
        dh = dlogits @ params["output.weight"].T
        for layer in range(self.depth, 0, -1):
            cache = caches[layer - 1]
            da = dh * (cache.outputs > 0)
            if self.norm == "none":
                dz = da
            else:
                dz, grads[f"norm{layer}.weight"], grads[f"norm{layer}.bias"] = self._normalize_backward(
                    layer, da, cache.pre_norm
                )
            grads[f"linear{layer}.weight"] = cache.inputs.T @ dz
            if f"linear{layer}.bias" in params:
                grads[f"linear{layer}.bias"] = dz.sum(axis=0)
            if layer > 1:
                dh = dz @ params[f"linear{layer}.weight"].T
        return grads

    def loss_and_gradients(
        self, x: np.ndarray, labels: np.ndarray, *, update_running: bool = False
    ) -> tuple[float, float, dict[str, np.ndarray]]:
        """Training-mode ``(loss, accuracy, gradients)`` on one batch; a pure function of the parameters
        unless ``update_running`` (then batch norm's buffers record this batch's statistics)."""
        logits, caches = self.forward(x, training=True, update_running=update_running)
        loss, accuracy, dlogits = softmax_cross_entropy(logits, labels)
        return loss, accuracy, self.backward(dlogits, caches)

    def evaluate(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """Eval-mode ``(loss, accuracy)``: batch norm uses its running statistics."""
        logits, _ = self.forward(x, training=False)
        loss, accuracy, _ = softmax_cross_entropy(logits, labels)
        return loss, accuracy
