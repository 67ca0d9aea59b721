"""Builds plain Python data from a composed YAML node graph, refusing what a question file may not hold.

Non-standard tags are reported and never constructed, duplicate keys are
reported (PyYAML would keep the last one silently), number literals are
checked before they are converted, control characters made by escapes are
located, and the size of what aliases expand to is capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from normquiz.bank.yamllimits import (
    CONTROL_CHARACTER,
    MAX_DEPTH,
    LineIndex,
    control_message,
    escaped_control_offset,
    integer_literal_problem,
    sexagesimal_message,
)

# An anchor property (``&name``) can only follow a separator or a flow indicator;
# "Q&A" in prose is not one. A false match only costs the scalar bookkeeping.
_ANCHOR = re.compile(r"(?<![^\s\[{,:])&[^\s\[\]{},]")
# Nodes plus characters reached again through aliases: a 1.5 MB string aliased
# 60,000 times is a small file but a 90 GB question.
MAX_ALIAS_EXPANSION = 1_000_000

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + name for name in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _MERGE = _TAG + "timestamp", _TAG + "merge"
_SEQ, _MAP = _TAG + "seq", _TAG + "map"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALARS = {
    _INT: _CONSTRUCTOR.construct_yaml_int,
    _FLOAT: _CONSTRUCTOR.construct_yaml_float,
    _BOOL: _CONSTRUCTOR.construct_yaml_bool,
}


# YAML 1.1 (PyYAML) reads 1e-5 as a string; YAML 1.2 and every author read a number.
_NUMBER_STARTS = frozenset("0123456789+-.")
_EXPONENT_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+")


class YamlSourceError(Exception):
    """A file that cannot be read as plain YAML data at all (1-based position)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class SourceProblem:
    """Something wrong in a readable file (a duplicate key, a refused tag)."""

    message: str
    line: int
    column: int


def too_deep(mark: Any) -> YamlSourceError:
    """The refusal of a collection that starts at ``mark``, one level too deep."""
    return YamlSourceError(f"nested more than {MAX_DEPTH} levels deep", mark.line + 1, mark.column + 1)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


class DocumentBuilder:
    """Turns a composed node graph into dicts, lists and scalars, in one walk.

    Every node's size (1, plus the characters of a scalar or key) is counted
    again each time an alias reaches it. Scalars are followed for reuse only
    when the text may hold an anchor at all: most files have none.
    """

    def __init__(self, text: str) -> None:
        self.nodes: dict[int, Node] = {}
        self.problems: list[SourceProblem] = []
        self._text = text
        self._lines: LineIndex | None = None
        self._built: dict[int, tuple[Any, int] | None] = {}  # node id -> (data, size)
        self._scalars_seen: set[int] | None = set() if _ANCHOR.search(text) else None
        self._reused = 0

    def report(self, message: str, node: Node) -> None:
        mark = node.start_mark
        self.problems.append(SourceProblem(message, mark.line + 1, mark.column + 1))

    def build(self, node: Node) -> Any:
        return self._build(node, 0)[0]

    def _build(self, node: Node, depth: int) -> tuple[Any, int]:
        if isinstance(node, ScalarNode):
            size = 1 + len(node.value)
            if self._scalars_seen is not None:
                if id(node) in self._scalars_seen:
                    self._count_reuse(size, node)
                self._scalars_seen.add(id(node))
            return self._scalar(node), size
        key = id(node)
        if key in self._built:
            return self._reuse(node)
        if depth >= MAX_DEPTH:
            raise too_deep(node.start_mark)
        self._built[key] = None  # in progress: meeting it again means a recursive alias
        if isinstance(node, MappingNode) and node.tag == _MAP:
            data, size = self._mapping(node, depth + 1)
        elif isinstance(node, SequenceNode) and node.tag == _SEQ:
            items = [self._build(item, depth + 1) for item in node.value]
            data, size = [value for value, _ in items], 1 + sum(item_size for _, item_size in items)
        else:
            self.report(f"non-standard YAML tag {_tag_name(node.tag)!r} is not allowed: "
                        "question files hold only strings, numbers, lists and mappings", node)
            data, size = None, 1
        if data is not None:
            self.nodes[id(data)] = node
        self._built[key] = (data, size)
        return data, size

    def _reuse(self, node: Node) -> tuple[Any, int]:
        built = self._built[id(node)]
        if built is None:
            mark = node.start_mark
            raise YamlSourceError("an alias refers to a node that contains it (a recursive structure)",
                                  mark.line + 1, mark.column + 1)
        self._count_reuse(built[1], node)
        return built

    def _count_reuse(self, size: int, node: Node) -> None:
        self._reused += size
        if self._reused > MAX_ALIAS_EXPANSION:
            mark = node.start_mark
            raise YamlSourceError(
                f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes and characters: refusing "
                "to build the document (is this a 'billion laughs' file?)", mark.line + 1, mark.column + 1)

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            value = node.value
            if node.style == '"' and CONTROL_CHARACTER.search(value):
                self._report_escaped_control(node)
            elif not node.style and value[:1] in _NUMBER_STARTS and _EXPONENT_FLOAT.fullmatch(value):
                return float(value)
            return value
        if tag == _TIMESTAMP or tag == _MERGE:
            return node.value  # a date or '<<' is kept as the text the author wrote
        if tag == _NULL:
            return None
        convert = _SCALARS.get(tag)
        if convert is None:
            self.report(f"non-standard YAML tag {_tag_name(tag)!r} is not allowed: "
                        "question files hold only strings, numbers, lists and mappings", node)
            return None
        problem = _number_problem(tag, node.value)
        if problem is None:
            try:
                return convert(node)
            except (ValueError, KeyError, OverflowError):  # `!!int abc`, `!!bool maybe`
                problem = f"{_shorten(node.value)!r} is not a valid {_tag_name(tag)}"
        self.report(problem, node)
        return None

    def _report_escaped_control(self, node: ScalarNode) -> None:
        """Point at the escape (``\\e``, ``\\x07``...) that makes the control character."""
        found = escaped_control_offset(self._text, node.start_mark.index, node.end_mark.index)
        if found is None:  # pragma: no cover - only escapes can put one in a double-quoted scalar
            self.report(control_message(CONTROL_CHARACTER.search(node.value).group()), node)  # type: ignore[union-attr]
            return
        if self._lines is None:
            self._lines = LineIndex(self._text)
        offset, character = found
        self.problems.append(SourceProblem(control_message(character), *self._lines.position(offset)))

    def _mapping(self, node: MappingNode, depth: int) -> tuple[dict[str, Any], int]:
        data: dict[str, Any] = {}
        merged: list[dict[str, Any]] = []
        size = 1
        fast = self._scalars_seen is None
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                self.report("a mapping key must be a plain string, not a list or mapping", key_node)
                continue
            if key_node.style == '"' or not fast:
                self._check_key(key_node)
            key = key_node.value  # the text as written: 'on:' or '1:' are field names
            if fast and value_node.__class__ is ScalarNode and value_node.tag == _STR and (
                    (style := value_node.style) and style != '"'
                    or not style and value_node.value[:1] not in _NUMBER_STARTS):
                value, value_size = value_node.value, 1 + len(value_node.value)  # the common case
            else:
                value, value_size = self._build(value_node, depth)
            size += value_size + 1 + len(key)
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(value, value_node))
                continue
            if key in data:
                self._report_duplicate(node, key_node)
            data[key] = value
        for source in merged:
            for key, value in source.items():
                data.setdefault(key, value)
        return data, size

    def _check_key(self, key_node: ScalarNode) -> None:
        """A key's escapes, and its size when an alias reaches it again."""
        if key_node.style == '"' and CONTROL_CHARACTER.search(key_node.value):
            self._report_escaped_control(key_node)
        if self._scalars_seen is not None:
            if id(key_node) in self._scalars_seen:
                self._count_reuse(1 + len(key_node.value), key_node)
            self._scalars_seen.add(id(key_node))

    def _report_duplicate(self, node: MappingNode, key_node: ScalarNode) -> None:
        first = next(other for other, _ in node.value
                     if other.__class__ is ScalarNode and other.value == key_node.value).start_mark
        self.report(f"duplicate key {key_node.value!r} (first at line {first.line + 1}, "
                    f"column {first.column + 1}): YAML would keep only the last one", key_node)

    def _merge_sources(self, value: Any, node: Node) -> list[dict[str, Any]]:
        sources = value if isinstance(value, list) else [value]
        if all(isinstance(source, dict) for source in sources):
            return sources
        self.report("a merge key '<<' takes a mapping or a list of mappings", node)
        return []


def _number_problem(tag: str, text: str) -> str | None:
    """Why a number literal is refused before it is converted (too long, base 60), or None."""
    if tag == _INT:
        return integer_literal_problem(text)
    if tag == _FLOAT and ":" in text:
        return sexagesimal_message(text)
    return None


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
