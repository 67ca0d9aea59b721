"""Answers survive a killed process, and two instances writing at once lose nothing."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

from normquiz.progress import ProgressStore

from .conftest import run_python

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals")

KILLED_AFTER_ANSWERS = """
    import os, signal, sys
    from normquiz.progress import ProgressStore
    store = ProgressStore.open(sys.argv[1])
    session = store.start_session("practice", {"level": "basic"})
    for i in range(int(sys.argv[2])):
        store.record_attempt(f"q{i}", content_hash="h", correct=i % 2 == 0, session_id=session)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_answers_given_before_a_kill_are_all_kept(tmp_path: Path) -> None:
    answers = 7
    child = run_python(KILLED_AFTER_ANSWERS, str(tmp_path), str(answers))
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, stderr

    with ProgressStore.open(tmp_path) as store:
        assert store.notices == ()
        assert store.attempt_count() == answers
        assert len(store.review_states()) == answers
        session_ids = {attempt.session_id for attempt in store.attempts()}
        assert len(session_ids) == 1 and store.session(session_ids.pop()).ended_at is None


CONCURRENT_WRITER = """
    import json, os, sys, time
    from pathlib import Path
    from normquiz.progress import ProgressStore
    data_dir, name, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    while not go.exists():
        time.sleep(0.005)
    store = ProgressStore.open(data_dir)
    for i in range(count):
        # Half the answers go to questions both writers share, so their cards collide too.
        question = f"shared-{i % 5}" if i % 2 else f"{name}-{i}"
        store.record_attempt(question, content_hash="h", correct=True, response={"by": name})
    print(json.dumps({"saving": store.saving, "notices": list(store.notices)}))
"""


def test_two_instances_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    per_writer = 40
    go = tmp_path / "go"
    writers = [
        run_python(CONCURRENT_WRITER, str(tmp_path / "data"), name, str(per_writer), str(go))
        for name in ("left", "right")
    ]
    go.touch()  # both start on a fresh directory: creation and migration race as well
    for writer in writers:
        stdout, stderr = writer.communicate(timeout=60)
        assert writer.returncode == 0, stderr
        assert json.loads(stdout) == {"saving": True, "notices": []}

    with ProgressStore.open(tmp_path / "data") as store:
        attempts = store.attempts()
        assert len(attempts) == 2 * per_writer
        assert {a.response["by"] for a in attempts} == {"left", "right"}
        shared = [a for a in attempts if a.question_id.startswith("shared-")]
        assert len(shared) == per_writer
        assert len(store.review_states()) == per_writer + 5


def test_answers_can_be_recorded_from_a_worker_thread(tmp_path: Path) -> None:
    # The TUI may record from a Textual thread worker; sqlite3 refuses by default.
    import threading

    with ProgressStore.open(tmp_path) as store:
        answer = {"content_hash": "h", "correct": True}
        worker = threading.Thread(target=store.record_attempt, args=("bn-1",), kwargs=answer)
        worker.start()
        worker.join()
        assert store.attempt_count() == 1
