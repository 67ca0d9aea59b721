"""Quiz sessions: deterministic selection and shuffling, recording, the summary."""

from __future__ import annotations

import pytest

from normquiz.bank.checking import InvalidResponse
from normquiz.study.session import QuizSession, SessionOptions, display_order, session_from
from tests.bank.conftest import make_question
from tests.study.conftest import BANK, question


def ids(session: QuizSession) -> list[str]:
    return [item.question.id for item in session.items]


def test_selection_is_deterministic_and_filtered() -> None:
    first = session_from(BANK, levels={"basic"}, seed=4)
    assert ids(first) == ids(session_from(BANK, levels={"basic"}, seed=4))
    assert {item.question.level for item in first.items} == {"basic"}
    assert len(session_from(BANK, tags={"bn"}, count=3).items) == 3
    assert sorted(ids(session_from(BANK, seed=1))) == sorted(q.id for q in BANK)
    assert ids(session_from(BANK, seed=1)) != ids(session_from(BANK, seed=2))


def test_interview_orders_by_level_and_hides_feedback() -> None:
    session = session_from(BANK, mode="interview", count=6, seed=3)
    levels = [item.question.level for item in session.items]
    assert levels == sorted(levels, key=("basic", "intermediate", "advanced").index)
    assert not session.shows_feedback and session.reveal_hint() is None


def test_review_asks_the_priority_ids_in_order() -> None:
    session = session_from(BANK, mode="review", priority_ids=["q-5", "q-missing", "q-2"])
    assert ids(session) == ["q-5", "q-2"]


def test_priority_ids_keep_their_order_in_every_mode() -> None:
    wanted = ["q-7", "q-missing", "q-0", "q-4", "q-7"]
    for mode in ("practice", "interview"):
        for seed in range(5):
            assert ids(session_from(BANK, mode=mode, seed=seed, priority_ids=wanted)) == ["q-7", "q-0", "q-4"]
    assert ids(session_from(BANK, mode="interview", priority_ids=wanted, count=2)) == ["q-7", "q-0"]
    assert ids(session_from(BANK, levels={"basic"}, priority_ids=wanted)) == ["q-0"]


def test_options_match_levels_and_any_tag() -> None:
    by_id = {q.id: q for q in BANK}
    assert SessionOptions().matches(by_id["q-1"])
    assert SessionOptions(levels=frozenset({"intermediate"})).matches(by_id["q-1"])
    assert not SessionOptions(levels=frozenset({"basic"})).matches(by_id["q-1"])
    assert SessionOptions(tags=frozenset({"bn", "other"})).matches(by_id["q-1"])
    assert not SessionOptions(levels=frozenset({"intermediate"}), tags=frozenset({"ln"})).matches(by_id["q-1"])


def test_choices_are_shuffled_stably_unless_disabled() -> None:
    choice = question(99, "basic", ["bn"], kind="single_choice")
    order = display_order(choice, 1)
    assert sorted(order) == [0, 1, 2, 3] and order == display_order(choice, 1)
    fixed = choice.model_copy(update={"shuffle": False})
    assert display_order(fixed, 1) == (0, 1, 2, 3)


def test_ordering_is_never_shown_in_order() -> None:
    ordering = make_question("ordering", id="q-o", items=["a", "b", "c"])
    assert all(display_order(ordering, seed) != (0, 1, 2) for seed in range(30))


def test_answers_hints_and_summary() -> None:
    session = session_from(BANK, count=4, seed=0, started_at=100.0)
    assert session.reveal_hint() == "h1" and session.reveal_hint() == "h2" and session.reveal_hint() is None
    assert session.answer(True, at=110.0).correct
    with pytest.raises(InvalidResponse):
        session.answer("perhaps", at=111.0)
    session.advance()
    assert not session.answer(False, at=120.0).correct
    session.advance()
    session.skip(at=125.0)
    summary = session.summary(at=130.0)
    # The skip is counted apart: two answers, one right, half the points; it is still missed.
    assert (summary.overall.asked, summary.overall.correct, summary.overall.skipped) == (2, 1, 1)
    assert summary.overall.fraction == pytest.approx(1 / 2) and summary.overall.done == 3
    assert summary.missed == tuple(ids(session)[1:3])
    assert summary.unanswered == (ids(session)[3],)
    assert summary.duration == 30.0
    assert session.records[ids(session)[0]].hints_used == 2
    assert sum(line.done for line in summary.by_level.values()) == 3
    assert set(summary.by_tag) <= {"bn", "ln"}
    session.advance()
    session.advance()
    assert session.finished and session.current is None


def test_computed_instances_are_kept_for_checking() -> None:
    computed = make_question("computed", id="q-c", prompt="{{layer_call}}", generator="parameter_count",
                             params={"layer": "batch_norm"})
    session = QuizSession([computed], SessionOptions(seed=2))
    instance = session.instance()
    assert instance is session.instance()
    assert session.answer(str(int(instance.answer)), at=1.0).correct


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        SessionOptions(mode="exam")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count"):
        SessionOptions(count=0)
