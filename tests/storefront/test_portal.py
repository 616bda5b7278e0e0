"""The returns portal at API level: lookup, draft, confirm, and every refusal on the way."""

import io
import re
import statistics
import time
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import func, select

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import AccountStatus
from retino_core.case_types.models import CaseType
from retino_core.cases.models import Case, CaseAttachment, CaseOrigin
from retino_core.channels.models import Carrier, ChannelWidgetSettings, ShippingKind, ShippingOption
from retino_core.custom_fields.actions import create_field_definition, link_field_to_case_type
from retino_core.custom_fields.models import CustomFieldValue
from retino_core.intake.models import CaseDraft
from retino_core.jobs.models import OutboxJob
from retino_core.shipping.models import CaseShippingChoice

EMAIL = "petr.dvorak@example.test"


@pytest.fixture
def shop(session, make_account, make_member, make_channel, make_order):
    account = make_account(name="Tričkárna", country="CZ")
    _user, owner = make_member(account)
    channel = make_channel(account)
    order = make_order(channel, code="20260001")
    branch = ShippingOption(
        account_id=account.id,
        channel_id=channel.id,
        kind=ShippingKind.carrier_branch,
        carrier=Carrier.zasilkovna,
        names={"cs": "Zásilkovna", "en": "Packeta branch"},
        instructions={"cs": "Odneste balík na pobočku.", "en": "Take the parcel to the branch."},
        price_amount=None,
        currency=channel.currency,
        position=0,
    )
    own = ShippingOption(
        account_id=account.id,
        channel_id=channel.id,
        kind=ShippingKind.own_dropoff,
        carrier=None,
        names={"cs": "Na prodejnu", "en": "To our shop"},
        instructions={"cs": "Přineste zboží na prodejnu.", "en": "Bring the goods to Dlouhá 1, Praha."},
        price_amount=None,
        currency=channel.currency,
        position=1,
    )
    session.add_all([branch, own])
    session.flush()
    field = create_field_definition(
        session,
        account=account,
        actor=owner,
        payload={
            "key": "iban",
            "scope": "case",
            "field_type": "iban",
            "names": {"en": "IBAN", "cs": "IBAN"},
            "is_public": True,
        },
    )
    return_type = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "return"))
    link_field_to_case_type(
        session, account=account, actor=owner, case_type_id=return_type.id, field_id=field.id, is_required=True
    )
    session.commit()
    return {"account": account, "channel": channel, "order": order, "branch": branch, "own": own, "owner": owner}


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def base(shop) -> str:
    return f"/storefront/{shop['channel'].public_id}"


def lookup(client, shop, *, order_code="20260001", email=EMAIL, case_type="return", ip="10.0.0.1", token=None):
    if token is None:
        token = form_token(client.get(f"{base(shop)}/lookup?type={case_type}").get_data(as_text=True))
    return client.post(
        f"{base(shop)}/lookup",
        data={"form_token": token, "case_type": case_type, "order_code": order_code, "email": email},
        environ_base={"REMOTE_ADDR": ip},
    )


def start(client, shop, **kwargs) -> str:
    response = lookup(client, shop, **kwargs)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def details_form(client, url, shop, **overrides):
    token = form_token(client.get(url).get_data(as_text=True))
    items = shop["order"].items
    data = {
        "form_token": token,
        f"items.o{items[0].id}.include": "1",
        f"items.o{items[0].id}.quantity": "2",
        f"items.o{items[0].id}.reason": "wrong_size",
        f"items.o{items[1].id}.include": "1",
        f"items.o{items[1].id}.quantity": "1",
        f"items.o{items[1].id}.reason": "changed_mind",
        "custom.iban": "CZ65 0800 0000 1920 0014 5399",
        "comment": "Děkuji",
        "shipping.option_id": str(shop["branch"].id),
        "shipping.branch_id": "Z-1234",
        "shipping.branch_name": "Praha 1, Dlouhá",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def confirm(client, url):
    summary = client.get(url.rstrip("/") + "/summary")
    assert summary.status_code == 200, summary.get_data(as_text=True)
    return client.post(url.rstrip("/") + "/confirm", data={"form_token": form_token(summary.get_data(as_text=True))})


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_choose_page_lists_offered_types_in_the_shoppers_language_and_links_the_withdrawal(client, shop):
    response = client.get(f"{base(shop)}/?lang=de")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rücksendung" in html
    assert "Reklamation" in html
    assert f'href="/storefront/{shop["channel"].public_id}/withdraw?lang=de"' in html
    assert f"/storefront/{shop['channel'].public_id}/lookup?type=return&amp;lang=de" in html
    assert "type=withdrawal" not in html


def test_a_return_is_filed_with_two_items_a_bank_account_and_a_branch(client, shop, session):
    url = start(client, shop)
    assert "/draft/" in url
    response = client.post(url, data=details_form(client, url, shop))
    assert response.status_code == 303, response.get_data(as_text=True)
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Take the parcel to the branch." in summary or "Odneste balík na pobočku." in summary
    response = confirm(client, url)
    assert response.status_code == 303
    session.expire_all()
    case = session.scalar(select(Case).where(Case.origin == CaseOrigin.storefront))
    assert response.headers["Location"] == f"/s/{case.access_token}?created=1"
    assert [(item.name, item.quantity, item.reason) for item in case.items] == [
        ("Tričko s potiskem", Decimal("2.000"), "wrong_size"),
        ("Kšiltovka", Decimal("1.000"), "changed_mind"),
    ]
    assert case.description == "Děkuji"
    assert case.customer_email == EMAIL
    assert session.scalar(select(CustomFieldValue.value)) == "CZ6508000000192000145399"
    choice = session.scalar(select(CaseShippingChoice))
    assert (choice.kind, choice.carrier, choice.branch_id, choice.branch_name) == (
        ShippingKind.carrier_branch,
        Carrier.zasilkovna,
        "Z-1234",
        "Praha 1, Dlouhá",
    )
    assert choice.case_id == case.id
    assert choice.instructions == "Odneste balík na pobočku."
    assert [entry.data for entry in case.history if entry.kind == "shipping_chosen"] == [
        {"kind": "carrier_branch", "option": choice.option_name, "branch_id": "Z-1234"}
    ]
    jobs = session.scalars(select(OutboxJob)).all()
    assert [job.job_name for job in jobs if "mail" in job.job_name] != []
    draft = session.scalar(select(CaseDraft))
    assert draft.consumed_at is not None
    assert draft.case_id == case.id


def test_a_complaint_with_a_photo_keeps_the_photo_cleaned_on_the_case(client, shop, session):
    url = start(client, shop, case_type="complaint")
    items = shop["order"].items
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, format="JPEG")
    data = {
        "form_token": form_token(client.get(url).get_data(as_text=True)),
        f"items.o{items[0].id}.include": "1",
        f"items.o{items[0].id}.quantity": "1",
        f"items.o{items[0].id}.reason": "defect",
        f"items.o{items[0].id}.defect_description": "Šev se párá.",
        f"items.o{items[0].id}.photos": (io.BytesIO(picture.getvalue()), "šev.jpg"),
        "shipping.option_id": str(shop["own"].id),
    }
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert confirm(client, url).status_code == 303
    session.expire_all()
    case = session.scalar(select(Case).where(Case.number.like("R%"), Case.origin == CaseOrigin.storefront))
    attachment = session.scalar(select(CaseAttachment).where(CaseAttachment.case_id == case.id))
    assert (attachment.filename, attachment.content_type, attachment.case_item_id) == (
        "šev.jpg",
        "image/jpeg",
        case.items[0].id,
    )
    assert case.items[0].defect_description == "Šev se párá."


def test_wrong_number_and_wrong_email_give_the_same_answer_and_no_measurable_time_difference(app, shop):
    app.config["RATELIMIT_ENABLED"] = False
    client = app.test_client()
    token = form_token(client.get(f"{base(shop)}/lookup?type=return").get_data(as_text=True))
    wrong_number = lookup(client, shop, order_code="99999999", email=EMAIL, token=token)
    wrong_email = lookup(client, shop, order_code="99999999", email=EMAIL, token=token)
    right_number_wrong_email = lookup(client, shop, order_code="20260001", email="x" + EMAIL, token=token)
    wrong_number_same_email = lookup(client, shop, order_code="99999998", email="x" + EMAIL, token=token)
    assert wrong_number.status_code == wrong_email.status_code == 422
    assert wrong_number.get_data() == wrong_email.get_data()
    # Same typed values → byte-identical pages, whichever part was wrong.
    same_typed = lookup(client, shop, order_code="20260001", email="x" + EMAIL, token=token)
    assert right_number_wrong_email.get_data() == same_typed.get_data()
    assert right_number_wrong_email.status_code == wrong_number_same_email.status_code == 422
    assert right_number_wrong_email.get_data().replace(b"20260001", b"99999998") == wrong_number_same_email.get_data()
    assert dict(right_number_wrong_email.headers).keys() == dict(wrong_number_same_email.headers).keys()

    def timed(order_code: str) -> float:
        started = time.perf_counter()
        lookup(client, shop, order_code=order_code, email="x" + EMAIL, token=token)
        return time.perf_counter() - started

    unknown, known = [], []
    for _ in range(30):
        unknown.append(timed("99999998"))
        known.append(timed("20260001"))
    assert abs(statistics.median(unknown) - statistics.median(known)) < 0.020


def test_failed_lookups_are_limited_per_ip_with_a_translated_429(client, shop):
    for _ in range(5):
        assert lookup(client, shop, order_code="1", ip="10.0.0.9").status_code == 422
    refused = lookup(client, shop, order_code="1", ip="10.0.0.9")
    assert refused.status_code == 429
    assert "Příliš mnoho neúspěšných pokusů o vyhledání objednávky." in refused.get_data(as_text=True)
    assert lookup(client, shop, ip="10.0.0.10").status_code == 303


def test_the_per_order_limit_does_not_lock_out_the_real_shopper_from_a_fresh_address(client, shop, session):
    for attempt in range(20):
        assert lookup(client, shop, email="guess@example.test", ip=f"10.1.{attempt}.1").status_code == 422
    # Over the order's limit: an address that failed on it gets 429, even with the right e-mail…
    assert lookup(client, shop, ip="10.1.0.1").status_code == 429
    assert lookup(client, shop, email="guess@example.test", ip="10.1.19.1").status_code == 429
    # …and a new address still gets one evaluated try: the real shopper gets in.
    assert lookup(client, shop, ip="10.9.9.9").status_code == 303
    assert count(session, CaseDraft) == 1


def test_lookup_without_or_with_a_forged_form_token_is_refused_and_stores_nothing(client, shop, session):
    response = client.post(
        f"{base(shop)}/lookup",
        data={"case_type": "return", "order_code": "20260001", "email": EMAIL},
    )
    assert response.status_code == 400
    assert "Platnost formuláře vypršela nebo nebyl odeslán z této stránky." in response.get_data(as_text=True)
    assert lookup(client, shop, token="forged.token.value").status_code == 400
    assert count(session, CaseDraft) == 0


def test_a_form_token_of_another_channel_is_refused(client, shop, make_channel, session):
    other = make_channel(shop["account"], name="Druhý")
    session.commit()
    token = form_token(client.get(f"/storefront/{other.public_id}/lookup?type=return").get_data(as_text=True))
    assert lookup(client, shop, token=token).status_code == 400


def test_an_order_of_another_channel_of_the_same_account_is_found(client, shop, make_channel, make_order, session):
    other = make_channel(shop["account"], name="Allegro")
    make_order(other, code="a1b2c3d4-allegro", customer_email="x7k2@allegromail.pl")
    session.commit()
    assert start(client, shop, order_code="a1b2c3d4-allegro", email="X7K2@allegromail.pl").count("/draft/") == 1


def test_another_accounts_order_is_not_found(client, shop, make_account, make_channel, make_order, session):
    stranger = make_account(name="Cizí")
    make_order(make_channel(stranger), code="55550000")
    session.commit()
    assert lookup(client, shop, order_code="55550000").status_code == 422


def test_another_channels_draft_token_is_404(client, shop, make_channel, session):
    url = start(client, shop)
    other = make_channel(shop["account"], name="Druhý")
    session.commit()
    foreign = url.replace(shop["channel"].public_id, other.public_id)
    assert client.get(foreign).status_code == 404
    assert client.get(f"{base(shop)}/draft/made-up-token/").status_code == 404


def test_bad_details_are_refused_in_the_shoppers_language_and_nothing_is_stored(client, shop, session):
    url = start(client, shop)
    items = shop["order"].items
    data = details_form(
        client,
        url,
        shop,
        **{f"items.o{items[0].id}.quantity": "3", "custom.iban": "CZ00 1234", "shipping.branch_id": ""},
    )
    response = client.post(url + "?lang=en", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This is more than you can still claim for this item." in html
    assert '<html lang="en">' in html
    assert 'id="custom-iban-error"' in html
    assert 'id="shipping-branch_id-error"' in html
    session.expire_all()
    assert session.scalar(select(CaseDraft)).payload == {}


def test_an_item_of_another_order_is_refused(client, shop, make_order, session):
    other_order = make_order(shop["channel"], code="20269999")
    session.commit()
    url = start(client, shop)
    data = details_form(client, url, shop, **{f"items.o{other_order.items[0].id}.include": "1"})
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Jedna z položek není součástí vaší objednávky." in response.get_data(as_text=True)
    assert count(session, Case) == 0


def test_details_without_form_token_are_400(client, shop, session):
    url = start(client, shop)
    data = details_form(client, url, shop)
    data.pop("form_token")
    assert client.post(url, data=data).status_code == 400
    session.expire_all()
    assert session.scalar(select(CaseDraft)).payload == {}


def test_a_double_confirm_makes_one_case_and_both_land_on_it(client, shop, session):
    url = start(client, shop)
    assert client.post(url, data=details_form(client, url, shop)).status_code == 303
    summary = client.get(url + "summary").get_data(as_text=True)
    token = form_token(summary)
    first = client.post(url + "confirm", data={"form_token": token})
    second = client.post(url + "confirm", data={"form_token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(session, Case) == 1


def test_an_expired_draft_cannot_be_confirmed(client, shop, session):
    url = start(client, shop)
    assert client.post(url, data=details_form(client, url, shop)).status_code == 303
    token = form_token(client.get(url + "summary").get_data(as_text=True))
    from datetime import timedelta

    from retino_core import clock

    draft = session.scalar(select(CaseDraft))
    draft.expires_at = clock.now() - timedelta(seconds=1)
    session.commit()
    response = client.post(url + "confirm", data={"form_token": token})
    assert response.status_code == 404
    assert "Formuláře uchováváme dvě hodiny." in response.get_data(as_text=True)
    assert count(session, Case) == 0


def test_quantity_claimed_meanwhile_is_refused_at_confirm_and_nothing_partial_stays(client, shop, session):
    url = start(client, shop)
    assert client.post(url, data=details_form(client, url, shop)).status_code == 303
    token = form_token(client.get(url + "summary").get_data(as_text=True))
    from retino_core.cases.actions import open_case

    item = shop["order"].items[0]
    open_case(
        session,
        account=shop["account"],
        actor=Actor.customer(EMAIL),
        payload={
            "case_type": "return",
            "order_id": shop["order"].id,
            "items": [{"order_item_id": item.id, "quantity": "1"}],
            "notify_customer": False,
        },
        origin=CaseOrigin.storefront,
    )
    session.commit()
    response = client.post(url + "confirm", data={"form_token": token})
    assert response.status_code == 422
    assert "Některé položky už nelze uplatnit ve zvoleném množství." in response.get_data(as_text=True)
    assert count(session, Case) == 1
    assert count(session, CaseShippingChoice) == 0


def test_direct_link_prefills_the_lookup_and_files_with_direct_link_origin(client, shop, session):
    page = client.get(f"{base(shop)}/start?type=return&email={EMAIL}&order=20260001")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="20260001"' in html
    assert f'value="{EMAIL}"' in html
    response = client.post(
        f"{base(shop)}/lookup",
        data={
            "form_token": form_token(html),
            "case_type": "return",
            "order_code": "20260001",
            "email": EMAIL,
            "origin": "direct_link",
        },
    )
    url = response.headers["Location"]
    assert client.post(url, data=details_form(client, url, shop)).status_code == 303
    assert confirm(client, url).status_code == 303
    session.expire_all()
    assert session.scalar(select(Case.origin).where(Case.origin != CaseOrigin.storefront)) is CaseOrigin.direct_link


def test_direct_link_with_an_unknown_type_shows_the_choice(client, shop):
    response = client.get(f"{base(shop)}/start?type=nonsense&email=a@b.cz&order=1&lang=pl")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{base(shop)}/?lang=pl"


def test_a_deactivated_account_shows_unavailable_and_files_nothing(client, shop, session):
    url = start(client, shop)
    data = details_form(client, url, shop)
    shop["account"].status = AccountStatus.deactivated
    session.commit()
    page = client.get(f"{base(shop)}/?lang=en")
    assert page.status_code == 200
    assert "The returns service is not available" in page.get_data(as_text=True)
    assert lookup(client, shop, token="x").status_code == 403
    assert client.post(url, data=data).status_code == 403
    assert client.post(url + "confirm", data={"form_token": data["form_token"]}).status_code == 403
    assert count(session, Case) == 0


def test_intake_without_order_only_where_allowed(client, shop, session):
    assert client.get(f"{base(shop)}/without-order").status_code == 302
    session.add(
        ChannelWidgetSettings(
            account_id=shop["account"].id,
            channel_id=shop["channel"].id,
            allow_intake_without_order=True,
            shop_domains=[],
        )
    )
    session.commit()
    page = client.get(f"{base(shop)}/without-order?type=complaint")
    response = client.post(
        f"{base(shop)}/without-order",
        data={
            "form_token": form_token(page.get_data(as_text=True)),
            "case_type": "complaint",
            "email": "Jana@Example.test",
            "customer_name": "Jana",
        },
    )
    assert response.status_code == 303
    url = response.headers["Location"]
    data = {
        "form_token": form_token(client.get(url).get_data(as_text=True)),
        "items.n0.name": "Mixér",
        "items.n0.quantity": "1",
        "items.n0.reason": "defect",
        "items.n0.defect_description": "Nejde zapnout.",
        "shipping.option_id": str(shop["own"].id),
    }
    assert client.post(url, data=data).status_code == 303
    assert confirm(client, url).status_code == 303
    session.expire_all()
    case = session.scalar(select(Case).where(Case.order_id.is_(None)))
    assert (case.customer_email, case.customer_name, case.items[0].name) == ("jana@example.test", "Jana", "Mixér")


def test_expired_drafts_are_purged_with_their_files(app, shop, session):
    from datetime import timedelta

    from retino_core import clock
    from retino_core.intake.actions import purge_expired_drafts

    client = app.test_client()
    url = start(client, shop, case_type="complaint")
    items = shop["order"].items
    picture = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(picture, format="PNG")
    data = {
        "form_token": form_token(client.get(url).get_data(as_text=True)),
        f"items.o{items[0].id}.include": "1",
        f"items.o{items[0].id}.quantity": "1",
        f"items.o{items[0].id}.reason": "defect",
        f"items.o{items[0].id}.defect_description": "x",
        f"items.o{items[0].id}.photos": (io.BytesIO(picture.getvalue()), "a.png"),
        "shipping.option_id": str(shop["own"].id),
    }
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 303
    storage = app.extensions["retino_runtime"].storage
    session.expire_all()
    draft = session.scalar(select(CaseDraft))
    key = draft.photos[0].storage_key
    assert storage.read(key)
    draft.expires_at = clock.now() - timedelta(minutes=1)
    session.commit()
    assert purge_expired_drafts(session, storage=storage) == 1
    session.commit()
    assert count(session, CaseDraft) == 0
    with pytest.raises(LookupError):
        storage.read(key)
