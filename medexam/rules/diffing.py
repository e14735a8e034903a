"""Dry run of a new rule file over the current candidates (`rules_diff`): who would change
route or required items, before the file is activated."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .evaluation import evaluate, profile_from_candidate


@dataclass(frozen=True)
class CandidateChange:
    registration_no: str
    name: str
    old_rule: str
    new_rule: str
    old_route: str
    new_route: str
    required_added: tuple[str, ...]
    required_removed: tuple[str, ...]

    @property
    def route_changed(self) -> bool:
        return self.old_route != self.new_route

    def as_dict(self) -> dict[str, Any]:
        return {
            "registration_no": self.registration_no,
            "name": self.name,
            "rule": [self.old_rule, self.new_rule],
            "route": [self.old_route, self.new_route],
            "required_added": list(self.required_added),
            "required_removed": list(self.required_removed),
        }


@dataclass(frozen=True)
class RulesDiff:
    candidates: int  # how many were evaluated
    changes: tuple[CandidateChange, ...]

    @property
    def route_changes(self) -> int:
        return sum(1 for c in self.changes if c.route_changed)


def diff_profiles(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    people: Iterable[tuple[str, str, dict[str, Any]]],
) -> RulesDiff:
    """`people`: (registration_no, name, profile). A change is a different rule row or a
    different set of required items; reasons and wording changes alone are not reported."""
    changes = []
    count = 0
    for registration_no, name, profile in people:
        count += 1
        before, after = evaluate(old, profile), evaluate(new, profile)
        old_required, new_required = set(before.required), set(after.required)
        if (
            before.rule_code == after.rule_code
            and old_required == new_required
            and (before.route == after.route)
        ):
            continue
        changes.append(
            CandidateChange(
                registration_no=registration_no,
                name=name,
                old_rule=before.rule_code,
                new_rule=after.rule_code,
                old_route=before.route,
                new_route=after.route,
                required_added=tuple(sorted(new_required - old_required)),
                required_removed=tuple(sorted(old_required - new_required)),
            )
        )
    return RulesDiff(candidates=count, changes=tuple(changes))


def candidate_profiles(exam_slug: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(registration_no, name, profile) of every candidate of an exam, streamed."""
    from medexam.candidates.models import Candidate

    queryset = Candidate.objects.filter(exam__slug=exam_slug).order_by("registration_no")
    for candidate in queryset.iterator(chunk_size=2000):
        yield candidate.registration_no, candidate.name, profile_from_candidate(candidate)
