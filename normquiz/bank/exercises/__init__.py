"""Coding exercises: the catalogue of checkers (no NumPy) and the checks, with the core as the oracle.

``catalogue`` is what validation needs (names, functions, signatures) and
imports nothing heavy; ``cases`` builds the inputs and the expected outputs,
``mistakes`` computes the known wrong answers, ``diagnosis`` turns what the
learner's function returned into one line per check. Running the learner's
code is not done here: ``normquiz.study.exercise_run`` does it in a separate
process.
"""
