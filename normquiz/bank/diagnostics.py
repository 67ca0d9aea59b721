"""Turns pydantic validation errors into located, plain-English problems."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from normquiz.bank.model import QUESTION_TYPES, QuestionFile
from normquiz.bank.problem import Problem, did_you_mean
from normquiz.bank.yamlsource import YamlDocument

Path = tuple[str | int, ...]

_HINTS = {
    "tolerance": " (write `tolerance: 0` for an exact answer, or `tolerance: {relative: 0.01}`)",
    "type": " (one of: " + ", ".join(QUESTION_TYPES) + ")",
}
_BOUNDS = {"less_than_equal": "at most", "greater_than_equal": "at least",
           "less_than": "less than", "greater_than": "more than"}
_SLUG_RULE = "use lowercase letters, digits and single hyphens, like 'bn-axis-images'"
_EXPECTED = {
    "string_type": "a string", "bool_type": "true or false", "int_type": "an integer",
    "float_type": "a number", "list_type": "a list", "dict_type": "a mapping",
    "model_type": "a mapping", "model_attributes_type": "a mapping",
}


def format_where(path: Sequence[str | int]) -> str:
    """``questions[3].choices[0].text`` for ``("questions", 3, "choices", 0, "text")``."""
    where = ""
    for step in path:
        name = step if isinstance(step, int) else _shorten(step)
        where += f"[{name}]" if isinstance(step, int) else (f".{name}" if where else name)
    return where


def problems_from_error(
    error: ValidationError, document: YamlDocument, file_path: str,
    *, prefix: Path = (), root_model: type[BaseModel] = QuestionFile, model_root: Path = (),
) -> Iterator[Problem]:
    """One :class:`Problem` per pydantic error, located in ``document``.

    ``loc`` paths are relative to ``prefix``; ``root_model`` validated the
    value at ``model_root`` (used to suggest field names).
    """
    for detail in error.errors(include_url=False):
        path = _data_path(document.data, prefix + tuple(detail["loc"]))
        kind = detail["type"]
        if kind == "missing" or kind == "union_tag_not_found":
            name = path[-1] if kind == "missing" else "type"
            parent = path[:-1] if kind == "missing" else path
            line, column = document.locate(parent)
            message = f"missing required field {name!r}{_HINTS.get(str(name), '')}"
            yield Problem(file_path, line, column, format_where(parent), message)
            continue
        if kind == "union_tag_invalid":
            path = (*path, "type")
        at_key = kind == "extra_forbidden"
        line, column = document.locate(path, at_key=at_key)
        if at_key:
            message = _unknown_field(document.data, path, root_model, model_root)
        else:
            message = _message(detail, path, document.written(path))
        yield Problem(file_path, line, column, format_where(path), message)


def _data_path(data: Any, loc: Sequence[str | int]) -> Path:
    """The path into the data for a pydantic ``loc``, without union member labels."""
    path: list[str | int] = []
    value = data
    for index, step in enumerate(loc):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        elif index < len(loc) - 1:
            continue  # a tagged-union label such as 'single_choice'
        path.append(step)
    return tuple(path)


def _unknown_field(data: Any, path: Path, root_model: type[BaseModel], model_root: Path) -> str:
    name = path[-1]
    for step in model_root:
        data = data[step]
    model = model_at(root_model, data, path[len(model_root):-1])
    known = list(model.model_fields) if model is not None else []
    message = f"unknown field {_shorten(repr(name))}{did_you_mean(name, known)}"
    if model is not None and "type" in model.model_fields and not message.endswith("?"):
        kind = typing.get_args(model.model_fields["type"].annotation)[0]
        message += f" ({kind} questions have: {', '.join(known)})"
    return message


def _message(detail: Any, path: Path, written: str | None = None) -> str:
    kind, value, context = detail["type"], detail.get("input"), detail.get("ctx") or {}
    field = str(path[-1]) if path and isinstance(path[-1], str) else "value"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_describe(value)}{_quote_hint(kind, value)}"
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        if written is not None and (isinstance(value, bool) or value is None):
            return _bare_word_message(written, value, options, context.get("expected"))
        return (f"{_shorten(repr(value))} is not allowed{did_you_mean(value, options)} "
                f"(expected {context.get('expected')})")
    if kind == "union_tag_invalid":
        if written is not None and written != context.get("tag"):
            return (f"unknown question type {_shorten(repr(written))}: YAML reads it as "
                    f"{context.get('tag')}, put it in quotes{_HINTS['type']}")
        return (f"unknown question type {_shorten(repr(context.get('tag')))}"
                f"{did_you_mean(context.get('tag'), QUESTION_TYPES)}{_HINTS['type']}")
    if kind == "string_pattern_mismatch":
        return f"{_shorten(repr(value))} is not a valid {'tag' if field == 'value' else field}: {_SLUG_RULE}"
    if kind == "string_too_long":
        return (f"{_shorten(repr(value))} is {len(value):,} characters long: at most "
                f"{context.get('max_length')} (it names the question in your progress and on screen)")
    if kind in _BOUNDS:
        bound = next(iter(context.values()), "?")
        return f"must be {_BOUNDS[kind]} {bound}, got {value!r}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return (f"needs at least {context.get('min_length')} items, "
                f"got {context.get('actual_length')}")
    message = str(detail["msg"])
    return message.removeprefix("Value error, ")


def _bare_word_message(written: str, value: bool | None, options: list[str], expected: Any) -> str:
    """``level: on`` is the boolean true to YAML 1.1, and an empty value is null: say so."""
    if not written:
        return f"the value is empty, which YAML reads as null (expected {expected})"
    suggestion = did_you_mean(written, options).removeprefix("; ")
    return (f"{_shorten(repr(written))} is not allowed{': ' + suggestion if suggestion else ''} "
            f"(expected {expected}); YAML reads {_shorten(written)} as the boolean "
            f"{str(value).lower()}: put it in quotes if you mean the word")


def _shorten(text: str, limit: int = 60) -> str:
    """A long name or value cut for a one-line message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    return "a list" if isinstance(value, list) else "a mapping"


def _quote_hint(kind: str, value: Any) -> str:
    if kind != "string_type":
        return ""
    if isinstance(value, bool) or value is None:
        return ("; put it in quotes: YAML reads bare yes/no/true/false/on/off as booleans "
                "and an empty value as null")
    if isinstance(value, (int, float)):
        return "; put it in quotes if you mean text"
    return ""


def model_at(root: type[BaseModel], data: Any, path: Path) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (None if unknown)."""
    candidates: list[type[BaseModel]] = [root]
    value = data
    for step in path:
        if isinstance(step, str):
            model = _pick(candidates, value)
            if model is None or step not in model.model_fields:
                return None
            candidates = list(_models_in(model.model_fields[step].annotation))
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            value = None
    return _pick(candidates, value)


def _pick(candidates: list[type[BaseModel]], value: Any) -> type[BaseModel] | None:
    if len(candidates) == 1:
        return candidates[0]
    if isinstance(value, dict):
        return QUESTION_TYPES.get(value.get("type"))  # type: ignore[arg-type]
    return None


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, typing.Annotated):
        for argument in typing.get_args(annotation):
            yield from _models_in(argument)
