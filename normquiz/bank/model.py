"""The question file format as typed pydantic models (docs/authoring.md is the contract).

Models are strict (YAML already gives typed values: ``"3"`` is not a number)
and forbid unknown fields; per-type rules raise ``PydanticCustomError`` on the
field concerned so that the loader can point at its line.
"""

from __future__ import annotations

import ast
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

from normquiz.bank.demos import DEMO_NAMES, DEMOS, demo_param_problems, demo_params_summary
from normquiz.bank.exercises.catalogue import EXERCISE_NAMES, EXERCISES
from normquiz.bank.generator_catalogue import GENERATOR_NAMES, GENERATORS, PLACEHOLDER, generator_params_summary
from normquiz.bank.wording import first_repeat, normalize_text
from normquiz.vocabulary import LEVELS, Level


SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_SLUG_LENGTH = 80  # ids key the progress store and show in titles: long ones are a mistake
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_SLUG_LENGTH)]
Text = Annotated[str, StringConstraints(min_length=1)]
Number = Annotated[float, Field(allow_inf_nan=False)]

def _members(names: tuple[str, ...]) -> str:
    return " | ".join(names)


# enumDescriptions: shown beside each value by yaml-language-server's completion.
DemoName = Annotated[Literal[DEMO_NAMES], Field(  # type: ignore[valid-type]
    description=f"a demo screen: {_members(DEMO_NAMES)} (see `normquiz demo --list`)",
    json_schema_extra={"enumDescriptions": [demo.description for demo in DEMOS.values()]})]
GeneratorName = Annotated[Literal[GENERATOR_NAMES], Field(  # type: ignore[valid-type]
    description=f"the generator that draws each instance: {_members(GENERATOR_NAMES)}",
    json_schema_extra={"enumDescriptions": [spec.description for spec in GENERATORS.values()]})]
ExerciseName = Annotated[Literal[EXERCISE_NAMES], Field(  # type: ignore[valid-type]
    description=f"the checker that grades the learner's function: {_members(EXERCISE_NAMES)}",
    json_schema_extra={"enumDescriptions": [spec.summary for spec in EXERCISES.values()]})]


class FormatModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DemoLink(FormatModel):
    """A demo screen to open from the question, with optional preset parameters."""

    name: DemoName
    params: dict[str, Any] = Field(
        default_factory=dict,
        description=f"preset parameters of the demo, all optional; by demo: {demo_params_summary()}")

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

    absolute: Number | None = Field(None, ge=0, examples=[0.01],
                                    description="accept answers within this distance of the answer (0: exact)")
    relative: Number | None = Field(None, gt=0, examples=[0.01],
                                    description="accept answers within this fraction of the answer (0.01: 1%)")

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
    """One choice of a single_choice or multiple_choice question."""

    text: Text = Field(description="the choice as shown (Markdown, one line)")
    correct: bool = Field(False, description="whether this choice is right (default false)")
    feedback: Text | None = Field(None, examples=["That is layer normalization."],
                                  description="shown after answering when it was picked, or is right and was missed")


class QuestionBase(FormatModel):
    id: Slug = Field(examples=["bn-axis-2d"], description=(
        "unique across every loaded file; lowercase words joined by single hyphens; progress is keyed by it"))
    level: Level = Field(description=f"how hard: {_members(LEVELS)}")
    prompt: Text = Field(description="the question, in Markdown")
    explanation: Text = Field(description="Markdown shown after answering: teach why, not only what")
    tags: Annotated[list[Slug], Field(min_length=1)] = Field(
        examples=[["batch-norm", "axes"]], description="at least one lowercase hyphenated tag, for filtering")
    hints: list[Text] = Field(default_factory=list, description="Markdown nudges, revealed one at a time")
    references: list[Text] = Field(
        default_factory=list, examples=[["Ioffe & Szegedy (2015), Batch Normalization, arXiv:1502.03167"]],
        description="citations: papers or library documentation")
    demo: Annotated[
        DemoLink | None,
        BeforeValidator(_demo_from_name, json_schema_input_type=Union[DemoName, DemoLink, None]),
    ] = Field(None, title="Demo", examples=["axes"],
              description=f"a demo to open from the question: a name ({_members(DEMO_NAMES)}) or {{name, params}}")

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
    choices: Annotated[list[Choice], Field(min_length=2)] = Field(description="at least two choices")
    shuffle: bool = Field(True, description="show the choices shuffled (default true); false keeps the written order")

    @field_validator("choices")
    @classmethod
    def _choices_differ(cls, choices: list[Choice]) -> list[Choice]:
        _distinct([choice.text for choice in choices], "choices", "a learner cannot tell them apart")
        return choices


class SingleChoiceQuestion(_ChoicesQuestion):
    """Pick the one right choice."""

    type: Literal["single_choice"] = Field(description="single_choice: exactly one choice is correct")

    @field_validator("choices")
    @classmethod
    def _exactly_one_correct(cls, choices: list[Choice]) -> list[Choice]:
        correct = sum(choice.correct for choice in choices)
        if correct != 1:
            raise _rule(f"exactly one choice must be correct for single_choice (found {correct})")
        return choices


class MultipleChoiceQuestion(_ChoicesQuestion):
    """Pick every right choice; partial credit."""

    type: Literal["multiple_choice"] = Field(description="multiple_choice: at least one choice is correct")

    @field_validator("choices")
    @classmethod
    def _at_least_one_correct(cls, choices: list[Choice]) -> list[Choice]:
        if not any(choice.correct for choice in choices):
            raise _rule("at least one choice must be correct for multiple_choice")
        return choices


class TrueFalseQuestion(QuestionBase):
    """A statement that is true or false."""

    type: Literal["true_false"] = Field(description="true_false: the prompt is a statement to judge")
    answer: bool = Field(description="whether the statement in the prompt is true")


class NumericQuestion(QuestionBase):
    """A number, accepted within a tolerance."""

    type: Literal["numeric"] = Field(description="numeric: the answer is a number")
    answer: Number = Field(examples=[1024], description="the expected number")
    tolerance: Annotated[
        Tolerance, BeforeValidator(_tolerance_from_number, json_schema_input_type=Union[Number, Tolerance])
    ] = Field(examples=[0, 0.01],
              description="required: a number (absolute, 0 for exact) or {relative: fraction}")
    unit: Text | None = Field(None, examples=["parameters"], description="shown beside the input")

    @field_validator("tolerance")
    @classmethod
    def _relative_needs_a_nonzero_answer(cls, tolerance: Tolerance, info: ValidationInfo) -> Tolerance:
        if tolerance.relative is not None and info.data.get("answer") == 0:
            raise _rule("a relative tolerance of an answer of 0 allows nothing but 0 itself: "
                        "write an absolute one, e.g. `tolerance: 0.01`")
        return tolerance


class ShortAnswerQuestion(QuestionBase):
    """A few words, compared forgiving case, spacing, punctuation and one typo."""

    type: Literal["short_answer"] = Field(description="short_answer: the learner types a few words")
    answers: Annotated[list[Text], Field(min_length=1)] = Field(
        examples=[["layer normalization", "layer norm", "LN"]],
        description="accepted answers, the preferred spelling first (it is the one shown)")

    @field_validator("answers")
    @classmethod
    def _answers_can_be_typed(cls, answers: list[str]) -> list[str]:
        for index, answer in enumerate(answers):
            if not normalize_text(answer):
                raise _rule(f"answers[{index}] ({answer!r}) is only punctuation and spaces, which "
                            "answer checking ignores: no typed answer can match it")
        return answers


class OrderingQuestion(QuestionBase):
    """Put the items in order; partial credit for pairs in the right order."""

    type: Literal["ordering"] = Field(description="ordering: the learner puts the items in order")
    items: Annotated[list[Text], Field(min_length=3)] = Field(
        description="at least three different items, in the correct order (shown shuffled)")

    @field_validator("items")
    @classmethod
    def _items_differ(cls, items: list[str]) -> list[str]:
        _distinct(items, "items", "the correct order would be ambiguous")
        return items


class OpenQuestion(QuestionBase):
    """A free answer, then a model answer whose key points the learner ticks."""

    type: Literal["open"] = Field(description="open: a free answer, judged by the learner against key points")
    model_answer: Text = Field(description="Markdown: what a strong answer says")
    key_points: Annotated[list[Text], Field(min_length=2)] = Field(
        description="at least two points the learner ticks when their answer covers them")


class ComputedQuestion(QuestionBase):
    """A fresh input drawn by a named generator each time; normquiz.core computes the answer."""

    takes_placeholders: ClassVar[bool] = True
    type: Literal["computed"] = Field(
        description="computed: a generator draws the numbers; {{placeholders}} in the prompt show them")
    generator: GeneratorName
    params: dict[str, Any] = Field(
        default_factory=dict,
        description=f"the generator's parameters, all optional unless noted in docs/authoring.md; "
                    f"by generator: {generator_params_summary()}")


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

    type: Literal["code"] = Field(description="code: the learner writes a function that a named checker grades")
    exercise: ExerciseName
    function: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = Field(
        examples=["batchnorm_forward"], description="the name of the function the learner writes (the checker's)")
    signature: Text = Field(examples=["batchnorm_forward(x, gamma, beta, eps=1e-5)"],
                            description="the function's signature as shown to the learner, starting with its name")
    starter: Text = Field(description="the code the learner starts from (Python text, never run by the bank)")
    reference: Text = Field(description="a reference solution shown for reading after the attempt (never run "
                                        "by the bank); it must define the function")

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

    topic: Text = Field(examples=["Batch normalization"], description="the heading these questions are grouped under")
    description: Text | None = Field(None, description="optional: what these questions are about")
    questions: Annotated[list[Any], Field(min_length=1)] = Field(description="the questions, at least one")


class QuestionFile(FileHeader):
    """A whole question file: what ``normquiz schema`` describes."""

    model_config = ConfigDict(
        title="normquiz question file",
        json_schema_extra={"description": "A topic and its questions; see docs/authoring.md."},
    )

    questions: Annotated[list[Question], Field(min_length=1)] = Field(  # type: ignore[assignment]
        description="the questions, at least one; each has an id, level, type, prompt, explanation and tags")


def content_hash(question: QuestionBase) -> str:
    """A short fingerprint of everything a question says; changes whenever its content does.

    The progress store keeps it with each attempt, so that a question edited
    since it was last answered can be told apart while keeping its history.
    """
    return hashlib.sha256(question.model_dump_json().encode()).hexdigest()[:16]
