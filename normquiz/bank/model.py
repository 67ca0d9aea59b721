"""The question file format as typed pydantic models (docs/authoring.md is the contract).

Models are strict (YAML already gives typed values: ``"3"`` is not a number)
and forbid unknown fields; per-type rules raise ``PydanticCustomError`` on the
field concerned so that the loader can point at its line.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, ClassVar, Literal, Union

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
from normquiz.bank.generator_catalogue import GENERATOR_NAMES, PLACEHOLDER
from normquiz.bank.wording import first_repeat, normalize_text

Level = Literal["basic", "intermediate", "advanced"]
LEVELS: tuple[str, ...] = ("basic", "intermediate", "advanced")

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_SLUG_LENGTH = 80  # ids key the progress store and show in titles: long ones are a mistake
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_SLUG_LENGTH)]
Text = Annotated[str, StringConstraints(min_length=1)]
Number = Annotated[float, Field(allow_inf_nan=False)]

DemoName = Literal[DEMO_NAMES]  # type: ignore[valid-type]
GeneratorName = Literal[GENERATOR_NAMES]  # type: ignore[valid-type]


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

    takes_placeholders: ClassVar[bool] = False  # only a generator fills in {{name}}

    @field_validator("prompt", "explanation", "hints")
    @classmethod
    def _no_placeholders(cls, text: str | list[str]) -> str | list[str]:
        if cls.takes_placeholders:
            return text
        for part in [text] if isinstance(text, str) else text:
            found = PLACEHOLDER.search(part)
            if found:
                raise _rule(f"{found.group()} would show as written: only computed questions fill in "
                            "placeholders (write the value itself, or use type: computed)")
        return text


def _rule(message: str) -> PydanticCustomError:
    return PydanticCustomError("format_rule", message)


def _distinct(texts: list[str], what: str, why: str) -> None:
    """Refuse two ``what`` with the same wording (case and spacing aside)."""
    repeat = first_repeat(texts)
    if repeat is not None:
        first, second = repeat
        raise _rule(f"{what}[{second}] says the same as {what}[{first}] ({texts[first].strip()!r}): {why}")


class _ChoicesQuestion(QuestionBase):
    choices: Annotated[list[Choice], Field(min_length=2)]
    shuffle: bool = True

    @field_validator("choices")
    @classmethod
    def _choices_differ(cls, choices: list[Choice]) -> list[Choice]:
        _distinct([choice.text for choice in choices], "choices", "a learner cannot tell them apart")
        return choices


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

    @field_validator("tolerance")
    @classmethod
    def _relative_needs_a_nonzero_answer(cls, tolerance: Tolerance, info: ValidationInfo) -> Tolerance:
        if tolerance.relative is not None and info.data.get("answer") == 0:
            raise _rule("a relative tolerance of an answer of 0 allows nothing but 0 itself: "
                        "write an absolute one, e.g. `tolerance: 0.01`")
        return tolerance


class ShortAnswerQuestion(QuestionBase):
    type: Literal["short_answer"]
    answers: Annotated[list[Text], Field(min_length=1)]

    @field_validator("answers")
    @classmethod
    def _answers_can_be_typed(cls, answers: list[str]) -> list[str]:
        for index, answer in enumerate(answers):
            if not normalize_text(answer):
                raise _rule(f"answers[{index}] ({answer!r}) is only punctuation and spaces, which "
                            "answer checking ignores: no typed answer can match it")
        return answers


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"]
    items: Annotated[list[Text], Field(min_length=3)]

    @field_validator("items")
    @classmethod
    def _items_differ(cls, items: list[str]) -> list[str]:
        _distinct(items, "items", "the correct order would be ambiguous")
        return items


class OpenQuestion(QuestionBase):
    type: Literal["open"]
    model_answer: Text
    key_points: Annotated[list[Text], Field(min_length=2)]


class ComputedQuestion(QuestionBase):
    takes_placeholders: ClassVar[bool] = True
    type: Literal["computed"]
    generator: GeneratorName
    params: dict[str, Any] = Field(default_factory=dict)


_QUESTION_MODELS: tuple[type[QuestionBase], ...] = (
    SingleChoiceQuestion, MultipleChoiceQuestion, TrueFalseQuestion, NumericQuestion,
    ShortAnswerQuestion, OrderingQuestion, OpenQuestion, ComputedQuestion,
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
