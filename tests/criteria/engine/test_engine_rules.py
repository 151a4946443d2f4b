"""The engine's rules one by one, exactly: parsing, comparison, display, routes, waivers,
documentation-only criteria, the decisive labels and the traces. Written so that breaking any
rule (a ">" read as ">=", a spelling of "no" forgotten, a message garbled) fails a test; the
mutation score in bin/mutation keeps them honest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from criteria.engine import (
    Checklist,
    Criterion,
    Group,
    Include,
    Outcome,
    Route,
    Status,
    choose_route,
    combine,
    evaluate,
    propose,
    waiver_open,
)
from criteria.expressions import Expr, evaluate_expr, parse_test
from criteria.expressions import Test as Comparison
from criteria.facts import FactDef, FactType, FactValueError

FACTS = {
    "pain": FactDef(
        "pain", FactType.INTEGER, "Pain", unit="of 10", minimum=Decimal(0), maximum=Decimal(10)
    ),
    "relief": FactDef("relief", FactType.DECIMAL, "Relief", unit="%"),
    "infection": FactDef("infection", FactType.BOOLEAN, "Infection"),
    "trial": FactDef("trial", FactType.BOOLEAN, "Trial done"),
    "report": FactDef("report", FactType.BOOLEAN, "Report received"),
    "cause": FactDef(
        "cause",
        FactType.CHOICE,
        "Cause",
        choices=(("sci", "Spinal cord injury"), ("ms", "Multiple sclerosis")),
    ),
    "seen": FactDef("seen", FactType.DATE, "Seen on"),
    "age": FactDef("age", FactType.INTEGER, "Age"),
}
M, N, U, A = Status.MET, Status.NOT_MET, Status.UNKNOWN, Status.NOT_APPLICABLE


def expr(text: str) -> Expr:
    return Expr("test", test=parse_test(text, FACTS))


def crit(label: str, test: str, **kwargs) -> Criterion:
    return Criterion(
        label=label,
        text=f"{label} text",
        member_reason="",
        citation="",
        met_when=expr(test),
        **kwargs,
    )


def checklist(root, key="c", **kwargs) -> Checklist:
    return Checklist(
        key=key, indication="non_malignant_pain", stage="trial", title=key, root=root, **kwargs
    )


# --- parsing fact values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("Yes", True),
        ("1", True),
        (1, True),
        ("on", True),
        ("false", False),
        ("False", False),
        ("no", False),
        (" NO", False),
        ("0", False),
        (0, False),
        ("off", False),
        ("Off", False),
    ],
)
def test_every_spelling_of_yes_and_no(raw, expected):
    assert FACTS["infection"].parse(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "y", "n", "2", "nope", "-1"])
def test_other_spellings_are_not_yes_or_no(raw):
    with pytest.raises(FactValueError) as caught:
        FACTS["infection"].parse(raw)
    assert str(caught.value) == f"Infection: {raw!r} is not yes or no"


@pytest.mark.parametrize(
    ("raw", "expected"), [("", "Pain: a value is required"), (None, "Pain: a value is required")]
)
def test_a_value_is_required(raw, expected):
    with pytest.raises(FactValueError) as caught:
        FACTS["pain"].parse(raw)
    assert str(caught.value) == expected


def test_numbers_keep_their_type_and_limits():
    pain = FACTS["pain"]
    assert pain.parse("7") == 7 and type(pain.parse("7")) is int
    assert pain.parse(" 7 ") == 7 and pain.parse(7.0) == 7
    assert pain.parse("0") == 0 and pain.parse("10") == 10  # the limits themselves are allowed
    relief = FACTS["relief"].parse("49.5")
    assert relief == Decimal("49.5") and isinstance(relief, Decimal)
    assert FACTS["relief"].parse(50) == Decimal(50)
    assert FACTS["age"].parse("-3") == -3  # no limits stated, none applied


@pytest.mark.parametrize(
    ("fact", "raw", "message"),
    [
        ("pain", "11", "Pain: 11 is above the maximum 10"),
        ("pain", "-1", "Pain: -1 is below the minimum 0"),
        ("pain", "7.5", "Pain: '7.5' is not a whole number"),
        ("pain", "seven", "Pain: 'seven' is not a number"),
        ("pain", True, "Pain: True is not a number"),
        ("pain", False, "Pain: False is not a number"),
        ("relief", "nan", "Relief: 'nan' is not a number"),
        ("relief", "Infinity", "Relief: 'Infinity' is not a number"),
        ("cause", "other", "Cause: 'other' is not one of sci, ms"),
        ("seen", "13/08/2025", "Seen on: '13/08/2025' is not a date (YYYY-MM-DD)"),
    ],
)
def test_bad_values_are_refused_with_the_fact_and_the_reason(fact, raw, message):
    with pytest.raises(FactValueError) as caught:
        FACTS[fact].parse(raw)
    assert str(caught.value) == message


def test_choices_and_dates():
    assert FACTS["cause"].parse("ms") == "ms"
    assert FACTS["seen"].parse("2025-08-13") == dt.date(2025, 8, 13)
    day = dt.date(2024, 2, 29)
    assert FACTS["seen"].parse(day) is day


# --- JSON form and display -----------------------------------------------------------------


def test_values_in_json_form():
    assert FACTS["relief"].to_json(Decimal("49.5")) == "49.5"
    assert FACTS["seen"].to_json(dt.date(2025, 8, 13)) == "2025-08-13"
    assert FACTS["pain"].to_json(7) == 7
    assert FACTS["infection"].to_json(False) is False


@pytest.mark.parametrize(
    ("fact", "value", "shown"),
    [
        ("pain", None, "not recorded"),
        ("infection", None, "not recorded"),
        ("infection", True, "yes"),
        ("infection", False, "no"),
        ("cause", "ms", "Multiple sclerosis"),
        ("cause", "gone", "gone"),
        ("pain", 7, "7 of 10"),
        ("relief", Decimal("49.5"), "49.5 %"),
        ("age", 40, "40"),
        ("seen", dt.date(2025, 8, 13), "2025-08-13"),
    ],
)
def test_display(fact, value, shown):
    assert FACTS[fact].display(value) == shown


# --- tests and expressions ----------------------------------------------------------------


def test_tests_are_read_and_written_back():
    assert parse_test("pain > 6", FACTS) == Comparison("pain", ">", 6)
    assert parse_test("  relief   >=  50 ", FACTS) == Comparison("relief", ">=", Decimal(50))
    assert parse_test("infection is false", FACTS) == Comparison("infection", "is", False)
    assert parse_test("infection is yes", FACTS) == Comparison("infection", "is", True)
    assert parse_test("cause in [sci, ms]", FACTS) == Comparison("cause", "in", ("sci", "ms"))
    assert parse_test("cause in [ ms ]", FACTS) == Comparison("cause", "in", ("ms",))
    assert parse_test("cause == ms", FACTS) == Comparison("cause", "==", "ms")
    assert parse_test("seen <= 2025-01-01", FACTS) == Comparison("seen", "<=", dt.date(2025, 1, 1))
    assert str(Comparison("infection", "is", False)) == "infection is false"
    assert str(Comparison("infection", "is", True)) == "infection is true"
    assert str(Comparison("cause", "in", ("sci", "ms"))) == "cause in [sci, ms]"
    assert str(Comparison("pain", "<", 3)) == "pain < 3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pain >> 6", "cannot read the test 'pain >> 6' (expected: fact operator value)"),
        ("pain", "cannot read the test 'pain' (expected: fact operator value)"),
        ("nothing > 1", "unknown fact 'nothing'"),
        ("pain is true", "'is' needs a yes/no fact; pain is integer"),
        ("infection > 1", "'>' needs a number or date fact; infection is boolean"),
        ("cause >= sci", "'>=' needs a number or date fact; cause is choice"),
        ("infection < 1", "'<' needs a number or date fact; infection is boolean"),
        ("infection <= 1", "'<=' needs a number or date fact; infection is boolean"),
        ("pain > lots", "Pain: 'lots' is not a number"),
        ("infection is perhaps", "Infection: 'perhaps' is not yes or no"),
        ("cause in [sci, flu]", "Cause: 'flu' is not one of sci, ms"),
    ],
)
def test_bad_tests_are_refused_with_a_message(text, message):
    with pytest.raises(ValueError) as caught:
        parse_test(text, FACTS)
    assert str(caught.value) == message


def test_equality_tests_on_yes_no_facts_are_allowed():
    assert parse_test("infection == true", FACTS) == Comparison("infection", "==", True)
    assert parse_test("infection != false", FACTS) == Comparison("infection", "!=", False)


@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        ("pain > 6", 6, False),
        ("pain > 6", 7, True),
        ("pain >= 6", 5, False),
        ("pain >= 6", 6, True),
        ("pain < 6", 6, False),
        ("pain < 6", 5, True),
        ("pain <= 6", 7, False),
        ("pain <= 6", 6, True),
        ("pain == 6", 6, True),
        ("pain == 6", 7, False),
        ("pain != 6", 6, False),
        ("pain != 6", 7, True),
        ("cause in [sci]", "sci", True),
        ("cause in [sci]", "ms", False),
        ("infection is false", False, True),
        ("infection is false", True, False),
    ],
)
def test_each_operator_on_both_sides_of_its_boundary(test, value, expected):
    name = test.split()[0]
    assert evaluate_expr(expr(test), {name: value}) is expected


def test_an_unknown_operator_is_an_error():
    with pytest.raises(ValueError, match="unknown operator '~'"):
        evaluate_expr(Expr("test", test=Comparison("pain", "~", 1)), {"pain": 1})


def test_expressions_are_three_valued():
    both = Expr("all", (expr("pain > 6"), expr("infection is false")))
    either = Expr("any", (expr("pain > 6"), expr("infection is false")))
    assert evaluate_expr(both, {"pain": 7, "infection": False}) is True
    assert evaluate_expr(both, {"pain": 7}) is None
    assert evaluate_expr(both, {"pain": 3}) is False  # one false decides ALL
    assert evaluate_expr(both, {"pain": 7, "infection": True}) is False
    assert evaluate_expr(either, {"pain": 3, "infection": True}) is False
    assert evaluate_expr(either, {"infection": False}) is True  # one true decides ANY
    assert evaluate_expr(either, {"pain": 3}) is None
    assert evaluate_expr(expr("pain > 6"), {"pain": None}) is None
    assert str(both) == "(pain > 6 and infection is false)"
    assert str(either) == "(pain > 6 or infection is false)"
    assert list(both.facts()) == ["pain", "infection"]


# --- groups ----------------------------------------------------------------------------------


def test_groups_describe_themselves_in_the_payers_words():
    leaf = crit("a", "pain > 6")
    assert Group("all", (leaf,)).describe() == "ALL of the following"
    assert Group("any", (leaf,)).describe() == "ANY of the following"
    assert Group("one", (leaf,)).describe() == "ONE of the following"
    assert Group("n_of", (leaf,), n=2).describe() == "AT LEAST 2 of the following"


def test_combine_rejects_an_unknown_group_kind():
    with pytest.raises(ValueError, match="unknown group kind 'most'"):
        combine("most", [M])


@pytest.mark.parametrize(
    ("statuses", "n", "expected"),
    [([M, M], 2, M), ([M, U], 2, U), ([M, N], 2, N), ([M, N, U], 1, M), ([A, A], 1, A)],
)
def test_at_least_n_at_its_boundary(statuses, n, expected):
    assert combine("n_of", statuses, n=n) is expected


# --- criteria: applicability, documentation, waivers ---------------------------------------------


def test_a_criterion_reads_its_rule_applicability_and_waiver_facts_once_each():
    c = crit(
        "a",
        "pain > 6",
        applies_when=Expr("all", (expr("infection is false"), expr("pain < 10"))),
        waivable=True,
        waiver_conditions="x",
        waiver_applies_when=expr("trial is false"),
    )
    assert c.facts == ("pain", "infection", "trial")


def test_proposals():
    applies = crit("a", "relief >= 50", applies_when=expr("trial is true"))
    assert propose(applies, {"trial": False, "relief": Decimal(10)}) is A
    assert propose(applies, {"relief": Decimal(60)}) is U  # applicability unknown
    assert propose(applies, {"trial": True}) is U
    assert propose(applies, {"trial": True, "relief": Decimal(60)}) is M
    assert propose(applies, {"trial": True, "relief": Decimal(40)}) is N


def test_a_documentation_only_criterion_is_unknown_when_its_document_is_missing():
    doc = crit("R.3", "report is true", documentation_only=True)
    plain = crit("R.3", "report is true")
    assert propose(doc, {"report": False}) is U and propose(plain, {"report": False}) is N
    assert propose(doc, {"report": True}) is M and propose(doc, {}) is U
    result = evaluate(checklist(doc), {"report": False})
    item = result.by_label["R.3"]
    assert item.status is U and item.documentation_missing is True and item.proposed is U
    assert (
        result.outcome is Outcome.INCOMPLETE and result.failed == [] and result.unknown == ["R.3"]
    )
    assert evaluate(checklist(doc), {}).by_label["R.3"].documentation_missing is False
    assert evaluate(checklist(doc), {"report": True}).by_label["R.3"].documentation_missing is False
    assert (
        evaluate(checklist(plain), {"report": False}).by_label["R.3"].documentation_missing is False
    )
    not_applicable = crit(
        "R.3", "report is true", documentation_only=True, applies_when=expr("trial is true")
    )
    undecided = evaluate(checklist(not_applicable), {"report": False}).by_label["R.3"]
    assert undecided.status is U and undecided.documentation_missing is False
    assert (
        evaluate(checklist(not_applicable), {"trial": False, "report": False})
        .by_label["R.3"]
        .documentation_missing
        is False
    )


def test_the_policys_waiver_is_open_only_where_its_condition_holds():
    scoped = crit(
        "II.A.1",
        "relief >= 50",
        waivable=True,
        waiver_conditions="x",
        waiver_applies_when=expr("trial is false"),
    )
    everywhere = crit("X", "relief >= 50", waivable=True, waiver_conditions="x")
    none = crit("Y", "relief >= 50")
    assert waiver_open(scoped, {"trial": False}) is True
    assert waiver_open(scoped, {"trial": True}) is False
    assert waiver_open(scoped, {}) is None
    assert waiver_open(everywhere, {}) is True
    assert waiver_open(none, {"trial": False}) is False
    result = evaluate(checklist(Group("all", (scoped, none))), {"trial": False})
    assert result.by_label["II.A.1"].waiver_open is True
    assert result.by_label["Y"].waiver_open is False


# --- routes ------------------------------------------------------------------------------------

MINOR = Route(Outcome.NOT_ADDRESSED, "Not for minors.", "T.1", when=expr("age < 18"))
BACLOFEN = Route(Outcome.EXTERNAL, "Baclofen.", "D", "PHAR.149", when=expr("infection is true"))
OTHER = Route(Outcome.EXTERNAL, "Other.", "D", "MP.107", when=expr("infection is false"))


def test_routes_are_tried_in_order_and_an_unknown_one_stops_the_search():
    c = checklist(crit("a", "pain > 6"), routes=(MINOR, BACLOFEN))
    assert choose_route(c, {"age": 17}) == (MINOR, ())
    assert choose_route(c, {"age": 40, "infection": True}) == (BACLOFEN, ())
    assert choose_route(c, {"age": 40, "infection": False}) == (None, ())
    assert choose_route(c, {"infection": True}) == (None, ("age",))
    assert choose_route(c, {"age": 40}) == (None, ("infection",))
    assert MINOR.facts == ("age",)
    two = Route(Outcome.NOT_ADDRESSED, "x", when=Expr("all", (expr("age < 18"), expr("pain > 6"))))
    both = checklist(crit("a", "pain > 6"), routes=(two,))
    assert choose_route(both, {"age": 12}) == (None, ("pain",))  # only what is missing
    assert choose_route(both, {}) == (None, ("age", "pain"))
    assert Route(Outcome.EXTERNAL, "x", external="IQ").facts == ()


def test_a_route_decides_the_outcome_before_the_criteria():
    c = checklist(crit("a", "pain > 6"), routes=(MINOR,))
    minor = evaluate(c, {"age": 17, "pain": 3})
    assert minor.outcome is Outcome.NOT_ADDRESSED and minor.route is MINOR
    assert minor.route_unknown == ()
    adult = evaluate(c, {"age": 18, "pain": 3})
    assert adult.outcome is Outcome.NOT_MET and adult.route is None
    assert evaluate(c, {"age": 18, "pain": 7}).outcome is Outcome.MEETS
    unknown = evaluate(c, {"pain": 7})
    assert unknown.outcome is Outcome.INCOMPLETE and unknown.route_unknown == ("age",)
    assert evaluate(c, {"pain": 3}).outcome is Outcome.INCOMPLETE  # a minor would not be denied


def test_an_external_checklist_routes_to_its_criteria_and_routes_follow_inclusions():
    external = checklist(crit("EXT", "infection is false"), external="InterQual")
    [route] = external.all_routes()
    assert route == Route(
        Outcome.EXTERNAL,
        "This policy sends these requests to InterQual.",
        "InterQual",
        "InterQual",
        None,
    )
    assert evaluate(external, {}).outcome is Outcome.EXTERNAL
    written = checklist(
        crit("EXT", "infection is false"), external="A or B", routes=(BACLOFEN, OTHER)
    )
    assert written.all_routes() == (BACLOFEN, OTHER)
    trial = checklist(crit("a", "pain > 6"), "trial", routes=(MINOR,))
    permanent = checklist(
        Group("all", (Include(trial), crit("b", "relief >= 50"))), "permanent", routes=(BACLOFEN,)
    )
    assert permanent.all_routes() == (BACLOFEN, MINOR)
    assert permanent.facts == ("infection", "age", "pain", "relief")
    assert evaluate(permanent, {"age": 12, "infection": False}).outcome is Outcome.NOT_ADDRESSED


# --- checklists ---------------------------------------------------------------------------------


def test_documents_to_request_include_the_included_checklists_first_once_each():
    trial = checklist(crit("a", "pain > 6"), "trial", documents_to_request=("notes", "imaging"))
    permanent = checklist(
        Group("all", (Group("all", (Include(trial),)), crit("b", "relief >= 50"))),
        "permanent",
        documents_to_request=("trial report", "notes"),
    )
    assert permanent.all_documents_to_request() == ("notes", "imaging", "trial report")
    assert trial.all_documents_to_request() == ("notes", "imaging")


def test_a_criterion_is_found_by_label_in_included_checklists_too():
    trial = checklist(Group("all", (crit("a", "pain > 6"), crit("b", "pain > 2"))), "trial")
    permanent = checklist(Group("all", (Include(trial), crit("c", "relief >= 50"))))
    assert permanent.criterion("b").met_when == expr("pain > 2")
    assert permanent.criterion("c").label == "c"
    with pytest.raises(KeyError) as caught:
        permanent.criterion("z")
    assert caught.value.args == ("z",)


# --- evaluation: what counts against the request, and the traces -----------------------------------


def test_a_failed_alternative_inside_a_satisfied_group_does_not_count():
    c = checklist(
        Group(
            "all",
            (
                Group("any", (crit("a", "pain > 6"), crit("b", "infection is false"))),
                crit("c", "relief >= 50"),
            ),
        )
    )
    result = evaluate(c, {"pain": 3, "infection": False, "relief": Decimal(60)})
    assert result.outcome is Outcome.MEETS and result.failed == [] and result.decisive == {"c"}
    result = evaluate(c, {"pain": 3, "infection": True})
    assert result.failed == ["a", "b"] and result.unknown == ["c"]
    assert result.decisive == {"a", "b", "c"}
    assert result.status_of("a") is N and result.by_label["c"].status is U
    unknown_alternative = evaluate(c, {"infection": False, "relief": Decimal(60)})
    assert unknown_alternative.unknown == [] and unknown_alternative.outcome is Outcome.MEETS


def test_answers_and_exceptions_and_their_sources():
    c = checklist(Group("all", (crit("1", "pain > 6"), crit("2", "infection is false"))))
    result = evaluate(c, {"pain": 3, "infection": True}, answers={"1": Status.MET}, excepted={"2"})
    assert result.by_label["1"].source == "answer" and result.by_label["1"].status is M
    assert result.by_label["1"].proposed is N
    assert result.by_label["2"].source == "exception" and result.by_label["2"].status is M
    assert result.outcome is Outcome.MEETS
    waiting = evaluate(c, {"pain": 7, "infection": False}, facts_decide=False)
    assert [item.status for item in waiting.criteria] == [U, U]
    assert [item.source for item in waiting.criteria] == ["facts", "facts"]
    assert [item.proposed for item in waiting.criteria] == [M, M]
    assert waiting.outcome is Outcome.INCOMPLETE
    answered = evaluate(c, {}, answers={"1": "not_met", "2": "met"})
    assert answered.status_of("1") is N and answered.outcome is Outcome.NOT_MET


def test_the_trace_names_every_fact_it_read_with_its_value():
    c = checklist(
        crit("1", "relief >= 50", applies_when=expr("trial is true")),
    )
    result = evaluate(c, {"trial": True})
    item = result.by_label["1"]
    assert item.label == "1"
    assert item.facts == {"relief": None, "trial": True}
    assert item.explain() == "relief >= 50; applies when trial is true | relief=missing, trial=true"
    other = evaluate(checklist(crit("2", "infection is false")), {"infection": False})
    assert other.by_label["2"].explain() == "infection is false | infection=false"
    number = evaluate(checklist(crit("3", "relief >= 50")), {"relief": Decimal("49.5")})
    assert number.by_label["3"].explain() == "relief >= 50 | relief=49.5"


def test_the_result_tree_mirrors_the_checklist():
    trial = checklist(crit("a", "pain > 6"), "trial")
    c = checklist(Group("all", (Include(trial), crit("b", "relief >= 50"))))
    result = evaluate(c, {"pain": 7, "relief": Decimal(40)})
    assert result.root.status is N
    include, leaf = result.root.children
    assert include.node.kind == "include" and include.status is M
    assert include.children[0].criterion.label == "a"
    assert leaf.criterion.label == "b" and leaf.status is N
    assert result.checklist is c and [item.label for item in result.criteria] == ["a", "b"]
    assert result.root.node is c.root and include.node.checklist is trial
    single = checklist(crit("only", "pain > 6"))
    alone = evaluate(single, {"pain": 7})
    assert alone.root.node is single.root and alone.root.criterion.label == "only"


def test_at_least_n_inside_a_checklist():
    c = checklist(
        Group(
            "n_of",
            (crit("a", "pain > 6"), crit("b", "infection is false"), crit("c", "relief >= 50")),
            n=2,
        )
    )
    met = evaluate(c, {"pain": 7, "infection": False, "relief": Decimal(1)})
    assert met.outcome is Outcome.MEETS
    short = evaluate(c, {"pain": 7, "infection": True, "relief": Decimal(1)})
    assert short.outcome is Outcome.NOT_MET and short.root.status is N
    assert evaluate(c, {"pain": 7, "infection": True}).outcome is Outcome.INCOMPLETE


# --- expressions as written in the library -----------------------------------------------------


def test_written_expressions_are_read_exactly():
    from criteria.expressions import parse_expr

    single = parse_expr("pain > 6", FACTS)
    assert single == Expr("test", test=Comparison("pain", ">", 6)) and single.op == "test"
    both = parse_expr(["pain > 6", "infection is false"], FACTS)
    assert both == Expr(
        "all",
        (
            Expr("test", test=Comparison("pain", ">", 6)),
            Expr("test", test=Comparison("infection", "is", False)),
        ),
    )
    assert parse_expr({"any": ["pain > 6"]}, FACTS).op == "any"


@pytest.mark.parametrize(
    ("raw", "place", "expected_place", "problem"),
    [
        ("pain >> 6", None, "", "cannot read the test 'pain >> 6' (expected: fact operator value)"),
        ({"all": "pain > 6"}, "met_when", "met_when.all", "expected a list, got str"),
        ({"any": {"x": 1}}, "met_when", "met_when.any", "expected a list, got dict"),
        ({"any": []}, "met_when", "met_when", "'any' needs at least one test"),
        ({"all": []}, None, "", "'all' needs at least one test"),
        (["pain > 6", "nothing > 1"], "w", "w.all[1]", "unknown fact 'nothing'"),
    ],
)
def test_unreadable_expressions_name_the_place_and_the_problem(raw, place, expected_place, problem):
    from criteria.expressions import ExpressionError, parse_expr

    with pytest.raises(ExpressionError) as caught:
        if place is None:
            parse_expr(raw, FACTS)
        else:
            parse_expr(raw, FACTS, place)
    assert caught.value.place == expected_place and caught.value.problem == problem
    assert str(caught.value) == (f"{expected_place}: {problem}" if expected_place else problem)
