"""The bank's summary beside the cache: the home screen's counts on a second start, before the bank loads."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from normquiz.bank import LoadResult, load_bank
from normquiz.bank.summary import SUMMARY_FILE_NAME, BankSummary, read_summary
from tests.bank.conftest import HEADER, SINGLE, TRUE_FALSE
from tests.bank.cache_fixtures import age, bank, cache_dir  # noqa: F401 - fixtures


def load(folder: Path) -> LoadResult:
    return load_bank([folder], include_builtin=False)


def summary(folder: Path) -> BankSummary | None:
    return read_summary([folder])


def test_the_summary_gives_the_loaded_banks_counts_and_catalogue(cache_dir: Path, bank: Path) -> None:
    result = load(bank)
    read = summary(bank)
    assert read is not None
    assert read == BankSummary.of(result)
    assert read.catalog() == result.catalog()
    quizzed = Counter(question.level for question in result.questions if question.type != "code")
    assert read.quiz_level_counts() == quizzed != result.counts("level")  # exercises have their own entry
    assert read.type_count("computed") == result.counts("type")["computed"] > 0
    assert read.tag_counts()  # the template's questions have tags


def test_the_built_in_banks_summary_counts_what_the_home_screen_counts(cache_dir: Path) -> None:
    from normquiz.paths import bank_paths

    result = load_bank()
    read = read_summary(bank_paths())
    assert read is not None
    quiz_questions = [question for question in result.questions if question.type != "code"]
    assert sum(read.quiz_level_counts().values()) == len(quiz_questions)
    assert read.type_count("code") == len(result.questions) - len(quiz_questions) > 0


def test_each_topics_count_is_what_a_quiz_on_it_asks(cache_dir: Path) -> None:
    """The home screen lists topics with these counts; a topic's quiz leaves the exercises out."""
    from normquiz.paths import bank_paths
    from normquiz.study.session import SessionOptions, select_questions

    result = load_bank()
    read = read_summary(bank_paths())
    assert read is not None
    exercise_tags = {tag for question in result.questions if question.type == "code" for tag in question.tags}
    assert exercise_tags  # else this test checks nothing about exercises
    for tag in {tag for question in result.questions for tag in question.tags}:
        asked = select_questions(result.questions, SessionOptions(tags=frozenset({tag})))
        assert read.tag_counts()[tag] == len(asked), tag
        assert read.tag_level_counts(tag) == Counter(question.level for question in asked), tag


def test_no_summary_before_a_load_nor_for_other_paths(cache_dir: Path, bank: Path, tmp_path: Path) -> None:
    assert summary(bank) is None
    load(bank)
    assert read_summary([bank, tmp_path]) is None
    assert read_summary([]) is None


def test_a_changed_added_or_removed_file_makes_it_stale(cache_dir: Path, bank: Path) -> None:
    load(bank)
    small = bank / "small.yaml"
    small.write_text(small.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    age(small, hours=2)
    assert summary(bank) is None
    load(bank)
    assert summary(bank) is not None
    extra = bank / "extra.yaml"
    extra.write_text(HEADER + TRUE_FALSE.replace("q-true-false", "q-extra"), encoding="utf-8")
    age(extra)
    assert summary(bank) is None
    load(bank)
    assert "q-extra" in summary(bank).catalog()  # type: ignore[union-attr]
    extra.unlink()
    assert summary(bank) is None


def test_a_bank_with_a_problem_has_no_summary(cache_dir: Path, bank: Path) -> None:
    load(bank)
    assert (cache_dir / SUMMARY_FILE_NAME).is_file()
    broken = bank / "broken.yaml"
    broken.write_text(HEADER + SINGLE.replace("q-single", "q-other").replace("level: basic", "level: expert"),
                      encoding="utf-8")
    age(broken)
    assert load(bank).problems
    assert not (cache_dir / SUMMARY_FILE_NAME).exists()  # the home screen must wait for the problems
    assert summary(bank) is None


def test_a_bank_whose_files_are_clean_alone_but_share_an_id_has_no_summary(cache_dir: Path, bank: Path) -> None:
    twin = bank / "twin.yaml"
    twin.write_text(HEADER + TRUE_FALSE, encoding="utf-8")  # q-true-false is in small.yaml too
    age(twin)
    assert any("duplicate id" in problem.message for problem in load(bank).problems)
    assert summary(bank) is None


def test_a_file_changed_in_the_last_seconds_is_not_summarised(cache_dir: Path, bank: Path) -> None:
    (bank / "small.yaml").write_text(HEADER + SINGLE, encoding="utf-8")  # now: it may change again unseen
    load(bank)
    assert summary(bank) is None


@pytest.mark.parametrize("garbage", [b"\x00\xff not json", b"[]", b'{"fingerprint": 1}',
                                     b'{"fingerprint": null, "paths": [], "files": [], "questions": [[1]]}'])
def test_a_corrupt_summary_is_none(cache_dir: Path, bank: Path, garbage: bytes) -> None:
    load(bank)
    (cache_dir / SUMMARY_FILE_NAME).write_bytes(garbage)
    assert summary(bank) is None
    load(bank)
    assert summary(bank) is not None  # and the next load writes it again


def test_a_summary_with_questions_of_the_wrong_shape_is_none(cache_dir: Path, bank: Path) -> None:
    load(bank)
    stored = json.loads((cache_dir / SUMMARY_FILE_NAME).read_bytes())
    stored["questions"] = [["q", "basic", "single_choice"]]  # no tags
    (cache_dir / SUMMARY_FILE_NAME).write_text(json.dumps(stored), encoding="utf-8")
    assert summary(bank) is None


def test_a_summary_of_other_rules_is_not_used(cache_dir: Path, bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(bank)
    monkeypatch.setattr("normquiz.bank.summary.rules_fingerprint", lambda: "another version of the rules")
    assert summary(bank) is None


def test_reading_the_summary_imports_no_pydantic(cache_dir: Path, bank: Path) -> None:
    load(bank)
    code = ("import sys; from normquiz.bank.summary import read_summary; "
            f"found = read_summary([{str(bank)!r}]); "
            "print(found is not None, 'pydantic' in sys.modules, 'yaml' in sys.modules)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["True", "False", "False"]


def test_the_rules_fingerprint_covers_the_code_that_decides_validity(monkeypatch: pytest.MonkeyPatch) -> None:
    from normquiz.bank import cache_files

    package = Path(cache_files.__file__).resolve().parent.parent
    names = {path.relative_to(package).as_posix() for path in cache_files._rule_sources()}
    assert {"bank/loader.py", "bank/exercises/catalogue.py", "core/__init__.py", "vocabulary.py"} <= names
    cache_files.rules_fingerprint.cache_clear()  # computed once per process
    before = cache_files.rules_fingerprint()
    real = Path.read_bytes

    def edited(path: Path) -> bytes:
        return real(path) + (b"# edited\n" if path.name == "vocabulary.py" else b"")

    monkeypatch.setattr(Path, "read_bytes", edited)
    cache_files.rules_fingerprint.cache_clear()
    assert cache_files.rules_fingerprint() != before
    monkeypatch.undo()
    cache_files.rules_fingerprint.cache_clear()
    assert cache_files.rules_fingerprint() == before
