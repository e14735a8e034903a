"""{% load formats %}: sizes and times as medexam.formats writes them."""

from django import template

from medexam import formats

register = template.Library()
register.filter("human_size", formats.human_size)
register.filter("day", formats.day)
register.filter("moment", formats.moment)
