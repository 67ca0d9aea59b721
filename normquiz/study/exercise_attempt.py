"""One visit to a coding exercise: the learner's file, hints, runs, and the attempt saved for FSRS.

No textual here. The learner's code lives in ``<data-dir>/exercises/<id>.py``
so that it survives between runs and sessions (and an external editor can
open it). The attempt is recorded once per visit, like an answered question:
correct when a run passes every check, wrong when the learner gives up first.
Failed runs are not answers; they are the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from normquiz.bank import content_hash
from normquiz.bank.model import CodeQuestion
from normquiz.progress import ProgressStore
from normquiz.study.exercise_run import ExerciseReport, RunHandle, RunLimits, run_exercise


def exercise_dir(data_dir: Path) -> Path:
    return data_dir / "exercises"


class ExerciseAttempt:
    """The learner working on ``question``; ``store`` receives the attempt."""

    def __init__(self, question: CodeQuestion, store: ProgressStore | None, code_dir: Path | None, *,
                 clock: Callable[[], float] = time.monotonic, limits: RunLimits = RunLimits()) -> None:
        self.question = question
        self.store = store
        self.code_path = code_dir / f"{question.id}.py" if code_dir is not None else None
        self.clock = clock
        self.limits = limits
        self.started_at = clock()
        self.hints_shown = 0
        self.runs = 0
        self.recorded: bool | None = None  # the verdict saved on this visit, once
        self.gave_up = False
        self.save_problem: str | None = None

    # -- the code ----------------------------------------------------------------

    def load_code(self) -> str:
        """The learner's saved code, or the starter the first time."""
        if self.code_path is not None and self.code_path.is_file():
            try:
                return self.code_path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                self.save_problem = f"could not read {self.code_path}: {error}"
        return self.question.starter

    def save_code(self, text: str) -> bool:
        """Keep ``text`` in the data dir; False (and ``save_problem`` says why) when that failed."""
        if self.code_path is None:
            return False
        try:
            self.code_path.parent.mkdir(parents=True, exist_ok=True)
            self.code_path.write_text(text, encoding="utf-8")
        except OSError as error:
            self.save_problem = f"could not save {self.code_path}: {error.strerror or error}"
            return False
        self.save_problem = None
        return True

    def reset_code(self) -> str:
        self.save_code(self.question.starter)
        return self.question.starter

    # -- hints, runs, giving up -----------------------------------------------

    def next_hint(self) -> str | None:
        """The next hint (counted for the review rating), or None when all are shown."""
        if self.hints_shown >= len(self.question.hints):
            return None
        self.hints_shown += 1
        return self.question.hints[self.hints_shown - 1]

    def shown_hints(self) -> list[str]:
        return list(self.question.hints[: self.hints_shown])

    def run(self, text: str, *, seed: int | None = None, handle: RunHandle | None = None) -> ExerciseReport:
        """Save and check ``text``; the first passing run of the visit is recorded as correct.

        Raises ``ExercisesDisabled`` where running code is turned off.
        """
        self.save_code(text)
        self.runs += 1
        report = run_exercise(self.question.exercise, text, seed=self.runs if seed is None else seed,
                              limits=self.limits, handle=handle)
        if report.passed and self.recorded is None and not self.gave_up:
            self._record(True, {"runs": self.runs})
        return report

    def give_up(self) -> str:
        """Show the reference solution; before a passing run this records a wrong answer."""
        if self.recorded is None:
            self._record(False, {"runs": self.runs, "gave_up": True})
        self.gave_up = True
        return self.question.reference

    def _record(self, correct: bool, response: dict) -> None:
        self.recorded = correct
        if self.store is None:
            return
        self.store.record_attempt(
            self.question.id, content_hash=content_hash(self.question), correct=correct,
            response=response, seconds=round(max(0.0, self.clock() - self.started_at), 3),
            hints_used=self.hints_shown, mode="practice",
        )
