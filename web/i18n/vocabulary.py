"""The rule vocabulary's field names, for translators: escalation/ is a plain-Python leaf that cannot mark
strings, so its English labels are listed here (a test keeps this list in step with escalation.fields) and the
rule editor shows `t(field.label)`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FIELD_LABELS = (
    _l("message text"),
    _l("language"),
    _l("sentiment"),
    _l("sentiment label"),
    _l("channel"),
    _l("message public"),
    _l("author followers"),
    _l("author verified"),
    _l("customer VIP"),
    _l("lifecycle stage"),
    _l("customer value"),
    _l("customer open conversations"),
    _l("last CSAT"),
    _l("status"),
    _l("priority"),
    _l("labels"),
    _l("team"),
    _l("assignee"),
    _l("conversation age (min)"),
    _l("minutes since customer message"),
    _l("minutes since our reply"),
    _l("message count"),
    _l("business hours"),
    _l("SLA kind"),
    _l("SLA event"),
    _l("SLA state"),
    _l("minutes to SLA due"),
    _l("stream tag"),
)
