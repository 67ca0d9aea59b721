"""Commented template question files for ``normquiz new``; each validates as written."""

from __future__ import annotations

import re
import textwrap

from normquiz.bank.demos import DEMO_NAMES
from normquiz.bank.exercises.catalogue import EXERCISE_NAMES
from normquiz.bank.model import QUESTION_TYPES

_HEADER = """\
# yaml-language-server: $schema=question-file.schema.json
# A normquiz question file. The format: docs/authoring.md. Check it with
#   normquiz validate {file_name}
# Editor completion: run `normquiz schema > question-file.schema.json` in this folder.
topic: {topic}                # the heading these questions are grouped under
description: What these questions are about.   # optional
questions:
"""

_COMMON = """\
  - id: {id}   # unique across all files; progress is keyed by it, so never rename it later
    level: basic                # basic | intermediate | advanced
    type: {type}
    tags: [batch-norm]          # lowercase, hyphenated
"""

_FOOTER = """\
    explanation: |
      Markdown shown after answering: teach why, not only what.
    hints:                      # optional, revealed one at a time
      - A nudge that does not give the answer away.
    references:                 # optional, strongly encouraged
      - "Ioffe & Szegedy (2015), Batch Normalization, arXiv:1502.03167"
""" + "".join(  # the demo names, from the catalogue
    f"    # {'demo: axes' if index == 0 else '':<26}# {line}\n"
    for index, line in enumerate(textwrap.wrap("optional: " + ", ".join(DEMO_NAMES), width=54,
                                               break_on_hyphens=False))
)

_BODIES = {
    "single_choice": """\
    prompt: |
      For an input of shape `(N, D)`, over which axis does batch norm compute
      its mean in training mode?
    choices:                    # exactly one correct; shown shuffled
      - text: Axis 0, over the N examples, separately for each feature
        correct: true
      - text: Axis 1, over the D features of each example
        feedback: That is layer normalization.   # optional, per choice
    # shuffle: false            # keep the written order
""",
    "multiple_choice": """\
    prompt: Which of these does batch norm learn during training?
    choices:                    # at least one correct
      - text: gamma (the scale)
        correct: true
      - text: beta (the shift)
        correct: true
      - text: the running mean
        feedback: It is a buffer updated by a moving average, not learned by gradient descent.
""",
    "true_false": """\
    prompt: Layer norm computes the same thing at training and at test time.
    answer: true
""",
    "numeric": """\
    prompt: How many learnable parameters does `nn.LayerNorm(512)` have?
    answer: 1024
    tolerance: 0                # required: absolute, or {relative: 0.01}
    unit: parameters            # optional
""",
    "short_answer": """\
    prompt: Which normalization computes statistics per example over its features?
    answers: [layer normalization, layer norm, LN]   # case, punctuation and one typo forgiven
""",
    "ordering": """\
    prompt: Put the steps of batch norm's training-mode forward pass in order.
    items:                      # the correct order, at least 3; shown shuffled
      - Compute the mean of each feature over the batch
      - Compute the variance of each feature over the batch
      - Normalize with the mean and variance
      - Scale by gamma and shift by beta
""",
    "open": """\
    prompt: Why does batch norm behave differently at training and at test time?
    model_answer: |
      In training it normalizes with the statistics of the current batch; at
      test time it uses running averages gathered during training.
    key_points:                 # at least 2; the learner ticks those covered
      - Batch statistics in training
      - Running estimates at inference
""",
    "computed": """\
    generator: layer_norm_entry # see docs/authoring.md for generators and placeholders
    params: {rows: 3, cols: 4}
    prompt: |
      Layer-normalize this matrix (eps = 1e-5, no affine):

      {{matrix}}

      What is the output at row {{row}}, column {{col}}?
""",
    "code": """\
    exercise: ln-forward        # the checker, one of: EXERCISES
    function: layernorm_forward # must be the function that checker calls
    signature: "layernorm_forward(x, gamma, beta, eps=1e-5) -> out"
    prompt: |
      Write layer norm over the last axis of x (..., D) in NumPy.
    starter: |                  # what the learner's editor starts with
      import numpy as np


      def layernorm_forward(x, gamma, beta, eps=1e-5):
          raise NotImplementedError
    reference: |                # shown for reading after the attempt; never run by the bank
      import numpy as np


      def layernorm_forward(x, gamma, beta, eps=1e-5):
          mean = x.mean(axis=-1, keepdims=True)
          var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
          return gamma * (x - mean) / np.sqrt(var + eps) + beta
""".replace("EXERCISES", ", ".join(EXERCISE_NAMES[:4]) + ", ... (docs/authoring.md)"),
}


def slug(text: str) -> str:
    """``"My Topic_2"`` → ``"my-topic-2"`` (a valid id prefix)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "my-topic"


def template_question(question_type: str, id_prefix: str) -> str:
    question_id = f"{id_prefix}-{question_type.replace('_', '-')}"
    return _COMMON.format(id=question_id, type=question_type) + _BODIES[question_type] + _FOOTER


def template_file(question_type: str = "single_choice", *, topic_slug: str = "my-topic",
                  file_name: str | None = None) -> str:
    """A whole file with one question of ``question_type``, or one of each for ``"all"``."""
    types = list(QUESTION_TYPES) if question_type == "all" else [question_type]
    unknown = [kind for kind in types if kind not in _BODIES]
    if unknown:
        raise ValueError(f"unknown question type {unknown[0]!r}")
    prefix = slug(topic_slug)
    topic = prefix.replace("-", " ").capitalize()
    header = _HEADER.format(topic=topic, file_name=file_name or f"{prefix}.yaml")
    return header + "\n".join(template_question(kind, prefix) for kind in types)
