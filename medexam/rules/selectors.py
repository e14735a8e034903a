"""Reads of the rules layer for other apps' pages."""

from __future__ import annotations

from pathlib import Path

from .evaluation import Evaluation, evaluate, profile_from_candidate


def evaluation_for(candidate) -> Evaluation:
    """The route and personalised checklist of a Candidate under its exam's loaded rules."""
    return evaluate(candidate.exam.rules, profile_from_candidate(candidate))


def rules_for(source: str) -> tuple[dict, str]:
    """(rules, where they came from) for a slug or a file path.

    A slug names the loaded Exam's rules when that exam is in the database (what the pages
    use), else the shipped file of that name; a path is always read from disk and validated.
    """
    from django.db import DatabaseError

    from .loading import read_rules_file, resolve_exam_path
    from .models import Exam

    path = resolve_exam_path(source)
    if path != Path(source):  # a slug
        try:
            exam = Exam.objects.filter(slug=source).only("rules", "rules_version").first()
        except DatabaseError:  # no database yet: the shipped file still answers
            exam = None
        if exam is not None and exam.rules:
            return exam.rules, f"数据库中已导入的 {source}（版本 {exam.rules_version}）"
    data, _ = read_rules_file(path)
    return data, f"文件 {path}（版本 {data['version']}）"
