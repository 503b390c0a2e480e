from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.insights.analytics.orders_csv import (
    CustomerRef,
    OrderRow,
    OrdersFileError,
    iter_orders,
    parse_orders,
)

HEADER = "customer_email,amount,currency,ordered_at,order_id\n"


def lines(text: str) -> list[str]:
    return io.StringIO(text, newline="").readlines()


def test_valid_rows_are_parsed_exactly() -> None:
    text = (
        HEADER
        + "Ann@Example.com,12.50,eur,2024-03-01,A1\nbob@example.com,0.1,USD,2024-03-02T10:30:00+02:00,\n"
    )
    valid, rejected = parse_orders(lines(text))
    assert rejected == []
    assert valid[0] == OrderRow(
        2,
        CustomerRef("customer_email", "ann@example.com"),
        Decimal("12.50"),
        "EUR",
        datetime(2024, 3, 1, tzinfo=UTC),
        "A1",
    )
    assert valid[1].ordered_at == datetime(2024, 3, 2, 8, 30, tzinfo=UTC)
    assert valid[1].order_id is None
    assert valid[1].to_order().amount == Decimal("0.1")


def test_bad_rows_are_reported_by_line_number_and_parsing_goes_on() -> None:
    text = (
        HEADER
        + "a@x.com,10,EUR,2024-01-01,1\n"  # line 2 ok
        + "\n"  # line 3 blank: skipped
        + "not-an-email,10,EUR,2024-01-01,2\n"  # 4
        + "b@x.com,1,234.00,EUR,2024-01-01,3\n"  # 5 thousands comma -> wrong field count
        + "b@x.com,-5,EUR,2024-01-01,4\n"  # 6
        + "b@x.com,ten,EUR,2024-01-01,5\n"  # 7
        + "b@x.com,5,EURO,2024-01-01,6\n"  # 8
        + "b@x.com,5,EUR,yesterday,7\n"  # 9
        + ",5,EUR,2024-01-01,8\n"  # 10
        + "c@x.com,5,EUR,2024-01-01,1\n"  # 11 duplicate id
        + "d@x.com,NaN,EUR,2024-01-01,9\n"  # 12
        + "e@x.com,7.00,GBP,2024-02-29T23:59:59Z,10\n"  # 13 ok
    )
    valid, rejected = parse_orders(lines(text))
    assert [r.line_number for r in valid] == [2, 13]
    reasons = dict(rejected)
    assert list(reasons) == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "not an email" in reasons[4]
    assert "expected 5 fields, found 6" in reasons[5]
    assert "negative" in reasons[6]
    assert "plain decimal" in reasons[7] and "plain decimal" in reasons[12]
    assert "three-letter" in reasons[8]
    assert "ISO 8601" in reasons[9]
    assert "no customer reference" in reasons[10]
    assert "duplicate order_id '1' (first on line 2)" in reasons[11]


def test_multiline_record_is_reported_at_its_first_line() -> None:
    text = HEADER + 'a@x.com,"5\n0",EUR,2024-01-01,1\nb@x.com,5,EUR,2024-01-01,2\n'
    valid, rejected = parse_orders(lines(text))
    assert [r.line_number for r in valid] == [4]
    assert rejected[0][0] == 2 and "lines 2-3" in rejected[0][1]


def test_an_unbalanced_quote_reports_the_lines_it_swallowed() -> None:
    rows = [HEADER, 'a@x.com,"5,EUR,2024-01-01,1\n'] + [
        f"b@x.com,5,EUR,2024-01-01,{i}\n" for i in range(20_000)
    ]
    valid, rejected = parse_orders(rows)
    assert len(rejected) == 1
    line, reason = rejected[0]
    last = int(reason.split("lines 2-")[1].split(" ")[0])
    assert line == 2 and "field limit" in reason
    assert valid[0].line_number == last + 1  # every line is either parsed or named in the rejection
    assert len(valid) == 20_002 - last


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("\n\n", "empty"),
        (
            "name,price\nwidget,3\n",
            "lacks customer_id, customer_email or handle; amount; ordered_at; currency",
        ),
        ("customer_email,amount,ordered_at\na@x.com,1,2024-01-01\n", "lacks currency"),
        ("customer_email,email,amount,currency,ordered_at\n", "appears twice"),
        ("\x00\x01PK\x03\x04 binary", "NUL"),
        ("%PDF-1.7 something\nmore\n", "not an orders CSV"),
    ],
)
def test_a_file_that_is_not_an_orders_csv_raises_before_any_row(text: str, message: str) -> None:
    rows = iter_orders(lines(text) or [text])
    with pytest.raises(OrdersFileError, match=message.replace("(", r"\(")):
        next(rows)


def test_header_aliases_delimiters_bom_and_default_currency() -> None:
    text = "\ufeffEmail;Total;Order Date;Extra\na@x.com;3.5;2024-05-05;whatever\n"
    valid, rejected = parse_orders(lines(text), default_currency="jpy")
    assert rejected == []
    assert valid[0].amount == Decimal("3.5") and valid[0].currency == "JPY"
    tab = "customer_id\thandle\tamount\tcurrency\tordered_at\n\t@ann\t1\tEUR\t2024-01-01\n42\t@bob\t2\tEUR\t2024-01-01\n"
    valid, _ = parse_orders(lines(tab))
    assert [v.customer for v in valid] == [CustomerRef("handle", "ann"), CustomerRef("customer_id", "42")]


def test_progress_is_reported() -> None:
    text = HEADER + "".join(f"a@x.com,1,EUR,2024-01-01,{i}\n" for i in range(25))
    seen: list[int] = []
    parse_orders(lines(text), on_progress=seen.append, progress_every=10)
    assert seen == [10, 20, 25]


def generated_file(n: int):
    """A lazily generated file: the parser must not need it all in memory."""
    yield HEADER
    for i in range(n):
        if i % 10_000 == 5:
            yield f"broken-{i},x,EUR,2024-01-01,{i}\n"
        else:
            yield f"c{i % 7919}@example.com,{i % 997}.{i % 100:02d},EUR,2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z,o{i}\n"


def test_one_hundred_thousand_rows_stream_through() -> None:
    progress: list[int] = []
    valid, rejected = parse_orders(
        generated_file(100_000), on_progress=progress.append, progress_every=10_000
    )
    assert len(valid) == 99_990 and len(rejected) == 10
    assert [line for line, _ in rejected] == [i + 2 for i in range(5, 100_000, 10_000)]
    assert progress[-1] == 100_000 and len(progress) == 11
    assert valid[-1].order_id == "o99999" and valid[-1].line_number == 100_001
    assert sum(r.amount for r in valid[:3]) == Decimal("0.00") + Decimal("1.01") + Decimal("2.02")


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(st.lists(st.tuples(cells, cells, cells, cells, cells), max_size=30))
def test_any_row_content_is_either_accepted_or_rejected_never_crashes(rows: list[tuple[str, ...]]) -> None:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["customer_email", "amount", "currency", "ordered_at", "order_id"])
    writer.writerows(rows)
    valid, rejected = parse_orders(lines(buf.getvalue()))
    for row in valid:
        assert row.amount >= 0 and len(row.currency) == 3 and row.ordered_at.tzinfo is not None
    line_numbers = [r.line_number for r in valid] + [n for n, _ in rejected]
    assert len(line_numbers) == len(set(line_numbers))


@given(
    st.lists(
        st.tuples(
            st.integers(1, 10_000),
            st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
            st.sampled_from(["EUR", "usd", "Jpy"]),
            st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
        ),
        max_size=30,
    )
)
def test_valid_rows_round_trip(rows: list[tuple[int, Decimal, str, datetime]]) -> None:
    text = "customer_id,amount,currency,ordered_at\n" + "".join(
        f"{cid},{amount},{cur},{at.isoformat()}\n" for cid, amount, cur, at in rows
    )
    valid, rejected = parse_orders(lines(text))
    assert rejected == []
    assert [(int(v.customer.value), v.amount, v.currency, v.ordered_at) for v in valid] == [
        (cid, amount, cur.upper(), at.replace(tzinfo=UTC)) for cid, amount, cur, at in rows
    ]
