"""Safe YAML reading that keeps the line and column of every value.

The document is composed once (the C composer where available) and the
Python data built from the node graph in one walk, keeping a map from each
built list and dict to its node, so that any path into the data maps back
to ``line:column``. The walk refuses anything but plain data: non-standard
tags (``!!python/object/apply:...``) are reported and never constructed,
duplicate keys are reported (PyYAML would keep the last silently), and the
size of what aliases expand to (nodes plus characters) is counted so that a
"billion laughs" file is refused, not built. ``yamllimits`` holds the other
guards: control characters, nesting depth, oversized and base-60 integers.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import SafeLoader as PureSafeLoader
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from normquiz.bank.yamlbuilder import (
    MAX_ALIAS_EXPANSION,
    DocumentBuilder,
    SourceProblem,
    YamlSourceError,
    too_deep,
)
from normquiz.bank.yamllimits import (
    MAX_DEPTH,
    LineIndex,
    blank_out_controls,
    control_message,
    raw_control_characters,
)

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

__all__ = ["MAX_ALIAS_EXPANSION", "MAX_DEPTH", "MAX_FILE_BYTES", "SourceProblem", "YamlDocument",
           "YamlSourceError", "parse_yaml", "read_yaml_file"]

MAX_FILE_BYTES = 2 * 1024 * 1024
# Above this bound of the depth, the event stream is checked before composing:
# both composers recurse, libyaml's in C (older releases have no limit of their
# own) and the pure-Python one two frames per level.
_COMPOSE_SAFE_DEPTH = 2_000 if yaml.__with_libyaml__ else 300
_STR, _SEQ, _MAP = ("tag:yaml.org,2002:" + name for name in ("str", "seq", "map"))


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
        node, key_node = self._walk(path)
        mark = (key_node if at_key and key_node is not None else node).start_mark
        return mark.line + 1, mark.column + 1

    def written(self, path: Sequence[str | int]) -> str | None:
        """The scalar at ``path`` as the author wrote it (``on`` for a value YAML read as true)."""
        node, _ = self._walk(path)
        return node.value if isinstance(node, ScalarNode) else None

    def _walk(self, path: Sequence[str | int]) -> tuple[Node, Node | None]:
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
        return node, key_node

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
    """Read ``path`` (a regular file of at most 2 MB of UTF-8) into a :class:`YamlDocument`."""
    try:
        raw = _read_regular_file(path)
    except OSError as error:
        raise YamlSourceError(f"cannot read the file: {error.strerror or error}") from None
    return parse_yaml(raw)


def _read_regular_file(path: Path) -> bytes:
    """The file's bytes; a FIFO or device is refused without blocking on it (``O_NONBLOCK``)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise YamlSourceError("not a regular file (a named pipe or a device): it is not read")
        if info.st_size > MAX_FILE_BYTES:
            raise YamlSourceError(
                f"file is {info.st_size / 1024 / 1024:.1f} MB, over the 2 MB limit: split it into smaller files")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES and (chunk := os.read(descriptor, 1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)  # a file grown past the limit meanwhile: parse_yaml refuses it
    finally:
        os.close(descriptor)


def parse_yaml(source: str | bytes) -> YamlDocument:
    """Compose ``source`` and build plain data from it; raises :class:`YamlSourceError`."""
    text = _decode(source) if isinstance(source, bytes) else source
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise YamlSourceError("document is over the 2 MB limit: split it into smaller files")
    text = text.removeprefix("\ufeff")
    controls = list(raw_control_characters(text))
    if controls:  # reported where they stand; the reader would refuse the whole file at 1:1
        text = blank_out_controls(text)
    if _depth_bound(text) > _COMPOSE_SAFE_DEPTH:
        _check_depth(text)
    root = _compose(text)
    if root is None:
        raise YamlSourceError("the file is empty: it needs a 'topic' and a 'questions' list")
    builder = DocumentBuilder(text)
    lines = LineIndex(text) if controls else None
    for offset, character in controls:
        builder.problems.append(SourceProblem(control_message(character), *lines.position(offset)))  # type: ignore[union-attr]
    try:
        data = builder.build(root)
    except RecursionError:  # pragma: no cover - the depth checks keep nesting shallow
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
    """Walk the parser's events (no recursion) and refuse nesting deeper than ``MAX_DEPTH``.

    libyaml's scanner reads ahead through flow brackets and refuses 1,000
    levels before the 101st shows as an event: then the pure-Python parser,
    whose look-ahead is bounded, finds where our limit is crossed.
    """
    try:
        _walk_depth(SafeLoader(text))
    except yaml.YAMLError as error:
        if "maximum nesting depth" not in str(error):
            raise _syntax_error(error) from None
        try:
            _walk_depth(PureSafeLoader(text))
        except yaml.YAMLError as pure_error:  # pragma: no cover - libyaml found the depth first
            raise _syntax_error(pure_error) from None


def _walk_depth(loader: Any) -> None:
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise too_deep(event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
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
        if "maximum nesting depth" in str(error):  # libyaml's own limit, at 1,000 levels
            _check_depth(text)
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


