"""The expression grammar: reading a written test or expression, writing it back, evaluating it."""

import pytest

from criteria.expressions import (
    ExpressionError,
    evaluate_expr,
    expr_to_source,
    parse_expr,
    parse_test,
)

from .dictionary import FACTS


@pytest.mark.parametrize(
    "text", ["pain >> 6", "nothing > 1", "infection > 1", "pain is true", "cause > sci"]
)
def test_bad_tests_are_refused(text):
    with pytest.raises(ValueError):
        parse_test(text, FACTS)


@pytest.mark.parametrize(
    "written",
    [
        "pain > 6",
        "infection is false",
        "cause in [sci, ms]",
        "seen >= 2025-01-01",
        ["pain > 6", "infection is false"],
        {"any": ["pain >= 8", {"all": ["relief >= 50", "life > 3"]}]},
    ],
)
def test_a_written_expression_reads_back_to_the_same_expression(written):
    expr = parse_expr(written, FACTS)
    assert parse_expr(expr_to_source(expr), FACTS) == expr


def test_a_problem_is_named_with_its_place():
    with pytest.raises(ExpressionError) as caught:
        parse_expr({"all": ["pain > 6", "nothing > 1"]}, FACTS, "met_when")
    assert caught.value.place == "met_when.all[1]"
    assert "unknown fact 'nothing'" in caught.value.problem
    with pytest.raises(ExpressionError, match="needs at least one test"):
        parse_expr({"any": []}, FACTS, "met_when")
    with pytest.raises(ExpressionError, match="expected a test"):
        parse_expr(42, FACTS, "met_when")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"pain": 7, "infection": False}, True),
        ({"pain": 5, "infection": False}, False),
        ({"pain": 7}, None),  # a missing fact leaves ALL unknown ...
        ({"pain": 5}, False),  # ... unless another test already fails it
    ],
)
def test_all_is_three_valued(facts, expected):
    assert evaluate_expr(parse_expr(["pain > 6", "infection is false"], FACTS), facts) is expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [({"pain": 9}, True), ({"pain": 5}, None), ({"pain": 5, "relief": 40}, False)],
)
def test_any_is_three_valued(facts, expected):
    expr = parse_expr({"any": ["pain >= 8", "relief >= 50"]}, FACTS)
    assert evaluate_expr(expr, facts) is expected


def test_a_single_test_reads_one_fact():
    assert parse_test("pain > 6", FACTS).fact == "pain"
    assert list(parse_expr(["pain > 6", "infection is true"], FACTS).facts()) == [
        "pain",
        "infection",
    ]
