"""The Prism mocks the adapter tests run against answer valid requests from the specs and refuse invalid ones.

Each mock starts once per run (see retino_core.testing.prism); these tests pin down the behaviour the
adapter tests rely on, so a Prism or spec upgrade that changes it shows up here first.
"""

import json

import pytest
import requests

from retino_core.testing import prism
from tests.adapters.examples import example_bytes

TIMEOUT = 10

SHOPTET_HEADERS = {"Content-Type": "application/json", "Shoptet-Access-Token": "test-access-token"}
ALLEGRO_MEDIA_TYPE = "application/vnd.allegro.public.v1+json"
ALLEGRO_HEADERS = {"Accept": ALLEGRO_MEDIA_TYPE, "Authorization": "Bearer test-access-token"}
WOOCOMMERCE_AUTH = ("ck_test", "cs_test")

#: The checkout form id of the spec's example (the path parameter must be a UUID).
ALLEGRO_CHECKOUT_FORM_ID = "29738e61-7f6a-11e8-ac45-09db60ede9d6"


def _stored(platform, name):
    """A stored example as plain JSON (floats as floats, to compare with ``response.json()``)."""
    return json.loads(example_bytes(platform, name))


def _violations(response):
    """The messages of Prism's ``sl-violations`` header: why it refused (or flagged) the exchange."""
    return [violation["message"] for violation in json.loads(response.headers["sl-violations"])]


# Shoptet


def test_shoptet_order_detail_is_the_spec_example(prism_shoptet):
    response = requests.get(f"{prism_shoptet}/api/orders/2017000092", headers=SHOPTET_HEADERS, timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == _stored("shoptet", "order-detail.response.json")


def test_shoptet_refuses_missing_access_token(prism_shoptet):
    response = requests.get(
        f"{prism_shoptet}/api/orders/2017000092", headers={"Content-Type": "application/json"}, timeout=TIMEOUT
    )

    assert response.status_code == 401


def test_shoptet_refuses_missing_content_type(prism_shoptet):
    response = requests.get(
        f"{prism_shoptet}/api/orders/2017000092",
        headers={"Shoptet-Access-Token": "test-access-token"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [item["message"] for item in response.json()["validation"]] == [
        "Request header must have required property 'content-type'"
    ]


def test_shoptet_accepts_stored_template_include_request(prism_shoptet):
    response = requests.post(
        f"{prism_shoptet}/api/template-include",
        headers=SHOPTET_HEADERS,
        data=example_bytes("shoptet", "template-include.request.json"),
        timeout=TIMEOUT,
    )

    assert response.status_code == 200
    assert "sl-violations" not in response.headers


def test_shoptet_refuses_body_against_schema_with_its_declared_400(prism_shoptet):
    response = requests.post(
        f"{prism_shoptet}/api/template-include",
        headers=SHOPTET_HEADERS,
        json={"data": {"snippets": "not a list"}},
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert _violations(response) == ["Request body property data.snippets must be array"]


def test_shoptet_refuses_vendor_content_type_on_body(prism_shoptet):
    """The spec takes bodies only as ``application/json``; Prism answers 415 as the operation's 400."""
    response = requests.post(
        f"{prism_shoptet}/api/template-include",
        headers={**SHOPTET_HEADERS, "Content-Type": "application/vnd.shoptet.v1.0"},
        data=example_bytes("shoptet", "template-include.request.json"),
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert _violations(response) == ["Supported content types: application/json"]


# Allegro


def test_allegro_checkout_form_is_the_spec_example(prism_allegro):
    response = requests.get(
        f"{prism_allegro}/order/checkout-forms/{ALLEGRO_CHECKOUT_FORM_ID}", headers=ALLEGRO_HEADERS, timeout=TIMEOUT
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == ALLEGRO_MEDIA_TYPE
    assert response.json() == _stored("allegro", "checkout-form.json")


def test_allegro_refuses_missing_bearer_token(prism_allegro):
    response = requests.get(
        f"{prism_allegro}/order/checkout-forms/{ALLEGRO_CHECKOUT_FORM_ID}",
        headers={"Accept": ALLEGRO_MEDIA_TYPE},
        timeout=TIMEOUT,
    )

    assert response.status_code == 401


def test_allegro_refuses_plain_json_accept(prism_allegro):
    response = requests.get(
        f"{prism_allegro}/order/checkout-forms/{ALLEGRO_CHECKOUT_FORM_ID}",
        headers={**ALLEGRO_HEADERS, "Accept": "application/json"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 406


def test_allegro_refuses_malformed_path_parameter(prism_allegro):
    response = requests.get(f"{prism_allegro}/order/checkout-forms/42", headers=ALLEGRO_HEADERS, timeout=TIMEOUT)

    assert response.status_code == 422
    assert _violations(response) == ['Request path parameter id must match format "uuid"']


def test_allegro_accepts_stored_refund_request(prism_allegro):
    response = requests.post(
        f"{prism_allegro}/payments/refunds",
        headers={**ALLEGRO_HEADERS, "Content-Type": ALLEGRO_MEDIA_TYPE},
        data=example_bytes("allegro", "payment-refund.request.json"),
        timeout=TIMEOUT,
    )

    assert response.status_code == 200
    assert response.json()["status"] == "SUCCESS"


def test_allegro_refuses_refund_body_against_schema(prism_allegro):
    body = json.loads(example_bytes("allegro", "payment-refund.request.json"))
    del body["order"]
    body["lineItems"][0]["quantity"] = "one"

    response = requests.post(
        f"{prism_allegro}/payments/refunds",
        headers={**ALLEGRO_HEADERS, "Content-Type": ALLEGRO_MEDIA_TYPE},
        data=json.dumps(body),
        timeout=TIMEOUT,
    )

    assert response.status_code == 422
    assert _violations(response) == [
        "Request body must have required property 'order'",
        "Request body property lineItems.0.quantity must be number",
    ]


def test_allegro_refuses_body_that_is_not_json(prism_allegro):
    response = requests.post(
        f"{prism_allegro}/payments/refunds",
        headers={**ALLEGRO_HEADERS, "Content-Type": ALLEGRO_MEDIA_TYPE},
        data=b'{"payment": ',
        timeout=TIMEOUT,
    )

    assert response.status_code == 400


# WooCommerce: the mock's root stands for https://<store>/wp-json/wc/v3.


def test_woocommerce_order_answers_with_the_spec_schema(prism_woocommerce):
    response = requests.get(f"{prism_woocommerce}/orders/727", auth=WOOCOMMERCE_AUTH, timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    order = response.json()
    assert (order["id"], order["status"], order["currency"], order["total"]) == (0, "pending", "AED", "string")


def test_woocommerce_refuses_missing_basic_auth(prism_woocommerce):
    response = requests.get(f"{prism_woocommerce}/orders/727", timeout=TIMEOUT)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="*"'


def test_woocommerce_paths_carry_no_api_prefix(prism_woocommerce):
    response = requests.get(f"{prism_woocommerce}/wp-json/wc/v3/orders/727", auth=WOOCOMMERCE_AUTH, timeout=TIMEOUT)

    assert response.status_code == 404


def test_woocommerce_accepts_stored_refund_request(prism_woocommerce):
    response = requests.post(
        f"{prism_woocommerce}/orders/727/refunds",
        auth=WOOCOMMERCE_AUTH,
        headers={"Content-Type": "application/json"},
        data=example_bytes("woocommerce", "refund-create.request.json"),
        timeout=TIMEOUT,
    )

    assert response.status_code == 200
    assert "sl-violations" not in response.headers


def test_woocommerce_refuses_refund_body_against_schema_with_its_declared_400(prism_woocommerce):
    response = requests.post(
        f"{prism_woocommerce}/orders/727/refunds",
        auth=WOOCOMMERCE_AUTH,
        json={"amount": 6.45},
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert _violations(response) == ["Request body property amount must be string"]


# The fixture itself: a missing or broken peer fails the test with a way forward, never skips it.


def test_missing_prism_fails_saying_to_run_make_test(monkeypatch, tmp_path):
    monkeypatch.setattr(prism, "PRISM_BIN", tmp_path / "prism")

    with (
        pytest.raises(pytest.fail.Exception, match=r"Prism is not installed .* Run `make test`"),
        prism.running_prism(prism.SPECS_DIR / prism.SPECS["woocommerce"], tmp_path),
    ):
        pass


def test_missing_node_fails_saying_to_run_make_test(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    with (
        pytest.raises(pytest.fail.Exception, match=r"Node\.js is not installed.* Run `make test`"),
        prism.running_prism(prism.SPECS_DIR / prism.SPECS["woocommerce"], tmp_path),
    ):
        pass


def test_spec_prism_cannot_load_fails_with_its_stderr(tmp_path):
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.0.0\ninfo: [\n")

    with (
        pytest.raises(pytest.fail.Exception, match=r"(?s)exited with status 1.*prism stderr.*ParserError"),
        prism.running_prism(spec, tmp_path),
    ):
        pass


def test_mock_not_answering_in_time_fails_with_its_logs(tmp_path):
    spec = prism.SPECS_DIR / prism.SPECS["woocommerce"]

    with (
        pytest.raises(
            pytest.fail.Exception,
            match=r"(?s)did not answer on http://127\.0\.0\.1:\d+ within 0\.2 s\.\n--- prism stderr .*--- prism stdout",
        ),
        prism.running_prism(spec, tmp_path, timeout=0.2),
    ):
        pass
