"""How sizes and times read in Chinese text, in one place: pages, messages and SMS say
"3.6 MB" and "2022年1月5日 14:30" the same way everywhere (exports keep ISO times)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def human_size(num_bytes: int) -> str:
    """As people say it: 870 字节, 9.5 KB, 197 KB, 3.6 MB (1 KB = 1,024 bytes, as the limit)."""
    if num_bytes < 1024:
        return f"{num_bytes} 字节"
    if num_bytes < 1024 * 1024:
        kb = num_bytes / 1024
        return f"{kb:.1f} KB" if kb < 10 else f"{kb:.0f} KB"
    return f"{num_bytes / (1024 * 1024):.1f} MB"


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year}年{value.month}月{value.day}日"


def moment(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day(local)} {local:%H:%M}"
