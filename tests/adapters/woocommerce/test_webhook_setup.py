"""ensure_webhooks: order.created and order.updated delivered to our URL, once, switched back on when disabled.

Prism checks that each request is one the spec accepts; it keeps no state and lists only a
placeholder webhook, so the cases that need a store's real list (a disabled webhook, one at an old
address) run against a local server answering a scripted sequence.
"""

import json

import pytest

from adapters.woocommerce_bridge.adapter import WebhookPlan, plan_webhooks, webhook_name
from adapters.woocommerce_bridge.client import WooCommerceCredentials
from adapters.woocommerce_bridge.errors import PayloadError
from retino_core.platforms.http import Invalid
from retino_core.platforms.interface import WebhookSetup
from tests.adapters.woocommerce.helpers import STORED_SECRET, assert_validated, build_adapter
from tests.platforms.conftest import server  # noqa: F401 - the scripted local server fixture

CALLBACK = "https://returns.example.test/webhooks/woocommerce/Ab3dE"
OLD_CALLBACK = "https://old-host.example.test/webhooks/woocommerce/Ab3dE"
LIST_PATH = "/webhooks?status=all&orderby=id&order=asc&page=1&per_page=100"


def _webhook(webhook_id, topic, delivery_url=CALLBACK, status="active", name=None):
    return {
        "id": webhook_id,
        "name": name if name is not None else webhook_name(topic),
        "status": status,
        "topic": topic,
        "resource": "order",
        "event": topic.partition(".")[2],
        "delivery_url": delivery_url,
    }


def _json(value):
    return (200, {"Content-Type": "application/json"}, json.dumps(value).encode())


def _received(scripted):
    return [(request.method, request.path) for request in scripted.received]


def _body(scripted, index):
    return json.loads(scripted.received[index].body)


# Against the spec


def test_a_store_without_our_webhooks_gets_both_created_with_the_channels_secret(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    setup = adapter.ensure_webhooks(CALLBACK)

    # The mock lists one placeholder webhook (topic "string", another URL), which is not ours.
    assert setup == WebhookSetup(created=("order.created", "order.updated"))
    assert wire.calls == [("GET", LIST_PATH), ("POST", "/webhooks"), ("POST", "/webhooks")]
    assert_validated(wire)
    assert [wire.request_body(index) for index in (1, 2)] == [
        {
            "name": "Retino - order.created",
            "topic": "order.created",
            "delivery_url": CALLBACK,
            "secret": STORED_SECRET,
            "status": "active",
        },
        {
            "name": "Retino - order.updated",
            "topic": "order.updated",
            "delivery_url": CALLBACK,
            "secret": STORED_SECRET,
            "status": "active",
        },
    ]


def test_switching_on_and_deleting_send_requests_the_spec_accepts(prism_woocommerce):
    adapter, wire = build_adapter(prism_woocommerce)

    adapter.client.update_webhook(142, {"status": "active"})
    adapter.client.delete_webhook(143)

    assert wire.calls == [("PUT", "/webhooks/142"), ("DELETE", "/webhooks/143?force=true")]
    assert_validated(wire)
    assert wire.request_body(0) == {"status": "active"}


def test_the_mock_refuses_a_webhook_status_the_spec_does_not_know(prism_woocommerce):
    """The spec's status enum is checked, so the requests above were really validated."""
    adapter, wire = build_adapter(prism_woocommerce)

    with pytest.raises(Invalid) as refused:
        adapter.client.update_webhook(142, {"status": "on"})

    assert refused.value.status == 400
    assert wire.calls == [("PUT", "/webhooks/142")]


# Against a store's real list (scripted)


def test_a_disabled_webhook_at_our_url_is_switched_back_on_and_the_next_run_changes_nothing(server):  # noqa: F811 - the imported fixture
    adapter, _wire = build_adapter(server.url)
    disabled = _webhook(142, "order.created", status="disabled")
    updated = _webhook(143, "order.updated")
    server.answer(_json([disabled, updated]), _json({**disabled, "status": "active"}))

    first = adapter.ensure_webhooks(CALLBACK)

    assert first == WebhookSetup(reactivated=("order.created",))
    assert first.changed is True
    assert _received(server) == [("GET", LIST_PATH), ("PUT", "/webhooks/142")]
    assert _body(server, 1) == {"status": "active"}

    server.received.clear()
    server.answer(_json([{**disabled, "status": "active"}, updated]))
    second = adapter.ensure_webhooks(CALLBACK)

    assert second == WebhookSetup()
    assert second.changed is False
    assert _received(server) == [("GET", LIST_PATH)]


def test_a_paused_webhook_is_switched_on_too(server):  # noqa: F811 - the imported fixture
    adapter, _wire = build_adapter(server.url)
    server.answer(
        _json([_webhook(7, "order.created", status="paused"), _webhook(8, "order.updated", status="paused")]),
        _json(_webhook(7, "order.created")),
    )

    assert adapter.ensure_webhooks(CALLBACK) == WebhookSetup(reactivated=("order.created", "order.updated"))
    assert _received(server) == [("GET", LIST_PATH), ("PUT", "/webhooks/7"), ("PUT", "/webhooks/8")]


def test_ours_at_our_former_address_is_deleted_and_created_at_the_new_one_others_untouched(server):  # noqa: F811 - the imported fixture
    adapter, _wire = build_adapter(server.url)
    listing = [
        _webhook(10, "order.created", delivery_url=OLD_CALLBACK),
        _webhook(11, "order.updated", delivery_url=OLD_CALLBACK, status="disabled"),
        # The merchant's own webhook and another Retino channel's (a second account on the same store).
        _webhook(12, "order.created", delivery_url="https://erp.example.test/hook", name="ERP orders"),
        _webhook(13, "order.created", delivery_url="https://returns.example.test/webhooks/woocommerce/Other"),
    ]
    server.answer(_json(listing), (200, {"Content-Type": "application/json"}, b"{}"))

    setup = adapter.ensure_webhooks(CALLBACK)

    assert setup == WebhookSetup(created=("order.created", "order.updated"), removed=("order.created", "order.updated"))
    assert _received(server) == [
        ("GET", LIST_PATH),
        ("DELETE", "/webhooks/10?force=true"),
        ("DELETE", "/webhooks/11?force=true"),
        ("POST", "/webhooks"),
        ("POST", "/webhooks"),
    ]
    assert [(_body(server, index)["topic"], _body(server, index)["delivery_url"]) for index in (3, 4)] == [
        ("order.created", CALLBACK),
        ("order.updated", CALLBACK),
    ]


def test_every_page_of_webhooks_is_read_before_deciding(server):  # noqa: F811 - the imported fixture
    adapter, _wire = build_adapter(server.url)
    others = [_webhook(index, "product.updated", "https://erp.example.test/hook", name="ERP") for index in range(100)]
    server.answer(_json(others), _json([_webhook(200, "order.created"), _webhook(201, "order.updated")]))

    assert adapter.ensure_webhooks(CALLBACK) == WebhookSetup()
    assert _received(server) == [("GET", LIST_PATH), ("GET", LIST_PATH.replace("&page=1&", "&page=2&"))]


def test_without_a_webhook_secret_nothing_is_sent(server):  # noqa: F811 - the imported fixture
    adapter, _wire = build_adapter(server.url, credentials=WooCommerceCredentials("ck_1", "cs_1"))

    with pytest.raises(ValueError, match="no webhook secret"):
        adapter.ensure_webhooks(CALLBACK)
    with pytest.raises(ValueError, match="must be http"):
        build_adapter(server.url)[0].ensure_webhooks("webhooks/woocommerce/x")
    assert server.received == []


# The decision on its own


def test_plan_keeps_the_active_one_of_duplicates_and_deletes_the_rest():
    listing = [
        _webhook(1, "order.updated", status="disabled"),
        _webhook(2, "order.updated"),
        _webhook(3, "order.updated", name="made by hand"),
        _webhook(4, "order.created", status="paused"),
        _webhook(5, "order.created", status="disabled"),
    ]

    assert plan_webhooks(listing, CALLBACK) == WebhookPlan(
        delete=((5, "order.created"), (1, "order.updated"), (3, "order.updated")),
        activate=((4, "order.created"),),
        create=(),
    )


def test_plan_leaves_other_topics_and_other_apps_alone():
    listing = [
        _webhook(1, "order.deleted", delivery_url="https://erp.example.test/orders", name="Retail sync"),
        _webhook(2, "product.created", delivery_url="https://erp.example.test/products", name="Retainer"),
    ]

    assert plan_webhooks(listing, CALLBACK) == WebhookPlan(create=("order.created", "order.updated"))


def test_plan_refuses_a_listing_that_is_not_webhooks():
    with pytest.raises(PayloadError, match=r"^webhooks\[0\]\.id is missing$"):
        plan_webhooks([{"name": "Retino - order.created"}], CALLBACK)
    with pytest.raises(PayloadError, match=r"^webhooks\[0\] must be"):
        plan_webhooks(["order.created"], CALLBACK)
