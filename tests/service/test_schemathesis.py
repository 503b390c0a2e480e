"""Schemathesis against the live app on both databases: no 5xx, and every answer as the document says.

For every operation of /api/openapi.json, a bounded number of valid and of invalid requests
(Schemathesis' positive and negative modes) are sent as an admin, and each answer goes through
every check Schemathesis has: no server error, a documented status, the documented content type
and response schema, negative data rejected, positive data accepted, and so on.
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}
# Operations whose bodies obey rules JSON Schema cannot state, checked by the service with a 400
# naming the field: a rule's grammar (the escalation leaf), an SLA calendar, which fields each bulk
# action needs, a reorder listing every rule once, a merge with another customer, a dashboard range
# of at most 1,000 buckets, a subscription URL that must not point into the private network. Every
# other check still runs on them (no 5xx, documented statuses, schemas, negative data rejected);
# only "a schema-valid request is accepted" is not asked of them.
SEMANTIC = {
    "POST /api/rules",
    "PATCH /api/rules/{rule_id}",
    "POST /api/rules/preview",
    "PUT /api/rules/order",
    "POST /api/sla/policies",
    "PATCH /api/sla/policies/{policy_id}",
    "POST /api/conversations/bulk",
    "POST /api/customers/{customer_id}/merge",
    "GET /api/dashboard",
    "GET /api/dashboard/messages",
    "GET /api/dashboard/series",  # the same range rule
    "GET /api/dashboard/terms",
    "GET /api/reports",  # a custom period needs both days, in order, at most 400 days, in a real zone
    "GET /api/reports/conversations",
    "POST /api/webhooks",
    "POST /api/channels",  # each kind's own settings (an email channel needs imap_host)
    "POST /api/admin/tokens",  # an expiry must be in the future
    "PUT /api/digest/settings",  # figure keys must be ones that exist (listening streams add theirs)
    # a stream needs at least one keyword, hashtag or phrase; settings only for the networks it names
    "POST /api/listening/streams",
    "PATCH /api/listening/streams/{stream_id}",
    "POST /api/listening/preview",
    "GET /api/listening/summary",  # until after since
}

# Times are documented as date-time in the years 1970-2099 (a pattern on the year); generate them
# in that range directly rather than filtering Hypothesis' date-times of any year through the pattern.
schemathesis.openapi.format(
    "date-time",
    st.datetimes(datetime(1970, 1, 2), datetime(2099, 12, 30), timezones=st.just(UTC)).map(
        lambda t: t.isoformat().replace("+00:00", "Z")
    ),
)


def operations(app) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_every_operation_answers_as_documented(app, world, mode):
    auth = world.agent("admin")["auth"]
    ops = operations(app)
    assert len(ops) >= 40
    failures: list[str] = []
    for op in ops:
        semantic = f"{op.method.upper()} {op.path}" in SEMANTIC
        run = check_operation(op.as_strategy(generation_mode=mode), EXAMPLES[mode], auth, semantic)
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, then all reported
            detail = "".join(traceback.format_exception(exc))[-3000:]
            failures.append(f"{op.method.upper()} {op.path}: {detail}")
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)


def check_operation(strategy, examples: int, auth: dict[str, str], semantic: bool):  # type: ignore[no-untyped-def]
    """A hypothesis test of one operation: draw a request, send it, run every check on the answer."""
    excluded = [positive_data_acceptance] if semantic else []

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=auth, excluded_checks=excluded)

    return run
