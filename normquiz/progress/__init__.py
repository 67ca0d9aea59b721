"""The learner's progress: a SQLite store of answers, FSRS review scheduling and stats.

Imports nothing from textual, rich or numpy; knows questions only by id,
content hash, level and tags passed in by the caller. Typical use::

    store = ProgressStore.open(args.data_dir)  # --data-dir, $NORMQUIZ_DATA_DIR or the default
    for notice in store.notices:          # corrupt file moved aside, not saving
        show(notice)
    session = store.start_session("practice", {"level": "basic"})
    result = store.record_attempt(question.id, content_hash=question_hash,
                                  correct=verdict.correct, score=verdict.score,
                                  response=answer, seconds=12.5, hints_used=0,
                                  session_id=session,
                                  expected_seconds=expected_seconds(question.type, question.level))
    store.end_session(session)
    stats = progress_stats(store, bank.catalog())
    print(stats.format_text())
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from normquiz.lazy import lazy_exports

if TYPE_CHECKING:
    from normquiz.progress.clock import Clock, utc_now
    from normquiz.progress.datadir import DATA_DIR_ENV, DATABASE_FILENAME, default_data_dir, resolve_data_dir
    from normquiz.progress.records import (
        FLAG_REASONS,
        Attempt,
        DueDay,
        Flag,
        FlagReason,
        RecordedAttempt,
        ReviewState,
        Session,
        SessionMode,
    )
    from normquiz.progress.scheduling import Rating, ReviewScheduler, expected_seconds, rating_for
    from normquiz.progress.stats import (
        MASTERY_STABILITY_DAYS,
        Accuracy,
        DayAccuracy,
        Mastery,
        ProgressStats,
        QuestionFacts,
        progress_stats,
    )
    from normquiz.progress.store import ProgressStore

# Imported on first use: the app resolves its data folder (datadir) before its
# first frame, and opens the store (SQLite, FSRS) only after it.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "clock": ("Clock", "utc_now"),
    "datadir": ("DATA_DIR_ENV", "DATABASE_FILENAME", "default_data_dir", "resolve_data_dir"),
    "records": ("FLAG_REASONS", "Attempt", "DueDay", "Flag", "FlagReason", "RecordedAttempt", "ReviewState",
                "Session", "SessionMode"),
    "scheduling": ("Rating", "ReviewScheduler", "expected_seconds", "rating_for"),
    "stats": ("MASTERY_STABILITY_DAYS", "Accuracy", "DayAccuracy", "Mastery", "ProgressStats", "QuestionFacts",
              "progress_stats"),
    "store": ("ProgressStore",),
})
