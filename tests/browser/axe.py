"""axe-core in the browser tests: the engine ships inside the axe-playwright-python wheel
(installed by bin/test through bin/_venv, nothing fetched at run time) and runs against the
page as it is. A page passes with no serious or critical violation."""

from __future__ import annotations

BLOCKING = ("serious", "critical")


def violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    # Needs a page that runs script (page.evaluate has no timeout: it would wait forever).
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def report(found: list[dict]) -> str:
    lines = []
    for v in found:
        targets = "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return "\n".join(lines)


def assert_accessible(page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}:\n{report(found)}"
