"""normquiz.lab: experiments built on the core, such as the MLP the training demo trains live.

Imports numpy and :mod:`normquiz.core` only; the demos and benchmarks use it.
"""
