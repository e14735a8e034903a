"""Invariants of the evaluation over generated profiles (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from medexam.rules.evaluation import evaluate
from medexam.rules.trial import check_trial_period
from tests.rules.conftest import RULES_2022

FIELDS = RULES_2022["profile_fields"]
STATUSES = {"required", "recommended", "optional", "not_applicable", "check"}
CODES = [item["code"] for item in RULES_2022["items"]]

dates = st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2024, 12, 31))
segments = st.lists(
    st.tuples(
        dates, st.integers(min_value=1, max_value=900), st.sampled_from(["completed", "pledged"])
    ).map(
        lambda t: {
            "start": t[0].isoformat(),
            "end": (t[0] + dt.timedelta(days=t[1])).isoformat(),
            "status": t[2],
        }
    ),
    max_size=5,
)
VALUES = {
    "military": st.booleans(),
    "passed_review_years": st.lists(st.integers(min_value=2015, max_value=2023), max_size=3),
    "education_level": st.sampled_from(list(FIELDS["education_level"]["choices"])),
    "education_type": st.sampled_from(list(FIELDS["education_type"]["choices"])),
    "graduation_date": st.one_of(st.none(), dates.map(dt.date.isoformat)),
    "chsi_verifiable": st.booleans(),
    "postgraduate_in_school": st.booleans(),
    "graduating_this_year": st.booleans(),
    "assistant_upgrade": st.booleans(),
    "extra_exam": st.sampled_from([None, "pediatrics", "prehospital_emergency"]),
    "residency": st.sampled_from(list(FIELDS["residency"]["choices"])),
    "institution_lacks_subject": st.booleans(),
    "major": st.sampled_from(["临床医学", "农村医学", "卫生保健", "口腔医学", ""]),
    "trial_segments": segments,
}
complete_profiles = st.fixed_dictionaries(VALUES)
# Any subset of the fields, plus junk values, to exercise totality.
junk = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
partial_profiles = st.fixed_dictionaries(
    {}, optional={name: st.one_of(strategy, junk) for name, strategy in VALUES.items()}
)


@settings(max_examples=150, deadline=None)
@given(partial_profiles)
def test_evaluation_is_total_and_deterministic(profile):
    first = evaluate(RULES_2022, profile)
    assert first == evaluate(RULES_2022, dict(profile))
    assert list(first.items) == CODES
    assert all(
        v.status in STATUSES and v.reason and "{" not in v.reason for v in first.items.values()
    )
    assert first.rule_code in {r["code"] for r in RULES_2022["routes"]}
    assert (first.trial_period is None) == ("trial_segments" not in profile)


@settings(max_examples=100, deadline=None)
@given(partial_profiles)
def test_a_military_candidate_is_always_r1_with_nothing_required(profile):
    result = evaluate(RULES_2022, {**profile, "military": True})
    assert result.rule_code == "R1"
    assert result.route == "offline"
    assert not [
        v for v in result.items.values() if v.status in ("required", "recommended", "check")
    ]


@settings(max_examples=150, deadline=None)
@given(complete_profiles)
def test_a_complete_profile_leaves_nothing_to_check_and_needs_id_proof(profile):
    result = evaluate(RULES_2022, profile)
    assert "check" not in {v.status for v in result.items.values()}
    # Only an empty graduation date can leave the route undecided (then: a notice).
    assert (result.notice == "") or profile["graduation_date"] is None
    if result.rule_code != "R1":
        assert result.items["id_proof"].status == "required"
    assert (result.route == "online") == (result.rule_code in ("R2", "R7"))
    assert (result.items["other"].status == "required") == (result.rule_code == "R2")


@settings(max_examples=100, deadline=None)
@given(complete_profiles)
def test_passing_the_review_in_2021_makes_any_non_military_candidate_r2(profile):
    result = evaluate(RULES_2022, {**profile, "military": False, "passed_review_years": [2021]})
    assert result.rule_code == "R2"


@settings(max_examples=150, deadline=None)
@given(segments, segments)
def test_trial_cover_is_bounded_order_free_and_monotonic(first, more):
    window = RULES_2022["trial_period"]
    base = check_trial_period(window, first)
    assert 0 <= base.covered_days <= base.window_days
    assert base.ok == (base.covered_days >= 365)
    assert check_trial_period(window, list(reversed(first))).covered_days == base.covered_days
    assert check_trial_period(window, first + more).covered_days >= base.covered_days
    gap_days = sum((end - start).days for start, end in base.gaps)
    assert gap_days + base.covered_days == base.window_days
