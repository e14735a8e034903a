from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
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
    """{% queue_rows page.rows bulk_ids %}: the queue table's rows, built here with
    format_html (every value escaped) as Django's admin builds its change list rows: a page
    is 50 rows, and a dozen template lookups, a {% url %} and a |date per row cost ~0.3 ms a
    row in the template language, most of a queue page's time at any population (issue 15,
    bench/review_pages.py)."""
    marker = 987654321
    url = reverse("review:application", args=[marker])
    rows = []
    for a in applications:
        candidate = a.candidate
        tags = []
        if a.round > 1:
            tags.append(("tag-resubmitted", f"第{a.round}次提交"))
        if a.has_warnings:
            tags.append(("tag-warn", "有质量提示"))
        if a.precheck_issues:
            tags.append(("tag-warn", "预检发现问题"))
        at = timezone.localtime(a.submitted_at) if a.submitted_at else None
        box = (
            format_html(
                '<input type="checkbox" name="ids" value="{}" id="bulk-{}" '
                'aria-label="选择 {}（{}）批量通过">',
                a.pk,
                a.pk,
                candidate.name,
                candidate.registration_no,
            )
            if a.pk in selectable
            else ""
        )
        rows.append(
            format_html(
                '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}{}</td><td>{}</td>'
                "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                box,
                url.replace(str(marker), str(a.pk)),
                candidate.registration_no,
                candidate.name,
                format_html_join("", ' <span class="tag {}">{}</span>', tags),
                candidate.masked_id_number,
                candidate.exam_site.name,
                a.get_state_display(),
                " ".join(x for x in (ROUTES.get(a.route, ""), a.rule_code) if x),
                f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}" if at else "",
                str(a.claimed_by) if a.claimed_by_id else "",
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - each row is format_html's, values escaped
