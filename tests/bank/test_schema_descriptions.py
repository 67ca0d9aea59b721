"""Editor help: every property of `normquiz schema` is described, every enum lists its members."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from normquiz.bank.demos import DEMOS
from normquiz.bank.generator_catalogue import GENERATORS
from normquiz.bank.model import LEVELS
from normquiz.bank.schema import schema_text


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """What `normquiz schema` prints (and content/question-file.schema.json holds)."""
    return json.loads(schema_text())


def walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping in the schema, with a JSON-pointer-like location."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{where}/properties/{name}", prop)
            for where, node in walk(schema) if isinstance(node.get("properties"), dict)
            for name, prop in node["properties"].items()]


def test_every_property_has_a_one_line_description(schema: dict[str, Any]) -> None:
    found = properties(schema)
    assert len(found) >= 90  # the walk reaches every question type's fields
    undescribed = [where for where, prop in found if not str(prop.get("description", "")).strip()]
    assert undescribed == []
    multi_line = [where for where, prop in found if "\n" in prop["description"]]
    assert multi_line == []


def test_every_enum_lists_its_members(schema: dict[str, Any]) -> None:
    enums = [(where, node) for where, node in walk(schema) if isinstance(node.get("enum"), list)]
    assert enums
    for where, node in enums:
        description = node.get("description", "")
        missing = [member for member in node["enum"] if str(member) not in description]
        assert missing == [], f"{where}: the description does not name {missing}"


def test_levels_types_demos_and_generators_are_all_offered(schema: dict[str, Any]) -> None:
    enums = [node for _, node in walk(schema) if isinstance(node.get("enum"), list)]
    offered = [tuple(node["enum"]) for node in enums]
    assert tuple(LEVELS) in offered
    demo = next(node for node in enums if tuple(node["enum"]) == tuple(DEMOS))
    assert demo["enumDescriptions"] == [entry.description for entry in DEMOS.values()]
    generator = next(node for node in enums if tuple(node["enum"]) == tuple(GENERATORS))
    assert generator["enumDescriptions"] == [spec.description for spec in GENERATORS.values()]
    types = schema["properties"]["questions"]["items"]["discriminator"]["mapping"]
    for name, ref in types.items():
        definition = schema["$defs"][ref.rsplit("/", 1)[1]]
        assert definition["properties"]["type"]["description"].startswith(f"{name}:")
        assert definition.get("description"), f"the {name} question type has no description"


def test_parameter_descriptions_name_every_demo_and_generator_parameter(schema: dict[str, Any]) -> None:
    demo_params = schema["$defs"]["DemoLink"]["properties"]["params"]["description"]
    for demo in DEMOS.values():
        assert f"{demo.name}: {', '.join(demo.params)}" in demo_params
    generator_params = schema["$defs"]["ComputedQuestion"]["properties"]["params"]["description"]
    for spec in GENERATORS.values():
        assert f"{spec.name}: {', '.join(spec.params.model_fields) or 'none'}" in generator_params
