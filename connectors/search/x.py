"""X API v2 recent search (GET /2/tweets/search/recent) for a listening stream.

The same sweep as the mention timeline (`connectors.x.sweep_page`, shared): ask `since_id=<mark>`, follow
`meta.next_token` (search's paging parameter is `next_token`, not `pagination_token`) to the
end, and only then raise the mark to the largest id seen. The half-done sweep lives in the
cursor, so a 429 in the middle resumes at the same page after `x-rate-limit-reset`.
Recent search covers seven days, so the first poll starts at most `backfill_days` (<= 7) back.
"""

from __future__ import annotations

from typing import Any

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, Option
from connectors.http import Transport
from connectors.types import Batch
from connectors.x import FIELDS, start_state, sweep_page

WINDOW_DAYS = 7  # recent search reaches back seven days


class XSearch(BaseConnector):
    """Posts matching `settings.query` (X search syntax), oldest first, each page once."""

    kind = "x"
    pulled = True
    options = (
        Option("base_url", default="https://api.x.com"),
        Option("query", required=True, help="X search syntax, built from the stream"),
        Option("bearer_token", secret=True, required=True, help="app-only bearer token"),
        Option("page_size", default=100),
        Option("timeout", default=10.0),
        BACKFILL,
    )

    @property
    def api(self) -> Transport:
        return self.transport("x", {"Authorization": f"Bearer {self.secret('bearer_token')}"})

    def poll(self, cursor: str | None) -> Batch:
        """One page of the sweep above `since_id`; the mark moves only when the sweep ends."""
        days = min(float(self.settings[BACKFILL.name]), WINDOW_DAYS - 0.01)
        state = cur.load(cursor) or start_state(self.clock() - days * 86400)
        params: dict[str, Any] = {
            **FIELDS,
            "query": self.settings["query"],
            "max_results": max(10, min(100, int(self.settings["page_size"]))),
        }
        return sweep_page(self.api, "/2/tweets/search/recent", state, params, "next_token")

    def test(self) -> str:
        """One search call proves the token and the query."""
        body = self.api.call(
            "GET", "/2/tweets/search/recent", params={"query": self.settings["query"], "max_results": 10}
        ).data
        return f"{(body.get('meta') or {}).get('result_count', 0)} recent posts match"
