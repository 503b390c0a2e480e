"""The accessibility check every browser test can run on its page: axe-core, vendored.

axe-core (Deque, MPL-2.0) is served from web/static/vendor/axe.min.js, copied from its npm
package, so the check runs offline and under the pages' CSP (script-src 'self': a same-origin
script tag, never inline). `assert_accessible(page)` fails listing each serious or critical
violation with the elements it found; call it on any page once it has drawn.
"""

from __future__ import annotations

from typing import Any

AXE = "/static/vendor/axe.min.js"
BLOCKING = ("serious", "critical")


def violations(
    page: Any, *, impacts: tuple[str, ...] = BLOCKING, exclude: list[str] | None = None
) -> list[dict]:
    """axe-core's violations on the page as it is now, of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
        page.wait_for_function("() => typeof window.axe !== 'undefined'")
    context = {"exclude": [[sel] for sel in exclude]} if exclude else None
    found = page.evaluate(
        """async (context) => {
            const r = await axe.run(context || document, { resultTypes: ["violations"] });
            return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })) }));
        }""",
        context,
    )
    return [v for v in found if v["impact"] in impacts]


def assert_accessible(page: Any, *, label: str = "", exclude: list[str] | None = None) -> None:
    """No serious or critical axe-core violation on the page (`label` names it in the failure)."""
    found = violations(page, exclude=exclude)
    if found:
        lines = [f"{label or page.url}: {len(found)} serious/critical accessibility violations"]
        for v in found:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines.extend(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
        raise AssertionError("\n".join(lines))
