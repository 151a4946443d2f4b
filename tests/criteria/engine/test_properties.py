"""Property-based checks of the engine's three-valued logic."""

from hypothesis import given
from hypothesis import strategies as st

from criteria.engine import Status, combine

statuses = st.lists(st.sampled_from(list(Status)), max_size=8)


@given(statuses)
def test_all_is_not_met_exactly_when_a_child_is_not_met(children):
    result = combine("all", children)
    assert (result is Status.NOT_MET) == (Status.NOT_MET in children)


@given(statuses)
def test_any_is_met_exactly_when_a_child_is_met(children):
    assert (combine("any", children) is Status.MET) == (Status.MET in children)


@given(statuses)
def test_unknowns_never_decide_a_group_that_is_already_decided(children):
    """Replacing every UNKNOWN child by MET or by NOT_MET: if both give the same result, the
    group with unknowns must give that result too (unknowns only matter when they could)."""
    for kind in ("all", "any"):
        as_met = combine(kind, [Status.MET if s is Status.UNKNOWN else s for s in children])
        as_not = combine(kind, [Status.NOT_MET if s is Status.UNKNOWN else s for s in children])
        result = combine(kind, children)
        if as_met is as_not:
            assert result is as_met
        else:
            assert result is Status.UNKNOWN


@given(statuses, st.integers(min_value=1, max_value=4))
def test_at_least_n_agrees_with_counting(children, n):
    result = combine("n_of", children, n=n)
    relevant = [s for s in children if s is not Status.NOT_APPLICABLE]
    if not relevant:
        assert result is Status.NOT_APPLICABLE
    elif relevant.count(Status.MET) >= n:
        assert result is Status.MET
    elif relevant.count(Status.MET) + relevant.count(Status.UNKNOWN) < n:
        assert result is Status.NOT_MET
    else:
        assert result is Status.UNKNOWN
