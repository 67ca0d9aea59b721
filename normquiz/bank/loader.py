"""Loads question files and folders into validated questions plus a list of problems.

A broken file never hides the good ones, and no question is dropped silently:
a file that cannot be read at all is skipped with one problem; otherwise each
valid question loads and each invalid one is reported (and left out).
"""

from __future__ import annotations

import bisect
import functools
import gc
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from normquiz.bank.diagnostics import format_where, problems_from_error
from normquiz.bank.discovery import display_path, find_question_files
from normquiz.bank.generator_catalogue import GENERATORS, unknown_placeholders
from normquiz.bank.model import ComputedQuestion, FileHeader, Question, QuestionBase, QuestionFile
from normquiz.bank.placed import PlacedQuestion
from normquiz.bank.problem import Problem
from normquiz.bank.yamlsource import YamlDocument, YamlSourceError, read_yaml_file
from normquiz.paths import bank_paths

if TYPE_CHECKING:
    from normquiz.bank.cache import BankCache

VALIDATION_SEED = 0  # each computed question is generated once with it at load time

_QUESTION_ADAPTER: TypeAdapter[Any] = TypeAdapter(Question)


@dataclass(frozen=True)
class QuestionSource:
    """Where a loaded question was written."""

    path: str
    line: int
    topic: str


@dataclass(frozen=True)
class FileReport:
    """What became of one file: how many questions loaded, how many problems."""

    path: str
    topic: str | None
    loaded: int
    problems: int
    skipped: bool  # nothing could be read from it

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        return "partial" if self.problems else "loaded"


@dataclass
class LoadResult:
    questions: list[QuestionBase] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    sources: dict[str, QuestionSource] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def skipped_files(self) -> list[FileReport]:
        return [report for report in self.files if report.skipped]

    def catalog(self) -> dict[str, tuple[str, list[str]]]:
        """Each question's level and tags by id: what ``normquiz.progress`` needs to know of the bank."""
        return {question.id: (question.level, question.tags) for question in self.questions}

    def counts(self, attribute: str) -> Counter[str]:
        """Questions per ``level`` or per ``type``."""
        return Counter(getattr(question, attribute) for question in self.questions)


def load_bank(extra_dirs: Iterable[str | os.PathLike[str]] = (), *, include_builtin: bool = True,
              cached: bool = True) -> LoadResult:
    """The built-in bank (unless ``include_builtin`` is false) plus ``extra_dirs``.

    ``cached``: unchanged files come from the validated-bank cache
    (:mod:`normquiz.bank.cache`), which this load then updates.
    """
    paths = bank_paths(extra_dirs, include_builtin=include_builtin)
    if not cached:
        return load_paths(paths)
    from normquiz.bank.cache import BankCache
    from normquiz.bank.summary import write_summary

    cache = BankCache.open()
    result = load_paths(paths, cache=cache)
    cache.save()
    write_summary(paths, cache.clean_files(), result)  # what the home screen shows on the next start
    return result


def load_paths(paths: Iterable[str | os.PathLike[str]], *, cache: BankCache | None = None) -> LoadResult:
    """Load question files, and every ``*.yaml``/``*.yml`` below folders (any case), in order."""
    result = LoadResult()
    first_seen: dict[str, str] = {}  # id -> file:line:column of its first use
    # Loading allocates many small, acyclic objects (nodes, dicts, models): the
    # cyclic collector would rescan them again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for file_path in find_question_files(paths, result.problems):
            _load_file(file_path, result, first_seen, cache)
    finally:
        if collecting:
            gc.enable()
    return result


def question_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files :func:`load_paths` reads for ``paths``, in its order (missing paths left out)."""
    return find_question_files(paths, [])


def _load_file(path: Path, result: LoadResult, first_seen: dict[str, str], cache: BankCache | None) -> None:
    shown = display_path(path)
    cached = cache.questions(path) if cache is not None else None
    if cached is not None:
        topic, placed = cached
        _add_questions(path, shown, topic, placed, [], result, first_seen)
        return
    try:
        document = read_yaml_file(path)
    except YamlSourceError as error:
        if cache is not None:
            cache.store(path, None, [], clean=False)
        result.problems.append(Problem(shown, error.line, error.column, "", error.message))
        result.files.append(FileReport(shown, None, 0, 1, skipped=True))
        return
    problems: list[Problem] = []
    topic, placed = _read_questions(document, shown, problems)
    del document  # positions are plain numbers now: the node graph can go before the next file
    if cache is not None:
        cache.store(path, topic, placed, clean=not problems)
    _add_questions(path, shown, topic, placed, problems, result, first_seen)


def _read_questions(document: YamlDocument, shown: str,
                    problems: list[Problem]) -> tuple[str | None, list[PlacedQuestion]]:
    """The file's topic and its valid questions with their positions; problems appended."""
    topic, entries = _validate_document(document, shown, problems)
    lines = document.item_lines(document.data["questions"]) if entries else []
    id_positions = _id_positions(document) if entries else []
    placed = []
    for index, question in entries:
        where = ("questions", index)
        if isinstance(question, ComputedQuestion):
            generator_problems = list(_check_computed(question, document, shown, where))
            if generator_problems:
                problems.extend(generator_problems)
                continue
        placed.append(PlacedQuestion(question, index, lines[index], *id_positions[index]))
    return topic, placed


def _id_positions(document: YamlDocument) -> list[tuple[int, int]]:
    """Line and column of each question's id, read off each item's own keys in one pass.

    (It runs for every question: ``locate`` from the root costs a few times more.)
    """
    sequence = document.nodes.get(id(document.data["questions"]))
    positions = []
    for index, item in enumerate(sequence.value if isinstance(sequence, SequenceNode) else ()):
        position = None
        if isinstance(item, MappingNode):
            for key, value in reversed(item.value):
                if isinstance(key, ScalarNode) and key.value == "id":
                    position = value.start_mark.line + 1, value.start_mark.column + 1
                    break
        positions.append(position or document.locate(("questions", index, "id")))
    return positions


def _add_questions(path: Path, shown: str, topic: str | None, placed: list[PlacedQuestion],
                   problems: list[Problem], result: LoadResult, first_seen: dict[str, str]) -> None:
    """Add a file's questions whose ids are new to the bank; a reused id is a problem."""
    loaded = 0
    for item in placed:
        question = item.question
        if question.id in first_seen:
            problems.append(Problem(shown, item.id_line, item.id_column,
                                    format_where(("questions", item.index, "id")),
                                    f"duplicate id {question.id!r}: already used at {first_seen[question.id]}"))
            continue
        first_seen[question.id] = f"{shown}:{item.id_line}:{item.id_column}"
        result.questions.append(question)
        result.sources[question.id] = QuestionSource(shown, item.line, topic or path.stem)
        loaded += 1
    problems.sort(key=lambda problem: (problem.line, problem.column))
    result.problems.extend(problems)
    result.files.append(FileReport(shown, topic, loaded, len(problems), skipped=topic is None and not loaded))


def _validate_document(
    document: YamlDocument, shown: str, problems: list[Problem]
) -> tuple[str | None, list[tuple[int, QuestionBase]]]:
    """The file's topic and its valid ``(index, question)`` pairs; problems appended."""
    data = document.data
    if not document.problems:
        try:
            question_file = QuestionFile.model_validate(data)
        except ValidationError:
            pass  # find out question by question below
        else:
            return question_file.topic, list(enumerate(question_file.questions))
    if not isinstance(data, dict):
        problems.extend(Problem(shown, problem.line, problem.column, "", problem.message)
                        for problem in document.problems)
        line, column = document.locate(())
        problems.append(Problem(shown, line, column, "",
                                "the top level must be a mapping with 'topic' and 'questions'"))
        return None, []
    tainted = _report_source_problems(document, shown, problems)
    try:
        header = FileHeader.model_validate(data)
        topic: str | None = header.topic
    except ValidationError as error:
        # A refused tag leaves a null behind: its problem is already reported.
        reported = {(problem.line, problem.column) for problem in document.problems}
        problems.extend(problem for problem in problems_from_error(error, document, shown)
                        if (problem.line, problem.column) not in reported)
        topic = data.get("topic") if isinstance(data.get("topic"), str) else None
    questions = data.get("questions")
    if not isinstance(questions, list):
        return topic, []
    valid = []
    for index, raw in enumerate(questions):
        if index in tainted:
            continue
        try:
            valid.append((index, _QUESTION_ADAPTER.validate_python(raw)))
        except ValidationError as error:
            problems.extend(problems_from_error(error, document, shown, prefix=("questions", index)))
    return topic, valid


def _report_source_problems(document: YamlDocument, shown: str, problems: list[Problem]) -> set[int]:
    """Report duplicate keys and refused tags; the indices of the questions they spoil."""
    questions = document.data.get("questions")
    count = len(questions) if isinstance(questions, list) else 0
    starts = document.item_lines(questions) if count else []
    ends = starts[1:] + [float("inf")]
    tainted: set[int] = set()
    for source_problem in document.problems:
        index = bisect.bisect_right(starts, source_problem.line) - 1
        where = ""
        if 0 <= index < count and source_problem.line < ends[index]:
            tainted.add(index)
            where = format_where(("questions", index))
        problems.append(Problem(shown, source_problem.line, source_problem.column, where,
                                source_problem.message))
    return tainted


def _check_computed(
    question: ComputedQuestion, document: YamlDocument, shown: str, where: Sequence[str | int]
) -> Iterable[Problem]:
    """Check the generator's params and placeholders, and that it runs with them."""
    spec = GENERATORS[question.generator]
    try:
        spec.params.model_validate(question.params)
    except ValidationError as error:
        yield from problems_from_error(error, document, shown, prefix=(*where, "params"),
                                       root_model=spec.params, model_root=(*where, "params"))
        return
    for name in ("prompt", "explanation"):
        unknown = unknown_placeholders(getattr(question, name), spec.placeholders)
        if unknown:
            line, column = document.locate((*where, name))
            yield Problem(shown, line, column, format_where((*where, name)),
                          f"unknown placeholder {{{{{unknown[0]}}}}} for generator "
                          f"{question.generator!r} (it offers: {', '.join(sorted(spec.placeholders))})")
            return
    failure = _generator_failure(question.generator, json.dumps(question.params, sort_keys=True))
    if failure:
        line, column = document.locate((*where, "params"))
        yield Problem(shown, line, column, format_where((*where, "generator")),
                      f"generator {question.generator!r} failed: {failure}")


@functools.lru_cache(maxsize=1024)
def _generator_failure(generator: str, params_json: str) -> str | None:
    """Run ``generator`` once with these params; why it failed, or None.

    Whether a generator works depends on its params only, so each distinct
    ``(generator, params)`` pair is run once per process.
    """
    from normquiz.bank.computed import generate

    probe = ComputedQuestion(id="validation-probe", level="basic", type="computed", prompt="-",
                             explanation="-", tags=["validation"], generator=generator,
                             params=json.loads(params_json))
    try:
        generate(probe, VALIDATION_SEED)
    except Exception as error:  # a recipe bug must not take the whole bank down
        return str(error) or type(error).__name__
    return None
