"""What a learner's disk can throw at the store: corrupt files, read-only places, full disks."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from normquiz.progress import DATABASE_FILENAME, ProgressStore

from .conftest import FakeClock, run_python, write_v1_database


def _answer(store: ProgressStore, question_id: str = "bn-1") -> None:
    store.record_attempt(question_id, content_hash="h", correct=True, response="A")


def _valid_database_bytes(open_store: Callable[..., ProgressStore], where: Path) -> bytes:
    store = open_store(where)
    for i in range(30):
        _answer(store, f"q{i}")
    store.close()
    return (where / DATABASE_FILENAME).read_bytes()


CORRUPTIONS = {
    "random bytes": lambda valid: random.Random(0).randbytes(4096),
    "truncated header": lambda valid: valid[:60],
    "garbage over a table page": lambda valid: valid[:4096] + b"\xa5" * 4096 + valid[8192:],
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_corrupt_database_is_moved_aside_and_a_fresh_one_starts(
    corruption: str, tmp_path: Path, open_store: Callable[..., ProgressStore]
) -> None:
    data_dir = tmp_path / "data"
    damaged = CORRUPTIONS[corruption](_valid_database_bytes(open_store, tmp_path / "source"))
    data_dir.mkdir()
    (data_dir / DATABASE_FILENAME).write_bytes(damaged)

    store = open_store(data_dir)

    aside = data_dir / f"{DATABASE_FILENAME}.corrupt-20261121T214500"
    assert aside.read_bytes() == damaged
    assert store.saving and store.attempt_count() == 0
    (notice,) = store.notices
    assert str(aside) in notice and notice.endswith("a fresh one was started.")
    _answer(store)
    store.close()
    assert open_store(data_dir).attempt_count() == 1


def test_corrupt_files_moved_aside_in_the_same_second_do_not_overwrite_each_other(
    tmp_path: Path, open_store: Callable[..., ProgressStore]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for content in (b"first garbage" * 100, b"second garbage" * 100):
        (data_dir / DATABASE_FILENAME).write_bytes(content)
        open_store(data_dir).close()
    stem = f"{DATABASE_FILENAME}.corrupt-20261121T214500"
    assert (data_dir / stem).read_bytes() == b"first garbage" * 100
    assert (data_dir / f"{stem}-1").read_bytes() == b"second garbage" * 100


def _assert_not_saving(store: ProgressStore, *fragments: str) -> None:
    assert not store.saving
    (notice,) = store.notices
    assert notice.startswith("Progress is not being saved: ")
    assert store.not_saving_reason and store.not_saving_reason in notice
    for fragment in fragments:
        assert fragment in notice


def test_a_data_directory_that_cannot_be_created_runs_in_memory(
    tmp_path: Path, open_store: Callable[..., ProgressStore]
) -> None:
    # A file where a parent directory should be stops even root, unlike chmod.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    store = open_store(blocker / "normquiz")

    _assert_not_saving(store, str(blocker / "normquiz"), "cannot be created")
    result = store.record_attempt("bn-1", content_hash="h", correct=False)
    assert not result.saved and store.attempt_count() == 1
    assert blocker.read_text() == ""


def _chmod_blocks_writes(directory: Path) -> bool:
    try:
        (directory / "probe").touch()
    except PermissionError:
        return True
    (directory / "probe").unlink()
    return False


def test_a_read_only_directory_shows_history_and_keeps_answers_in_memory(
    tmp_path: Path, open_store: Callable[..., ProgressStore]
) -> None:
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    _answer(store)
    store.close()
    before = (data_dir / DATABASE_FILENAME).read_bytes()
    (data_dir / DATABASE_FILENAME).chmod(0o444)
    data_dir.chmod(0o555)
    try:
        if not _chmod_blocks_writes(data_dir):
            pytest.skip("chmod does not stop this user (root); see the RLIMIT_FSIZE tests")
        store = open_store(data_dir)
        _assert_not_saving(store)
        assert store.attempt_count() == 1  # the history is still shown
        _answer(store, "ln-1")
        assert store.attempt_count() == 2
    finally:
        data_dir.chmod(0o755)
    assert (data_dir / DATABASE_FILENAME).read_bytes() == before


# RLIMIT_FSIZE = 0 makes every write to a regular file fail with EFBIG, for root
# too: an honest "the disk takes no more writes" wherever the tests run.
# Output goes to pipes, which the limit does not cover.
WRITES_REFUSED = """
    import json, resource, signal, sys
    from normquiz.progress import ProgressStore

    def refuse_writes():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))

    data_dir, when = sys.argv[1], sys.argv[2]
    if when == "before-open":
        refuse_writes()
    store = ProgressStore.open(data_dir)
    if when == "mid-session":
        store.record_attempt("before", content_hash="h", correct=True)
        refuse_writes()
    result = store.record_attempt("after", content_hash="h", correct=True)
    print(json.dumps({
        "saved": result.saved,
        "notices": list(store.notices),
        "questions": [a.question_id for a in store.attempts()],
        "flags": len(store.list_flags()),
    }))
"""

needs_rlimit = pytest.mark.skipif(
    sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX only"
)


def _run_with_writes_refused(data_dir: Path, when: str) -> dict:
    child = run_python(WRITES_REFUSED, str(data_dir), when)
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    assert "Traceback" not in stderr
    return json.loads(stdout)


@needs_rlimit
def test_a_disk_refusing_writes_mid_session_switches_to_memory(tmp_path: Path) -> None:
    report = _run_with_writes_refused(tmp_path, "mid-session")

    assert report["saved"] is False
    assert report["questions"] == ["before", "after"]
    (notice,) = report["notices"]
    assert notice.startswith("Progress is not being saved: writing to the disk failed")
    with ProgressStore.open(tmp_path) as store:
        assert [a.question_id for a in store.attempts()] == ["before"]


@needs_rlimit
def test_an_unwritable_old_database_is_read_and_migrated_in_memory(tmp_path: Path) -> None:
    write_v1_database(tmp_path / DATABASE_FILENAME)
    before = (tmp_path / DATABASE_FILENAME).read_bytes()

    report = _run_with_writes_refused(tmp_path, "before-open")

    assert report["saved"] is False
    assert report["questions"] == ["bn-1", "bn-1", "after"]
    assert report["flags"] == 1
    assert report["notices"][0].startswith("Progress is not being saved: ")
    assert (tmp_path / DATABASE_FILENAME).read_bytes() == before


def test_a_database_from_a_newer_normquiz_is_left_untouched(
    tmp_path: Path, open_store: Callable[..., ProgressStore]
) -> None:
    data_dir = tmp_path / "data"
    open_store(data_dir).close()
    conn = sqlite3.connect(data_dir / DATABASE_FILENAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()

    store = open_store(data_dir)

    _assert_not_saving(store, "schema version 99", "upgrade normquiz")
    _answer(store)
    store.close()
    conn = sqlite3.connect(data_dir / DATABASE_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone() == (99,)
    assert conn.execute("SELECT count(*) FROM attempts").fetchone() == (0,)
    conn.close()


def test_bad_arguments_are_refused_with_a_sentence(store: ProgressStore) -> None:
    with pytest.raises(ValueError, match=r"must be one of wrong, unclear, got 'typo'\.$"):
        store.flag_question("bn-1", "typo")
    with pytest.raises(ValueError, match=r"between 0 and 1, got 1\.5\.$"):
        store.record_attempt("bn-1", content_hash="h", correct=True, score=1.5)
    with pytest.raises(ValueError, match="has no time zone"):
        store.record_attempt(
            "bn-1", content_hash="h", correct=True, now=FakeClock().current.replace(tzinfo=None)
        )
    assert store.attempt_count() == 0 and os.fspath(store.path).endswith(DATABASE_FILENAME)
