"""The validated-bank cache: a second load gives the same bank without reading unchanged files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from normquiz.bank import LoadResult, load_bank
from normquiz.bank import loader as bank_loader
from normquiz.bank.cache import CACHE_FILE_NAME, BankCache
from tests.bank.cache_fixtures import age, bank, cache_dir  # noqa: F401 - fixtures
from tests.bank.conftest import HEADER, SINGLE, TRUE_FALSE

def load(folder: Path) -> LoadResult:
    return load_bank([folder], include_builtin=False)


def same_bank(one: LoadResult, two: LoadResult) -> None:
    assert one.questions == two.questions
    assert one.sources == two.sources
    assert one.files == two.files
    assert [str(problem) for problem in one.problems] == [str(problem) for problem in two.problems]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the loader parses from now on."""
    names: list[str] = []
    real = bank_loader.read_yaml_file

    def counting(path: Path):  # type: ignore[no-untyped-def]
        names.append(path.name)
        return real(path)

    monkeypatch.setattr(bank_loader, "read_yaml_file", counting)
    return names


def test_a_second_load_gives_the_same_bank_without_reading_the_files(
        cache_dir: Path, bank: Path, reads: list[str]) -> None:
    fresh = load_bank([bank], include_builtin=False, cached=False)
    reads.clear()
    first = load(bank)
    assert sorted(reads) == ["all.yaml", "small.yaml"]
    assert (cache_dir / CACHE_FILE_NAME).is_file()
    reads.clear()
    second = load(bank)
    assert reads == []
    same_bank(second, fresh)
    same_bank(first, fresh)
    assert any(question.type == "computed" for question in second.questions)


def test_a_touched_file_is_read_again(cache_dir: Path, bank: Path, reads: list[str]) -> None:
    load(bank)
    small = bank / "small.yaml"
    text = small.read_text(encoding="utf-8")
    small.write_text(text.replace("Which axis?", "Which axes?"[:11]), encoding="utf-8")  # same size
    assert len(small.read_bytes()) == len(text.encode())
    age(small, hours=2)
    reads.clear()
    result = load(bank)
    assert reads == ["small.yaml"]
    assert next(question for question in result.questions if question.id == "q-single").prompt == "Which axes?"


def test_a_new_file_and_a_deleted_file_are_seen(cache_dir: Path, bank: Path) -> None:
    load(bank)
    (bank / "small.yaml").unlink()
    (bank / "new.yaml").write_text(HEADER + TRUE_FALSE.replace("q-true-false", "q-new"), encoding="utf-8")
    result = load(bank)
    assert {report.path for report in result.files} == {"bank/all.yaml", "bank/new.yaml"}
    assert "q-new" in {question.id for question in result.questions}
    assert "q-single" not in {question.id for question in result.questions}


@pytest.mark.parametrize("garbage", [b"\x00\xff not json", b'{"fingerprint": 1}', b"[]"])
def test_a_corrupt_cache_is_rebuilt_without_a_word(
        cache_dir: Path, bank: Path, garbage: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    fresh = load(bank)
    (cache_dir / CACHE_FILE_NAME).write_bytes(garbage)
    same_bank(load(bank), fresh)
    assert capsys.readouterr() == ("", "")
    stored = json.loads((cache_dir / CACHE_FILE_NAME).read_bytes())
    assert len(stored["files"]) == 2


def test_a_corrupt_entry_is_read_from_the_file_again(cache_dir: Path, bank: Path, reads: list[str]) -> None:
    fresh = load(bank)
    stored = json.loads((cache_dir / CACHE_FILE_NAME).read_bytes())
    entry = stored["files"][os.path.abspath(bank / "small.yaml")]
    entry["questions"] = entry["questions"].replace('"level":"basic"', '"level":"expert"')
    (cache_dir / CACHE_FILE_NAME).write_text(json.dumps(stored), encoding="utf-8")
    reads.clear()
    same_bank(load(bank), fresh)
    assert reads == ["small.yaml"]


def test_a_cache_of_other_rules_is_not_used(cache_dir: Path, bank: Path, reads: list[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    load(bank)
    monkeypatch.setattr("normquiz.bank.cache.rules_fingerprint", lambda: "another version of the rules")
    reads.clear()
    load(bank)
    assert sorted(reads) == ["all.yaml", "small.yaml"]


def test_problems_are_never_cached_away(cache_dir: Path, bank: Path, reads: list[str]) -> None:
    broken = bank / "broken.yaml"
    broken.write_text(HEADER + SINGLE.replace("q-single", "q-other").replace("correct: true", "correct: maybe")
                      + TRUE_FALSE.replace("q-true-false", "q-fine"), encoding="utf-8")
    (bank / "unreadable.yaml").write_text("topic: [", encoding="utf-8")
    for path in bank.iterdir():
        age(path)
    first = load(bank)
    reads.clear()
    second = load(bank)
    assert sorted(reads) == ["broken.yaml", "unreadable.yaml"]
    same_bank(second, first)
    assert {problem.path for problem in second.problems} == {"bank/broken.yaml", "bank/unreadable.yaml"}
    assert "q-fine" in {question.id for question in second.questions}


def test_a_duplicate_id_is_reported_on_every_load(cache_dir: Path, bank: Path, reads: list[str]) -> None:
    (bank / "z-dup.yaml").write_text(HEADER + SINGLE, encoding="utf-8")  # q-single again, after small.yaml
    age(bank / "z-dup.yaml")
    first = load(bank)
    reads.clear()
    second = load(bank)
    assert reads == []  # each file is clean by itself; the duplicate is found across files every time
    same_bank(second, first)
    assert [problem.message for problem in second.problems] == [
        "duplicate id 'q-single': already used at bank/small.yaml:3:9"]


def test_a_file_changed_just_now_is_not_trusted_to_the_cache(cache_dir: Path, tmp_path: Path,
                                                             reads: list[str]) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "q.yaml").write_text(HEADER + SINGLE, encoding="utf-8")  # its mtime is now
    load(folder)
    load(folder)
    assert reads == ["q.yaml", "q.yaml"]


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path, bank: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("NORMQUIZ_CACHE_DIR", str(blocker / "cache"))
    same_bank(load(bank), load_bank([bank], include_builtin=False, cached=False))
    assert BankCache.open().path == blocker / "cache" / CACHE_FILE_NAME


def test_the_loader_lets_each_parsed_document_go_before_reading_the_next(
        bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: keeping every document until the load returns made 10k questions peak at 194 MiB."""
    import weakref

    (bank / "z-dup.yaml").write_text(HEADER + SINGLE, encoding="utf-8")  # a duplicate id needs its place
    earlier: list[weakref.ref[object]] = []
    alive_at_each_read: list[int] = []
    real = bank_loader.read_yaml_file

    def tracking(path: Path):  # type: ignore[no-untyped-def]
        alive_at_each_read.append(sum(ref() is not None for ref in earlier))
        document = real(path)
        earlier.append(weakref.ref(document))
        return document

    monkeypatch.setattr(bank_loader, "read_yaml_file", tracking)
    result = load_bank([bank], include_builtin=False, cached=False)
    assert alive_at_each_read == [0, 0, 0]
    assert "duplicate id 'q-single'" in result.problems[0].message
