"""Order import: 100,000 rows through `murmur import orders`, bad rows by line, wrong files store nothing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from inbox.store.models import Customer, Identity, Order
from web.cli import main

N = 100_000
CUSTOMERS = 200
BAD = {17: "amount", 5000: "email", 77_777: "date", 99_999: "unknown"}  # data row index -> defect


def _customers(inbox) -> None:
    with inbox.unit_of_work() as uow:
        s = uow.session
        for i in range(CUSTOMERS):
            c = Customer(name=f"c{i}", email=f"c{i}@example.com")
            s.add(c)
            s.flush()
            s.add(Identity(customer_id=c.id, channel="mastodon", external_id=f"x{i}", handle=f"handle{i}"))


def _write(path: Path) -> dict[int, str]:
    """Write N data rows; returns the expected rejected line numbers (header is line 1)."""
    lines = ["order_id,customer_email,handle,amount,currency,ordered_at"]
    expected = {}
    for i in range(N):
        email, handle, amount, date = f"c{i % CUSTOMERS}@example.com", "", f"{10 + i % 90}.50", "2024-01-15"
        if i % 3 == 0:
            email, handle = "", f"@handle{i % CUSTOMERS}"
        defect = BAD.get(i)
        if defect == "amount":
            amount = "12.5.0"
        elif defect == "email":
            email, handle = "not-an-email", ""
        elif defect == "date":
            date = "15/01/2024"
        elif defect == "unknown":
            email, handle = "nobody@example.com", ""
        if defect:
            expected[i + 2] = defect
        lines.append(f"o{i},{email},{handle},{amount},EUR,{date}")
    path.write_text("\n".join(lines) + "\n")
    return expected


def _count(inbox) -> int:
    with inbox.read() as s:
        return s.scalar(select(func.count(Order.id)))


def _run(database_url, tmp_path, *args):
    return CliRunner().invoke(
        main,
        ["import", "orders", *args],
        env={
            "MURMUR_DATABASE_URL": database_url,
            "MURMUR_INSTANCE_PATH": str(tmp_path),
            "MURMUR_SECRET_KEY": "k",
        },
    )


def test_hundred_thousand_rows_with_bad_rows_by_line_number(inbox, database_url, tmp_path):
    _customers(inbox)
    path = tmp_path / "orders.csv"
    expected = _write(path)
    result = _run(database_url, tmp_path, str(path))
    assert result.exit_code == 0, result.output
    assert f"{N - len(BAD)} orders imported" in result.output
    assert "Importing orders" in result.output  # the progress bar
    reported = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert [int(r.split()[1].rstrip(":")) for r in reported] == sorted(expected)
    assert "nobody@example.com" in reported[-1] and "12.5.0" in reported[0]
    assert _count(inbox) == N - len(BAD)
    with inbox.read() as s:
        assert s.scalar(select(func.count(Customer.id)).where(Customer.rfm_segment.is_not(None))) == CUSTOMERS
        assert s.scalar(select(func.count(Customer.id)).where(Customer.vip.is_(True))) >= 1
    again = _run(database_url, tmp_path, str(path))  # idempotent on order_id
    assert again.exit_code == 0 and "0 orders imported" in again.output
    assert f"{N - len(BAD)} already present" in again.output
    assert _count(inbox) == N - len(BAD)


def test_a_file_that_is_not_an_orders_csv_stores_nothing(inbox, database_url, tmp_path):
    _customers(inbox)
    wrong = tmp_path / "people.csv"
    wrong.write_text("name,email\nAda,c1@example.com\n")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\x00\x00\x01order_id,amount\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    for path in (wrong, binary, empty):
        result = _run(database_url, tmp_path, str(path))
        assert result.exit_code != 0 and "nothing was imported" in result.output
    assert _count(inbox) == 0


def test_orders_api_is_idempotent_and_rejects_unknown_customers(client, world, inbox):
    _customers(inbox)
    sup = world.agent("supervisor", teams=())
    body = {
        "orders": [
            {
                "order_id": "a1",
                "customer_email": "c1@example.com",
                "amount": "20.00",
                "currency": "EUR",
                "ordered_at": "2024-02-01T10:00:00Z",
            },
            {
                "order_id": "a2",
                "handle": "@handle2",
                "amount": 5,
                "currency": "EUR",
                "ordered_at": "2024-02-02",
            },
            {
                "order_id": "a3",
                "customer_email": "ghost@example.com",
                "amount": 1,
                "currency": "EUR",
                "ordered_at": "2024-02-02",
            },
        ]
    }
    got = client.post("/api/orders", json=body, headers=sup["auth"]).get_json()
    assert (got["imported"], got["duplicates"]) == (2, 0)
    assert got["rejected"] == [{"line": 3, "reason": "no customer with customer_email 'ghost@example.com'"}]
    got = client.post("/api/orders", json=body, headers=sup["auth"]).get_json()
    assert (got["imported"], got["duplicates"]) == (0, 2)
    bad = client.post(
        "/api/orders",
        json={"orders": [{"amount": 1, "currency": "EUR", "ordered_at": "2024-01-01"}]},
        headers=sup["auth"],
    )
    assert bad.status_code == 400
    agent = world.agent()
    assert client.post("/api/orders", json=body, headers=agent["auth"]).status_code == 403
