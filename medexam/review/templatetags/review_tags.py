from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from medexam.review.selectors import ROUTES

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


@register.simple_tag
def queue_rows(applications, selectable) -> SafeString:
    """{% queue_rows page.rows bulk_ids %}: the queue table's rows, built here (as Django's
    admin builds its change list rows): a page is 50 rows, and a dozen template lookups, a
    {% url %} and a |date per row cost ~0.3 ms a row in the template language, most of a
    queue page's time at any population (issue 15, bench/review_pages.py). Every value that
    is not a number of ours goes through html.escape (what django.utils.html.escape does,
    without a SafeString per value: format_html per row was 30 µs of the row's 60)."""
    marker = "987654321"
    head, tail = reverse("review:application", args=[marker]).split(marker)
    rows = []
    for a in applications:
        candidate = a.candidate
        name, number = escape(candidate.name), escape(candidate.registration_no)
        tags = ""
        if a.round > 1:
            tags += f' <span class="tag tag-resubmitted">第{int(a.round)}次提交</span>'
        if a.has_warnings:
            tags += ' <span class="tag tag-warn">有质量提示</span>'
        if a.precheck_issues:
            tags += ' <span class="tag tag-warn">预检发现问题</span>'
        at = timezone.localtime(a.submitted_at) if a.submitted_at else None
        pk = int(a.pk)
        box = (
            f'<input type="checkbox" name="ids" value="{pk}" id="bulk-{pk}" '
            f'aria-label="选择 {name}（{number}）批量通过">'
            if pk in selectable
            else ""
        )
        route = escape(" ".join(x for x in (ROUTES.get(a.route, ""), a.rule_code) if x))
        when = f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}" if at else ""
        holder = escape(str(a.claimed_by)) if a.claimed_by_id else ""
        rows.append(
            f'<tr><td>{box}</td><td><a href="{head}{pk}{tail}">{number}</a></td>'
            f"<td>{name}{tags}</td><td>{escape(candidate.masked_id_number)}</td>"
            f"<td>{escape(candidate.exam_site.name)}</td><td>{escape(a.get_state_display())}</td>"
            f"<td>{route}</td><td>{when}</td><td>{holder}</td></tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
