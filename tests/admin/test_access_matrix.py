"""Every admin endpoint × every kind of visitor → the expected answer, and nothing changed on denial.

The table below names each endpoint once with the permission it needs. The first test fails when
a route exists that the table does not list, so a new screen cannot ship without its row. Each
visitor then walks the whole table:

* anonymous → sent to sign in;
* a member of another account, using this account's ids → 404;
* each role → 403 where the role lacks the permission, otherwise an answer (a page, a redirect,
  or a 4xx naming the bad input — the probes post harmless or incomplete forms), never a 500;
* a deactivated account's owner → every read still works, every change is 403;
* an id beyond what the database holds → 404, never a database error.

Denials are checked against a fingerprint of every table: a refused request must leave every row
as it was, including the job outbox (no mail, no platform call queued).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from marketplace_app.admin import PUBLIC_ENDPOINTS
from marketplace_app.tenancy import READ_ONLY_PERMISSIONS
from retino_core import clock
from retino_core.accounts.actions import invite_member
from retino_core.accounts.models import AccountStatus, Membership
from retino_core.accounts.permissions import Permission, Role, role_allows
from retino_core.case_types.models import CaseType
from retino_core.cases.actions import add_attachment, tag_case
from retino_core.channels.actions import add_shipping_option
from retino_core.custom_fields.actions import create_field_definition, link_field_to_case_type
from retino_core.models import Base
from retino_core.refunds.models import PlatformRefund, RefundFailure, RefundKind, RefundState
from retino_core.saved_filters.actions import save_filter
from retino_core.storage import LocalFolderStorage

# A real 1×1 PNG as Pillow writes it: uploads are decoded and re-encoded, and this one comes out identical.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc8\xa1\xa1\x01\x00\x02\xd4\x01\x19\x05P\x8f\xa4\x00\x00\x00\x00IEND\xaeB`\x82"
)
#: Larger than any BIGINT: must read as "not found", not reach the database.
HUGE_ID = 2**64


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str
    #: What the role needs; None for what every member may do.
    permission: Permission | None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def reads(self) -> bool:
        return self.method == "GET"

    @property
    def names_an_object(self) -> bool:
        return "{" in self.path


P = Permission
C = "/admin/cases/{case}"
T = "/admin/settings/types/{type}"
CH = "/admin/settings/channels/{channel}"
ROUTES: tuple[Route, ...] = (
    Route("admin.inbox", "GET", "/admin/", P.case_view),
    Route("admin.export_cases", "GET", "/admin/cases/export.csv", P.case_export),
    Route("admin.bulk_cases", "POST", "/admin/cases/bulk", P.case_tag, {"action": "tag", "ids": "{case}", "tag": ""}),
    Route("admin.statistics", "GET", "/admin/statistics", P.case_view),
    Route("admin.saved_filter_create", "POST", "/admin/saved-filters?q=abc", P.case_view, {"name": ""}),
    Route("admin.saved_filter_open", "GET", "/admin/saved-filters/{filter}", P.case_view),
    Route("admin.saved_filter_delete", "POST", "/admin/saved-filters/{filter}/delete", P.case_view),
    Route("admin.case_detail", "GET", C, P.case_view),
    Route("admin.case_protocol", "GET", C + "/protocol.pdf", P.case_view),
    Route("admin.case_attachment", "GET", C + "/attachments/{attachment}", P.case_view),
    Route("admin.case_transition", "POST", C + "/status", P.case_transition, {"to_status": ""}),
    Route("admin.case_assign", "POST", C + "/owner", P.case_assign, {"owner_id": "x"}),
    Route("admin.case_tag", "POST", C + "/tags", P.case_tag, {"name": ""}),
    Route("admin.case_untag", "POST", C + "/tags/remove", P.case_tag, {"name": ""}),
    Route("admin.case_note", "POST", C + "/notes", P.case_note, {"body": ""}),
    Route("admin.case_reply", "POST", C + "/reply", P.case_note, {"subject": "", "body": ""}),
    Route("admin.case_attach", "POST", C + "/attachments", P.case_attach),
    Route("admin.case_fields", "POST", C + "/fields", P.case_edit, {"field-serial": "x" * 500}),
    Route("admin.case_item_fields", "POST", C + "/items/{item}/fields", P.case_edit, {"field-serial": "x" * 500}),
    Route("admin.case_item_reception", "POST", C + "/items/{item}/reception", P.item_receive, {"state": "?"}),
    Route("admin.case_item_decision", "POST", C + "/items/{item}/decision", P.item_decide, {"decision": "?"}),
    Route("admin.case_refund", "POST", C + "/refunds", P.item_decide, {"amount": ""}),
    Route("admin.case_refund_retry", "POST", C + "/refunds/{refund}/retry", P.item_decide),
    Route("admin.new_case", "GET", "/admin/cases/new", P.case_create),
    Route("admin.new_case", "POST", "/admin/cases/new", P.case_create, {"case_type": ""}),
    Route("admin.search_orders", "GET", "/admin/orders/search?q=ab", P.case_create),
    Route("admin.settings_index", "GET", "/admin/settings/", P.settings_manage),
    Route("admin.settings_branding", "GET", "/admin/settings/branding", P.settings_manage),
    Route("admin.settings_branding_save", "POST", "/admin/settings/branding", P.settings_manage, {"language": "?"}),
    Route("admin.settings_deadlines", "GET", "/admin/settings/deadlines", P.settings_manage),
    Route("admin.settings_fields", "GET", "/admin/settings/fields", P.settings_manage),
    Route("admin.settings_field_create", "POST", "/admin/settings/fields", P.settings_manage, {"key": ""}),
    Route("admin.settings_field", "GET", "/admin/settings/fields/{field}", P.settings_manage),
    Route("admin.settings_field_update", "POST", "/admin/settings/fields/{field}", P.settings_manage, {"kind": "?"}),
    Route("admin.settings_field_deactivate", "POST", "/admin/settings/fields/{field}/deactivate", P.settings_manage),
    Route("admin.settings_tags", "GET", "/admin/settings/tags", P.settings_manage),
    Route("admin.settings_tag_update", "POST", "/admin/settings/tags/{tag}", P.settings_manage, {"name": ""}),
    Route("admin.settings_tag_delete", "POST", "/admin/settings/tags/{tag}/delete", P.settings_manage),
    Route("admin.settings_case_type_create", "POST", "/admin/settings/types", P.settings_manage, {"code": ""}),
    Route("admin.settings_case_type", "GET", T, P.settings_manage),
    Route("admin.settings_case_type_update", "POST", T, P.settings_manage, {"color": "red"}),
    Route("admin.settings_field_link", "POST", T + "/fields", P.settings_manage, {"field_id": ""}),
    Route("admin.settings_field_unlink", "POST", T + "/fields/{field}/unlink", P.settings_manage),
    Route("admin.settings_status_add", "POST", T + "/statuses", P.settings_manage, {"code": ""}),
    Route("admin.settings_status_update", "POST", T + "/statuses/{status}", P.settings_manage, {"color": "red"}),
    Route("admin.settings_status_retire", "POST", T + "/statuses/{status}/retire", P.settings_manage),
    Route("admin.settings_status_delete", "POST", T + "/statuses/{status}/delete", P.settings_manage),
    Route("admin.settings_step_add", "POST", T + "/steps", P.settings_manage, {"code": ""}),
    Route("admin.settings_step_rename", "POST", T + "/steps/{step}", P.settings_manage, {"names-en": ""}),
    Route("admin.settings_reason_add", "POST", T + "/reasons", P.settings_manage, {"code": ""}),
    Route("admin.settings_reason_rename", "POST", T + "/reasons/{reason}", P.settings_manage, {"names-en": ""}),
    Route("admin.settings_reason_move", "POST", T + "/reasons/{reason}/move", P.settings_manage, {"direction": "?"}),
    Route("admin.settings_reason_retire", "POST", T + "/reasons/{reason}/retire", P.settings_manage),
    Route("admin.settings_transitions", "POST", T + "/transitions", P.settings_manage, {"edge": "a>b"}),
    Route("admin.settings_channels", "GET", "/admin/settings/channels", P.channels_manage),
    Route("admin.settings_channel", "GET", CH, P.channels_manage),
    Route(
        "admin.settings_channel_consultant",
        "POST",
        CH + "/consultant",
        P.channels_manage,
        {"default_consultant_id": "x"},
    ),
    Route("admin.settings_channel_widget", "POST", CH + "/widget", P.channels_manage, {"badge_side": "?"}),
    Route("admin.settings_channel_option_add", "POST", CH + "/options", P.channels_manage, {"kind": "?"}),
    Route(
        "admin.settings_channel_option_update",
        "POST",
        CH + "/options/{shipping_option}",
        P.channels_manage,
        {"kind": "?"},
    ),
    Route("admin.settings_channel_option_retire", "POST", CH + "/options/{shipping_option}/retire", P.channels_manage),
    Route(
        "admin.settings_channel_options_reorder", "POST", CH + "/options/reorder", P.channels_manage, {"option_id": "x"}
    ),
    Route("admin.settings_channel_sync", "POST", CH + "/sync", P.channels_manage),
    Route(
        "admin.settings_channel_buyer_messages",
        "POST",
        CH + "/buyer-messages",
        P.channels_manage,
        {"message_buyers": "true"},
    ),
    Route("admin.connect_woocommerce", "GET", "/admin/settings/channels/woocommerce/connect", P.channels_manage),
    Route(
        "admin.connect_woocommerce_start",
        "POST",
        "/admin/settings/channels/woocommerce/connect",
        P.channels_manage,
        {"store_url": "not a store"},
    ),
    Route(
        "admin.settings_channel_woocommerce_refunds",
        "POST",
        CH + "/woocommerce/refunds",
        P.channels_manage,
        {"api_refund": "?"},
    ),
    Route("admin.connect_allegro", "GET", "/admin/settings/channels/allegro/connect", P.channels_manage),
    Route(
        "admin.connect_allegro_authorize",
        "POST",
        "/admin/settings/channels/allegro/connect/authorize",
        P.channels_manage,
    ),
    Route(
        "admin.connect_allegro_device_start",
        "POST",
        "/admin/settings/channels/allegro/connect/device",
        P.channels_manage,
    ),
    Route(
        "admin.connect_allegro_device_check",
        "POST",
        "/admin/settings/channels/allegro/connect/device/check",
        P.channels_manage,
    ),
    Route(
        "admin.case_platform_return_reject",
        "POST",
        C + "/platform-return/reject",
        P.item_decide,
        {"reason_code": "?", "message": ""},
    ),
    Route("admin.team", "GET", "/admin/team", P.users_manage),
    Route("admin.team_invite", "POST", "/admin/team/invite", P.users_manage, {"email": "not-an-address"}),
    Route("admin.team_change_role", "POST", "/admin/team/{membership}/role", P.users_manage, {"role": "viewer"}),
    Route("admin.team_deactivate_member", "POST", "/admin/team/{membership}/deactivate", P.users_manage),
    Route("admin.team_revoke_invitation", "POST", "/admin/team/invitations/{invitation}/revoke", P.users_manage),
    Route("admin.account_overview", "GET", "/admin/account", P.account_manage),
    Route("admin.account_usage_csv", "GET", "/admin/account/usage.csv", P.account_manage),
    Route("admin.account_deactivate", "POST", "/admin/account/deactivate", P.account_manage, {"confirm_slug": "?"}),
    Route("admin.switch_account", "POST", "/admin/account", None, {"account_id": "{account}"}),
)
#: Answers a permitted request may get: the page, a redirect after a change, or a refusal of the probe's input.
ALLOWED_READ = {200, 303}
ALLOWED_WRITE = {200, 302, 303, 400, 409, 422}
#: Endpoints every visitor reaches, or that only end the visitor's own session.
UNLISTED = PUBLIC_ENDPOINTS | {"admin.logout"}
#: The owner's account and team pages stay readable after deactivation (status, usage for the last invoice).
ACCOUNT_PAGES = {"admin.account_overview", "admin.account_usage_csv", "admin.team"}


@dataclass
class World:
    ids: dict[str, int]


def _build_world(session, shop, settings, tmp_path) -> World:
    owner = shop.actors[Role.owner]
    account, case = shop.account, shop.case
    attachment = add_attachment(
        session,
        account=account,
        actor=owner,
        case=case,
        storage=LocalFolderStorage(Path(settings.storage_folder)),
        filename="photo.png",
        data=PNG,
    )
    tag = tag_case(session, account=account, actor=owner, case=case, name="vip")
    definition = create_field_definition(
        session,
        account=account,
        actor=owner,
        payload={"key": "serial", "field_type": "text", "names": {"en": "Serial"}},
    )
    case_type = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "complaint"))
    link_field_to_case_type(
        session, account=account, actor=owner, case_type_id=case_type.id, field_id=definition.id, is_required=False
    )
    shipping_option = add_shipping_option(
        session,
        account=account,
        actor=owner,
        channel_id=shop.channel.id,
        payload={"kind": "own_dropoff", "names": {"cs": "Na prodejně"}, "instructions": {"cs": "Přineste zboží."}},
    )
    invitation, _token = invite_member(
        session, account=account, actor=owner, payload={"email": "new@example.test", "role": "agent"}, settings=settings
    )
    # A refund whose outcome is unknown, so "Send again" has something to send (its job cannot reach a platform).
    refund = PlatformRefund(
        account_id=account.id,
        case_id=case.id,
        channel_id=shop.channel.id,
        order_id=case.order_id,
        kind=RefundKind.refund,
        idempotency_key=f"case-{case.id}-refund-1",
        amount=Decimal("1.00"),
        currency=case.currency,
        lines=[],
        state=RefundState.failed,
        failure=RefundFailure.unavailable,
        requested_at=clock.now(),
    )
    session.add(refund)
    session.commit()
    agent_membership = session.scalar(
        Membership.select_for_account(account.id).where(Membership.user_id == shop.members[Role.agent].id)
    )
    return World(
        ids={
            "account": account.id,
            "case": case.id,
            "item": case.items[0].id,
            "attachment": attachment.id,
            "tag": tag.id,
            "field": definition.id,
            "type": case_type.id,
            "status": case_type.statuses[-1].id,
            "step": case_type.steps[0].id,
            "membership": agent_membership.id,
            "invitation": invitation.id,
            "channel": shop.channel.id,
            "reason": case_type.reasons[0].id,
            "shipping_option": shipping_option.id,
            "refund": refund.id,
        }
    )


@pytest.fixture
def world(session, shop, settings, tmp_path) -> World:
    return _build_world(session, shop, settings, tmp_path)


def _own_filter(session, shop, world: World, role: Role) -> None:
    saved = save_filter(session, account=shop.account, actor=shop.actors[role], name="Mine", query="q=abc")
    session.commit()
    world.ids["filter"] = saved.id


def fingerprint(session) -> str:
    """A digest of every row of every table, read fresh from the database."""
    session.commit()
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest.update(repr((table.name, rows)).encode())
    session.commit()
    return digest.hexdigest()


def _send(client, route: Route, ids: dict[str, int]):
    path = route.path.format(**ids)
    if route.reads:
        return client.get(path)
    data = {key: value.format(**ids) if isinstance(value, str) else value for key, value in route.data.items()}
    if route.endpoint == "admin.case_attach":
        data["file"] = (BytesIO(b"not an image"), "notes.txt")
    return client.post(path, data=data)


def test_the_table_lists_every_admin_endpoint(app):
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.") and rule.endpoint not in UNLISTED
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {(route.endpoint, route.method) for route in ROUTES}
    assert served - listed == set()
    assert listed - served == set()


def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(app, shop, world, session):
    world.ids["filter"] = 1
    before = fingerprint(session)
    client = app.test_client()
    for route in ROUTES:
        response = _send(client, route, world.ids)
        assert response.status_code == 302, route
        assert response.headers["Location"].startswith("/admin/login"), route
    assert fingerprint(session) == before


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_what_its_permissions_allow(client_for, shop, world, session, role):
    _own_filter(session, shop, world, role)
    client = client_for(role)
    allowed = [route for route in ROUTES if route.permission is None or role_allows(role, route.permission)]
    denied = [route for route in ROUTES if route not in allowed]
    before = fingerprint(session)
    for route in denied:
        assert _send(client, route, world.ids).status_code == 403, route
    assert fingerprint(session) == before
    for route in allowed:
        status = _send(client, route, world.ids).status_code
        assert status in (ALLOWED_READ if route.reads else ALLOWED_WRITE), (route, status)


def test_another_accounts_member_finds_none_of_these_objects(client_for, shop, other_shop, world, session):
    _own_filter(session, shop, world, Role.owner)
    client = client_for(Role.owner, of=other_shop)
    before = fingerprint(session)
    for route in ROUTES:
        if route.names_an_object and route.endpoint != "admin.switch_account":
            assert _send(client, route, world.ids).status_code == 404, route
    # Switching to an account one is not a member of keeps the current one.
    client.post("/admin/account", data={"account_id": shop.account_id})
    assert f"/admin/cases/{shop.case.id}" not in client.get("/admin/").get_data(as_text=True)
    assert fingerprint(session) == before


def test_a_deactivated_account_reads_everything_and_changes_nothing(client_for, shop, world, session):
    _own_filter(session, shop, world, Role.owner)
    shop.account.status = AccountStatus.deactivated
    session.commit()
    client = client_for(Role.owner)
    before = fingerprint(session)
    for route in ROUTES:
        status = _send(client, route, world.ids).status_code
        if route.reads and (route.permission in READ_ONLY_PERMISSIONS or route.endpoint in ACCOUNT_PAGES):
            assert status in ALLOWED_READ, (route, status)
        elif route.endpoint != "admin.switch_account":
            assert status == 403, (route, status)
    assert fingerprint(session) == before


def test_an_id_too_large_for_the_database_is_not_found(client_for, shop, world, session):
    _own_filter(session, shop, world, Role.owner)
    client = client_for(Role.owner)
    before = fingerprint(session)
    for route in ROUTES:
        if not route.names_an_object or route.endpoint == "admin.switch_account":
            continue
        names = [key for key in world.ids if "{" + key + "}" in route.path]
        names.sort(key=lambda key: route.path.index("{" + key + "}"))
        for name in names:
            status = _send(client, route, {**world.ids, name: HUGE_ID}).status_code
            # The outer object is looked up first; an inner one may be reached after the form is refused.
            assert status == 404 if name == names[0] else status in {400, 404, 422}, (route, name, status)
    assert fingerprint(session) == before


#: Forms that carry ids in their fields rather than in the path.
ID_FIELDS: tuple[tuple[str, dict[str, str]], ...] = (
    ("/admin/cases/{case}/owner", {"owner_id": "{huge}"}),
    ("/admin/cases/bulk", {"action": "tag", "tag": "x", "ids": "{huge}"}),
    ("/admin/cases/new", {"case_type": "return", "order_id": "{huge}", "customer_name": "X"}),
    ("/admin/settings/types/{type}", {"initial_status_id": "{huge}"}),
    ("/admin/settings/types/{type}/fields", {"field_id": "{huge}"}),
    ("/admin/account", {"account_id": "{huge}"}),
)


def test_an_id_too_large_in_a_form_field_is_refused_not_a_database_error(client_for, shop, world, session):
    client = client_for(Role.owner)
    before = fingerprint(session)
    ids = {**world.ids, "huge": HUGE_ID}
    for path, data in ID_FIELDS:
        response = client.post(path.format(**ids), data={key: value.format(**ids) for key, value in data.items()})
        assert response.status_code in {302, 404, 422}, (path, response.status_code)
    assert fingerprint(session) == before
