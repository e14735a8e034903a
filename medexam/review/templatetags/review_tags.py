from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """{{ mapping|lookup:key }}: a dict entry by a variable key (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
