"""Authoring tools: the schema copy, templates that validate, the study-guide export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from normquiz.bank import QUESTION_TYPES, load_paths
from normquiz.bank.export import export_markdown
from normquiz.bank.schema import SCHEMA_FILE_NAME, schema_text
from normquiz.bank.scaffold import slug, template_file
from normquiz.paths import builtin_content_dir


def test_shipped_schema_equals_generated_schema() -> None:
    shipped = (builtin_content_dir() / SCHEMA_FILE_NAME).read_text(encoding="utf-8")
    assert shipped == schema_text(), "run: normquiz schema > content/question-file.schema.json"


def test_schema_knows_types_generators_and_demos() -> None:
    text = schema_text()
    schema = json.loads(text)
    assert schema["additionalProperties"] is False
    for name in [*QUESTION_TYPES, "layer_norm_entry", "running-stats"]:
        assert f'"{name}"' in text


@pytest.mark.parametrize("kind", [*QUESTION_TYPES, "all"])
def test_templates_validate_as_written(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "my-topic.yaml"
    path.write_text(template_file(kind, topic_slug="My Topic"), encoding="utf-8")
    result = load_paths([path])
    assert result.ok, [str(problem) for problem in result.problems]
    assert len(result.questions) == (len(QUESTION_TYPES) if kind == "all" else 1)
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=question-file.schema.json")


def test_slug() -> None:
    assert slug("My Topic_2") == "my-topic-2" and slug("***") == "my-topic"


def test_export_markdown_includes_answers_and_worked_solutions(tmp_path: Path) -> None:
    path = tmp_path / "guide.yaml"
    path.write_text(template_file("all", topic_slug="guide"), encoding="utf-8")
    result = load_paths([path])
    text = export_markdown(result)
    assert text.startswith("# normquiz study guide\n\n## Guide\n")
    assert "- [x] Axis 0, over the N examples" in text
    assert "**Answer:** 1024 parameters" in text
    assert "**Worked solution:**" in text and "{{" not in text
    assert "Ioffe & Szegedy" in text
    basic_only = export_markdown(result, levels=["advanced"])
    assert "No questions match." in basic_only
