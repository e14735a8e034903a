"""The trial-period check (SPEC §5): half-open segments, the union inside the window,
exactly one year."""

from __future__ import annotations

import datetime as dt

import pytest

from medexam.rules.trial import check_trial_period

WINDOW = {"window_start": "2021-01-01", "window_end": "2022-08-19", "year_days": 365}
D = dt.date.fromisoformat


def seg(start, end, status="completed", institution="沈阳市第一人民医院"):
    return {"start": start, "end": end, "status": status, "institution": institution}


def test_the_sources_example_is_exactly_one_year():
    check = check_trial_period(
        WINDOW, [seg("2021-08-01", "2022-01-20"), seg("2022-01-20", "2022-08-01", "pledged")]
    )
    assert (check.ok, check.covered_days, check.required_days) == (True, 365, 365)
    assert check.overlaps == ()  # touching segments do not overlap


def test_365_days_pass_and_364_do_not():
    assert check_trial_period(WINDOW, [seg("2021-03-01", "2022-03-01")]).ok is True
    short = check_trial_period(WINDOW, [seg("2021-03-01", "2022-02-28")])
    assert (short.ok, short.covered_days, short.missing_days) == (False, 364, 1)


def test_overlaps_count_once_and_are_reported():
    check = check_trial_period(
        WINDOW, [seg("2021-01-01", "2021-07-01"), seg("2021-06-01", "2022-01-01")]
    )
    assert check.covered_days == 365
    assert check.overlaps == ((D("2021-06-01"), D("2021-07-01")),)


def test_segments_are_clipped_at_the_window_start():
    check = check_trial_period(WINDOW, [seg("2020-07-01", "2021-12-31")])
    assert check.covered_days == 364  # 2021-01-01 … 2021-12-30
    assert check.ok is False


def test_segments_are_clipped_at_the_window_end_which_is_exclusive():
    check = check_trial_period(WINDOW, [seg("2021-08-19", "2023-01-01")])
    assert check.covered_days == 365  # 2021-08-19 … 2022-08-18
    assert check.ok is True
    assert check_trial_period(WINDOW, [seg("2022-08-19", "2023-09-01")]).covered_days == 0


def test_gaps_inside_the_window():
    check = check_trial_period(
        WINDOW, [seg("2021-02-01", "2021-05-01"), seg("2021-06-01", "2022-08-19")]
    )
    assert check.gaps == ((D("2021-01-01"), D("2021-02-01")), (D("2021-05-01"), D("2021-06-01")))
    assert check.covered_days == 595 - 31 - 31


def test_unreadable_segments_count_nothing_and_are_reported():
    check = check_trial_period(
        WINDOW,
        [
            seg("2021-05-01", "2021-04-01"),
            {"start": "x"},
            seg("2021-01-01", "2022-01-01", status="maybe"),
        ],
    )
    assert check.covered_days == 0
    assert [index for index, _ in check.invalid] == [0, 1, 2]
    assert "晚于" in check.invalid[0][1]


def test_no_segments():
    check = check_trial_period(WINDOW, [])
    assert (check.ok, check.covered_days) == (False, 0)
    assert check.gaps == ((D("2021-01-01"), D("2022-08-19")),)
    assert check.window_days == 595


@pytest.mark.parametrize("year_days", [300, 365])
def test_the_required_length_is_data(year_days):
    window = {**WINDOW, "year_days": year_days}
    check = check_trial_period(window, [seg("2021-01-01", "2021-11-01")])
    assert check.ok is (check.covered_days >= year_days)
