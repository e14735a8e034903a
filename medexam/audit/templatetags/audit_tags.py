from django import template

from medexam.audit.labels import action_label as _action_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    """{{ entry.action|action_label }}: the Chinese name of an audit action code."""
    return _action_label(code)
