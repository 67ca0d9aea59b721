"""The question file format as typed pydantic models (docs/authoring.md is the contract).

Models are strict (YAML already gives typed values: ``"3"`` is not a number)
and forbid unknown fields; per-type rules raise ``PydanticCustomError`` on the
field concerned so that the loader can point at its line.
"""

from __future__ import annotations

import ast
import hashlib
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from normquiz.bank.demos import DEMO_NAMES, demo_param_problems
from normquiz.bank.exercises.catalogue import EXERCISE_NAMES, EXERCISES
from normquiz.bank.generator_catalogue import GENERATOR_NAMES

Level = Literal["basic", "intermediate", "advanced"]
LEVELS: tuple[str, ...] = ("basic", "intermediate", "advanced")

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]
Number = Annotated[float, Field(allow_inf_nan=False)]

DemoName = Literal[DEMO_NAMES]  # type: ignore[valid-type]
GeneratorName = Literal[GENERATOR_NAMES]  # type: ignore[valid-type]
ExerciseName = Literal[EXERCISE_NAMES]  # type: ignore[valid-type]


class FormatModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DemoLink(FormatModel):
    """A demo screen to open from the question, with optional preset parameters."""

    name: DemoName
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_params(self) -> DemoLink:
        problems = demo_param_problems(self.name, self.params)
        if problems:
            raise PydanticCustomError("demo_params", "; ".join(message for _, message in problems))
        return self


def _demo_from_name(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class Tolerance(FormatModel):
    """An absolute tolerance, or a relative one (a fraction of the answer)."""

    absolute: Number | None = Field(None, ge=0)
    relative: Number | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Tolerance:
        if (self.absolute is None) == (self.relative is None):
            raise PydanticCustomError(
                "tolerance_kind", "write a number (absolute) or {relative: 0.01}, not both or neither")
        return self

    def allows(self, response: float, answer: float) -> bool:
        slack = self.absolute if self.absolute is not None else abs(answer) * self.relative  # type: ignore[operator]
        # A hair of float slack so that 0.1 + 0.2 is accepted for 0.3 with tolerance 0.
        return abs(response - answer) <= slack + 1e-9 * max(1.0, abs(answer))

    def describe(self) -> str:
        if self.absolute is not None:
            return f"± {self.absolute:g}"
        return f"± {self.relative * 100:g}%"  # type: ignore[operator]


def _tolerance_from_number(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"absolute": value}
    return value


class Choice(FormatModel):
    text: Text
    correct: bool = False
    feedback: Text | None = None


class QuestionBase(FormatModel):
    id: Slug
    level: Level
    prompt: Text
    explanation: Text
    tags: Annotated[list[Slug], Field(min_length=1)]
    hints: list[Text] = Field(default_factory=list)
    references: list[Text] = Field(default_factory=list)
    demo: Annotated[
        DemoLink | None,
        BeforeValidator(_demo_from_name, json_schema_input_type=Union[DemoName, DemoLink, None]),
    ] = None


def _rule(message: str) -> PydanticCustomError:
    return PydanticCustomError("format_rule", message)


class _ChoicesQuestion(QuestionBase):
    choices: Annotated[list[Choice], Field(min_length=2)]
    shuffle: bool = True


class SingleChoiceQuestion(_ChoicesQuestion):
    type: Literal["single_choice"]

    @field_validator("choices")
    @classmethod
    def _exactly_one_correct(cls, choices: list[Choice]) -> list[Choice]:
        correct = sum(choice.correct for choice in choices)
        if correct != 1:
            raise _rule(f"exactly one choice must be correct for single_choice (found {correct})")
        return choices


class MultipleChoiceQuestion(_ChoicesQuestion):
    type: Literal["multiple_choice"]

    @field_validator("choices")
    @classmethod
    def _at_least_one_correct(cls, choices: list[Choice]) -> list[Choice]:
        if not any(choice.correct for choice in choices):
            raise _rule("at least one choice must be correct for multiple_choice")
        return choices


class TrueFalseQuestion(QuestionBase):
    type: Literal["true_false"]
    answer: bool


class NumericQuestion(QuestionBase):
    type: Literal["numeric"]
    answer: Number
    tolerance: Annotated[
        Tolerance, BeforeValidator(_tolerance_from_number, json_schema_input_type=Union[Number, Tolerance])
    ]
    unit: Text | None = None


class ShortAnswerQuestion(QuestionBase):
    type: Literal["short_answer"]
    answers: Annotated[list[Text], Field(min_length=1)]


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"]
    items: Annotated[list[Text], Field(min_length=3)]

    @field_validator("items")
    @classmethod
    def _distinct(cls, items: list[str]) -> list[str]:
        seen: set[str] = set()
        for item in items:
            if item in seen:
                raise _rule(f"item {item!r} appears twice: the correct order would be ambiguous")
            seen.add(item)
        return items


class OpenQuestion(QuestionBase):
    type: Literal["open"]
    model_answer: Text
    key_points: Annotated[list[Text], Field(min_length=2)]


class ComputedQuestion(QuestionBase):
    type: Literal["computed"]
    generator: GeneratorName
    params: dict[str, Any] = Field(default_factory=dict)


def _python_source(text: str) -> ast.Module:
    """Parse (never run) Python source text, so that a typo is reported at load time."""
    try:
        return ast.parse(text)
    except SyntaxError as error:
        raise _rule(f"this is not valid Python: line {error.lineno}: {error.msg}") from None


class CodeQuestion(QuestionBase):
    """A coding exercise: the learner writes ``function``; the named checker grades it.

    ``starter`` and ``reference`` are text: the reference is shown for
    reading after the attempt and is never executed by the bank.
    """

    type: Literal["code"]
    exercise: ExerciseName
    function: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    signature: Text
    starter: Text
    reference: Text

    # Field validators run in the order the fields are declared, so each check
    # can use the fields above it and report on its own line of the file.
    @field_validator("function")
    @classmethod
    def _checked_function(cls, function: str, info: ValidationInfo) -> str:
        spec = EXERCISES.get(info.data.get("exercise", ""))
        if spec is not None and function != spec.function:
            raise _rule(f"exercise {spec.name!r} checks a function named {spec.function!r}, not {function!r}")
        return function

    @field_validator("signature")
    @classmethod
    def _named_signature(cls, signature: str, info: ValidationInfo) -> str:
        function = info.data.get("function")
        if function and not signature.startswith(f"{function}("):
            spec = EXERCISES.get(info.data.get("exercise", ""))
            example = f", e.g. {spec.signature}" if spec else ""
            raise _rule(f"the signature must start with {function}({example}")
        return signature

    @field_validator("starter")
    @classmethod
    def _parses(cls, text: str) -> str:
        _python_source(text)
        return text

    @field_validator("reference")
    @classmethod
    def _defines_the_function(cls, text: str, info: ValidationInfo) -> str:
        tree = _python_source(text)
        function = info.data.get("function")
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        if function and function not in defined:
            raise _rule(f"the reference solution must define {function}()")
        return text


_QUESTION_MODELS: tuple[type[QuestionBase], ...] = (
    SingleChoiceQuestion, MultipleChoiceQuestion, TrueFalseQuestion, NumericQuestion,
    ShortAnswerQuestion, OrderingQuestion, OpenQuestion, ComputedQuestion, CodeQuestion,
)

Question = Annotated[Union[_QUESTION_MODELS], Field(discriminator="type")]  # type: ignore[valid-type]

QUESTION_TYPES: dict[str, type[QuestionBase]] = {
    model.model_fields["type"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in _QUESTION_MODELS
}


class FileHeader(FormatModel):
    """The top level of a question file, with the questions not yet validated."""

    topic: Text
    description: Text | None = None
    questions: Annotated[list[Any], Field(min_length=1)]


class QuestionFile(FileHeader):
    """A whole question file: what ``normquiz schema`` describes."""

    model_config = ConfigDict(
        title="normquiz question file",
        json_schema_extra={"description": "A topic and its questions; see docs/authoring.md."},
    )

    questions: Annotated[list[Question], Field(min_length=1)]  # type: ignore[assignment]


def content_hash(question: QuestionBase) -> str:
    """A short fingerprint of everything a question says; changes whenever its content does.

    The progress store keeps it with each attempt, so that a question edited
    since it was last answered can be told apart while keeping its history.
    """
    return hashlib.sha256(question.model_dump_json().encode()).hexdigest()[:16]
