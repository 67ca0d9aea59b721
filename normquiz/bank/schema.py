"""The JSON Schema of a question file, generated from the pydantic models.

``content/question-file.schema.json`` is a copy of :func:`schema_text` (a test
keeps them equal) that yaml-language-server finds through the modeline
``# yaml-language-server: $schema=question-file.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from normquiz.bank.model import QuestionFile

SCHEMA_FILE_NAME = "question-file.schema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def question_file_schema() -> dict[str, Any]:
    schema = QuestionFile.model_json_schema()
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def schema_text() -> str:
    """The schema as written to ``content/question-file.schema.json``."""
    return json.dumps(question_file_schema(), indent=2, ensure_ascii=False) + "\n"
