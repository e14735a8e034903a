"""{% load formats %}: sizes and times as medexam.formats writes them."""

from django import template

from medexam import formats

register = template.Library()
register.filter("human_size", formats.human_size)
register.filter("day", formats.day)
register.filter("moment", formats.moment)


@register.filter
def slot_label(item, slot: str) -> str:
    """{{ image.item|slot_label:image.slot }}: 正面 / 反面 / 手持证件自拍."""
    return item.slot_label(slot)
