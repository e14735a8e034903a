"""Reads of the rules layer for other apps' pages."""

from __future__ import annotations

from .evaluation import Evaluation, evaluate, profile_from_candidate


def evaluation_for(candidate) -> Evaluation:
    """The route and personalised checklist of a Candidate under its exam's loaded rules."""
    return evaluate(candidate.exam.rules, profile_from_candidate(candidate))
