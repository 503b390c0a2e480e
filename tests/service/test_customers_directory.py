"""The customer directory: newest first, searchable by name or email, filtered by VIP and stage,
paged by id (the API) or by number (the page); for supervisors and admins; each row links to the
customer's page and to the latest conversation."""

from __future__ import annotations

from sqlalchemy import update

from inbox.store.models import Customer
from tests.service.conftest import message


def _customers(world, post_webhook, inbox, n: int) -> list[int]:
    channel_id, secret = world.webhook_channel()
    for i in range(n):
        body = message(f"d{i}", f"Hello {i}", author=f"cust{i}")
        body["author"]["name"] = f"Person {i:02d}"
        post_webhook(channel_id, secret, body)
    with inbox.read() as s:
        return sorted(s.scalars(Customer.__table__.select().with_only_columns(Customer.id)).all())


def test_directory_pages_newest_first_and_filters(client, world, post_webhook, inbox):
    sup = world.agent("supervisor")
    ids = _customers(world, post_webhook, inbox, 5)
    with inbox.unit_of_work() as uow:
        uow.session.execute(
            update(Customer).where(Customer.id == ids[1]).values(vip=True, email="vip@shop.example")
        )
    first = client.get("/api/customers?limit=2", headers=sup["auth"]).get_json()
    assert [c["id"] for c in first["customers"]] == [ids[4], ids[3]]
    assert first["more_before"] == ids[3]
    row = first["customers"][0]
    assert row["open_conversations"] == 1 and row["latest_conversation_id"] is not None
    assert row["identities"][0]["channel"] == "webhook"
    rest = client.get(
        f"/api/customers?limit=10&before={first['more_before']}", headers=sup["auth"]
    ).get_json()
    assert [c["id"] for c in rest["customers"]] == [ids[2], ids[1], ids[0]] and rest["more_before"] is None
    vip = client.get("/api/customers?vip=true", headers=sup["auth"]).get_json()["customers"]
    assert [c["id"] for c in vip] == [ids[1]]
    by_mail = client.get("/api/customers?q=VIP@SHOP", headers=sup["auth"]).get_json()["customers"]
    assert [c["id"] for c in by_mail] == [ids[1]]
    by_name = client.get("/api/customers?q=person%2003", headers=sup["auth"]).get_json()["customers"]
    assert [c["name"] for c in by_name] == ["Person 03"]
    # a % or _ is a character to find, not a wildcard
    assert client.get("/api/customers?q=%25", headers=sup["auth"]).get_json()["customers"] == []
    stage = client.get("/api/customers?stage=loyalty", headers=sup["auth"]).get_json()["customers"]
    assert stage == []


def test_directory_refuses_agents_and_bad_input(client, world):
    agent, sup = world.agent(), world.agent("supervisor")
    assert client.get("/api/customers", headers=agent["auth"]).status_code == 403
    assert client.get("/customers", headers=agent["auth"]).status_code == 403
    bad = client.get("/api/customers?stage=royalty", headers=sup["auth"])
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "stage"
    assert client.get("/api/customers?limit=0", headers=sup["auth"]).status_code == 400


def test_directory_page_links_to_the_latest_conversation(client, world, post_webhook, inbox):
    sup = world.agent("supervisor")
    ids = _customers(world, post_webhook, inbox, 3)
    html = client.get("/customers?q=person", headers=sup["auth"]).get_data(as_text=True)
    assert html.count('href="/?conversation=') == 3 and "Person 00" in html
    assert '<a href="/customers" aria-current="page">Customers</a>' in html
    assert html.count(f'href="/customers/{ids[0]}"') == 1
    paged = client.get("/customers?limit=2", headers=sup["auth"]).get_data(as_text=True)
    assert "page=2" in paged and "Next page" in paged and "Page 1 of 2" in paged
    assert f'data-id="{ids[2]}"' in paged and f'data-id="{ids[0]}"' not in paged
    last = client.get("/customers?limit=2&page=2", headers=sup["auth"]).get_data(as_text=True)
    assert f'data-id="{ids[0]}"' in last and "Next page" not in last and "Previous page" in last
    # the bar shows Customers to supervisors now that the page exists
    assert ">Customers</a>" in client.get("/", headers=sup["auth"]).get_data(as_text=True)
