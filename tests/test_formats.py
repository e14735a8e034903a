"""Sizes and times as people say them, one way everywhere."""

import datetime as dt

import pytest
from django.utils import timezone

from medexam.formats import day, human_size, moment


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (870, "870 字节"),
        (9728, "9.5 KB"),
        (201_728, "197 KB"),
        (204_800, "200 KB"),
        (3_756_800, "3.6 MB"),
    ],
)
def test_sizes_read_as_people_say_them(size, text):
    assert human_size(size) == text


def test_one_date_format_without_leading_zeros():
    moment_utc = dt.datetime(2022, 12, 4, 16, 5, tzinfo=dt.UTC)  # 12月5日 00:05 in Beijing
    assert moment(timezone.localtime(moment_utc)) == "2022年12月5日 00:05"
    assert day(dt.date(2022, 1, 5)) == "2022年1月5日"
