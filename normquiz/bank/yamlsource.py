"""Safe YAML reading that keeps the line and column of every value.

The document is composed once (the C composer where available) and the
Python data built from the node graph in one walk, keeping a map from each
built list and dict to its node, so that any path into the data maps back
to ``line:column``. The walk refuses anything but plain data: non-standard
tags (``!!python/object/apply:...``) are reported and never constructed,
duplicate keys are reported (PyYAML would keep the last silently), and alias
expansion is counted so that a "billion laughs" file is refused, not built.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ALIAS_EXPANSION = 100_000  # nodes reached again through aliases
MAX_DEPTH = 100  # far deeper than any question file; keeps the C composer's stack safe
_C_COMPOSER_SAFE_DEPTH = 2_000  # libyaml's composer recurses in C: stay far below a crash

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


@dataclass
class YamlDocument:
    """Plain Python data plus the node each list and dict was built from."""

    data: Any
    root: Node
    nodes: dict[int, Node] = field(repr=False)
    problems: list[SourceProblem] = field(default_factory=list)

    def locate(self, path: Sequence[str | int], *, at_key: bool = False) -> tuple[int, int]:
        """1-based ``(line, column)`` of the value at ``path`` (or of its key).

        Walks as far as the path exists: a missing field points at the mapping
        that lacks it.
        """
        node, value, key_node = self.root, self.data, None
        for step in path:
            child = _child_node(node, step)
            if child is None:
                key_node = None
                break
            key_node, node = child
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError):
                value = None
            if isinstance(value, (dict, list)):
                node = self.nodes.get(id(value), node)
        mark = (key_node if at_key and key_node is not None else node).start_mark
        return mark.line + 1, mark.column + 1

    def item_lines(self, items: list[Any]) -> list[int]:
        """The 1-based line where each item of the built list ``items`` starts."""
        node = self.nodes.get(id(items))
        if not isinstance(node, SequenceNode):
            return [1] * len(items)
        return [item.start_mark.line + 1 for item in node.value]


def _child_node(node: Node, step: str | int) -> tuple[Node | None, Node] | None:
    if isinstance(node, MappingNode) and isinstance(step, str):
        for key_node, value_node in reversed(node.value):
            if isinstance(key_node, ScalarNode) and key_node.value == step:
                return key_node, value_node
    elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return None, node.value[step]
    return None


def read_yaml_file(path: Path) -> YamlDocument:
    """Read ``path`` (at most 2 MB of UTF-8) into a :class:`YamlDocument`."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise YamlSourceError(
                f"file is {size / 1024 / 1024:.1f} MB, over the 2 MB limit: split it into smaller files")
        raw = path.read_bytes()
    except OSError as error:
        raise YamlSourceError(f"cannot read the file: {error.strerror or error}") from None
    return parse_yaml(raw)


def parse_yaml(source: str | bytes) -> YamlDocument:
    """Compose ``source`` and build plain data from it; raises :class:`YamlSourceError`."""
    text = _decode(source) if isinstance(source, bytes) else source
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise YamlSourceError("document is over the 2 MB limit: split it into smaller files")
    text = text.removeprefix("\ufeff")
    if _depth_bound(text) > _C_COMPOSER_SAFE_DEPTH:
        _check_depth(text)
    root = _compose(text)
    if root is None:
        raise YamlSourceError("the file is empty: it needs a 'topic' and a 'questions' list")
    builder = _Builder()
    try:
        data = builder.build(root)
    except RecursionError:  # pragma: no cover - _check_depth keeps nesting shallow
        raise YamlSourceError(f"nested more than {MAX_DEPTH} levels deep") from None
    return YamlDocument(data, root, builder.nodes, builder.problems)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        byte = raw[error.start : error.start + 1].hex()
        raise YamlSourceError(
            f"the file is not UTF-8 (byte 0x{byte} cannot be decoded): save it as UTF-8",
            line, column) from None


def _depth_bound(text: str) -> int:
    """A cheap upper bound of the nesting depth.

    Block collections nest by indentation (at most two levels per column) and
    flow collections by brackets, so this bounds the depth of any document.
    """
    longest_line = max(map(len, text.splitlines()), default=0)
    return 2 * (longest_line + 1) + text.count("[") + text.count("{")


def _check_depth(text: str) -> None:
    """Walk the parser's events (no recursion) and refuse deep nesting."""
    loader = SafeLoader(text)
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise YamlSourceError(
                        f"nested more than {MAX_DEPTH} levels deep", mark.line + 1, mark.column + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as error:
        raise _syntax_error(error) from None
    finally:
        loader.dispose()


class _ComposingLoader(SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader with a leaner tag resolver (same results, no path resolvers).

    The composer calls ``resolve`` for every node; PyYAML's version also walks
    path-resolver machinery that safe loading never uses.
    """

    _implicit = SafeLoader.yaml_implicit_resolvers

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, pattern in self._implicit.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def _compose(text: str) -> Node | None:
    loader = _ComposingLoader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as error:
        raise _syntax_error(error) from None
    except (ValueError, TypeError, UnicodeError) as error:  # pragma: no cover - defensive
        raise YamlSourceError(f"YAML syntax error: {error}") from None
    finally:
        loader.dispose()


def _syntax_error(error: yaml.YAMLError) -> YamlSourceError:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        message = f"YAML syntax error: {error.problem}"
        if error.context:
            context_line = f" at line {error.context_mark.line + 1}" if error.context_mark else ""
            message += f" ({error.context}{context_line})"
        return YamlSourceError(message, mark.line + 1, mark.column + 1)
    if isinstance(error, yaml.reader.ReaderError):
        return YamlSourceError(f"YAML syntax error: {error.reason} (character {error.character!r})")
    return YamlSourceError(f"YAML syntax error: {error}")


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


class _Builder:
    """Turns a composed node graph into dicts, lists and scalars, in one walk."""

    def __init__(self) -> None:
        self.nodes: dict[int, Node] = {}
        self.problems: list[SourceProblem] = []
        self._built: dict[int, tuple[Any, int] | None] = {}  # node id -> (data, node count)
        self._reused = 0

    def report(self, message: str, node: Node) -> None:
        mark = node.start_mark
        self.problems.append(SourceProblem(message, mark.line + 1, mark.column + 1))

    def build(self, node: Node) -> Any:
        return self._build(node)[0]

    def _build(self, node: Node) -> tuple[Any, int]:
        if isinstance(node, ScalarNode):
            return self._scalar(node), 1
        key = id(node)
        if key in self._built:
            return self._reuse(node)
        self._built[key] = None  # in progress: meeting it again means a recursive alias
        if isinstance(node, MappingNode) and node.tag == _MAP:
            data, count = self._mapping(node)
        elif isinstance(node, SequenceNode) and node.tag == _SEQ:
            items = [self._build(item) for item in node.value]
            data, count = [value for value, _ in items], 1 + sum(size for _, size in items)
        else:
            self.report(f"non-standard YAML tag {_tag_name(node.tag)!r} is not allowed: "
                        "question files hold only strings, numbers, lists and mappings", node)
            data, count = None, 1
        if data is not None:
            self.nodes[id(data)] = node
        self._built[key] = (data, count)
        return data, count

    def _reuse(self, node: Node) -> tuple[Any, int]:
        built = self._built[id(node)]
        mark = node.start_mark
        if built is None:
            raise YamlSourceError("an alias refers to a node that contains it (a recursive structure)",
                                  mark.line + 1, mark.column + 1)
        self._reused += built[1]
        if self._reused > MAX_ALIAS_EXPANSION:
            raise YamlSourceError(
                f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes: refusing to build "
                "the document (is this a 'billion laughs' file?)", mark.line + 1, mark.column + 1)
        return built

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            value = node.value
            if not node.style and value[:1] in _NUMBER_STARTS and _EXPONENT_FLOAT.fullmatch(value):
                return float(value)
            return value
        if tag == _TIMESTAMP or tag == _MERGE:
            return node.value  # a date or '<<' is kept as the text the author wrote
        if tag == _NULL:
            return None
        convert = _SCALARS.get(tag)
        if convert is not None:
            return convert(node)
        self.report(f"non-standard YAML tag {_tag_name(tag)!r} is not allowed: "
                    "question files hold only strings, numbers, lists and mappings", node)
        return None

    def _mapping(self, node: MappingNode) -> tuple[dict[str, Any], int]:
        data: dict[str, Any] = {}
        merged: list[dict[str, Any]] = []
        count = 1
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                self.report("a mapping key must be a plain string, not a list or mapping", key_node)
                continue
            if value_node.__class__ is ScalarNode and value_node.tag == _STR and (
                    value_node.style or value_node.value[:1] not in _NUMBER_STARTS):
                value, size = value_node.value, 1  # the common case, without a call
            else:
                value, size = self._build(value_node)
            count += size
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(value, value_node))
                continue
            key = key_node.value  # the text as written: 'on:' or '1:' are field names
            if key in data:
                self._report_duplicate(node, key_node)
            data[key] = value
        for source in merged:
            for key, value in source.items():
                data.setdefault(key, value)
        return data, count

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
