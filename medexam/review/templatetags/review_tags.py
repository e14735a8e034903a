from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """{{ mapping|lookup:key }}: a dict entry by a variable key (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# The rules' reasons speak to the candidate ("您的最高学历为本科…"); a reviewer reads them
# about the candidate ("考生的最高学历为本科…").
@register.filter
def third_person(text: str) -> str:
    """{{ verdict.reason|third_person }}: the candidate's second-person text, for reviewers."""
    return text.replace("您", "考生")
