"""The demo merchant: three channels in three countries, a few hundred orders and cases in every status.

Everything is created through the same actions the product uses, so the demo exercises numbering,
deadlines, history and the workflow rules. Random choices use a fixed seed: every load is alike.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actions import add_member, connect_channel, create_account, create_user, update_branding
from retino_core.accounts.actor import Actor
from retino_core.accounts.credentials import CredentialCipher
from retino_core.accounts.models import Account, ChannelStatus, SalesChannel, User
from retino_core.accounts.permissions import Role
from retino_core.case_types.models import CaseStatus, CaseType, StatusTransition
from retino_core.cases.actions import add_note, decide_item, open_case, receive_item, tag_case, transition_case
from retino_core.cases.models import Case, CaseOrigin
from retino_core.channels.actions import add_shipping_option, update_widget_settings
from retino_core.channels.queries import default_shop_domains
from retino_core.money import Money
from retino_core.orders.actions import upsert_order
from retino_core.orders.models import Order
from retino_core.platforms.interface import AddressSnapshot, OrderLineSnapshot, OrderSnapshot
from retino_core.ratings.actions import compute_certificate, rate_case
from retino_core.runtime import Runtime
from retino_core.text import fold

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "retino-demo-2026"  # noqa: S105 - published demo login, printed by `make run`
ORDERS_PER_CHANNEL = 100
#: Where `make run` serves the demo shop pages (demo_shops.py); the channels let it frame their portal.
DEMO_SHOPS_ORIGIN = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class DemoChannel:
    platform: str
    name: str
    external_shop_id: str
    shop_url: str
    country: str
    currency: str
    language: str
    consultant_email: str
    status: ChannelStatus
    products: tuple[tuple[str, str, str], ...]
    customers: tuple[tuple[str, str, str], ...]


CHANNELS = (
    DemoChannel(
        "shoptet", "Tričkárna.cz", "222651", "https://www.tricharna.example", "CZ", "CZK", "cs",
        "petr.svoboda@example.com", ChannelStatus.connected,
        (("Tričko s potiskem", "TR-001", "499.00"), ("Mikina s kapucí", "MK-002", "1290.00"),
         ("Kšiltovka", "KS-003", "349.00"), ("Batoh městský", "BA-004", "1890.00"),
         ("Ponožky 3 páry", "PO-005", "249.00"), ("Zimní bunda", "ZB-006", "3490.00")),
        (("Jan Novák", "Praha", "110 00"), ("Petra Svobodová", "Brno", "602 00"), ("Lukáš Dvořák", "Ostrava", "702 00"),
         ("Kateřina Černá", "Plzeň", "301 00"), ("Martin Procházka", "Olomouc", "779 00"),
         ("Lucie Kučerová", "Liberec", "460 01"), ("Tomáš Veselý", "Zlín", "760 01")),
    ),
    DemoChannel(
        "woocommerce", "Tričkáreň.sk", "https://www.trickaren.example", "https://www.trickaren.example", "SK", "EUR",
        "sk", "zuzana.horvathova@example.com", ChannelStatus.connected,
        (("Tričko s potlačou", "TR-001", "19.90"), ("Mikina s kapucňou", "MK-002", "49.90"),
         ("Šiltovka", "KS-003", "14.90"), ("Mestský batoh", "BA-004", "69.00"),
         ("Ponožky 3 páry", "PO-005", "9.90"), ("Zimná bunda", "ZB-006", "129.00")),
        (("Ján Kováč", "Bratislava", "811 01"), ("Mária Vargová", "Košice", "040 01"),
         ("Peter Tóth", "Žilina", "010 01"), ("Zuzana Nagyová", "Nitra", "949 01"),
         ("Martin Baláž", "Prešov", "080 01")),
    ),
    DemoChannel(
        "allegro", "Koszulkarnia na Allegro", "43519871", "https://allegro.pl/uzytkownik/koszulkarnia", "PL", "PLN",
        "pl", "agnieszka.nowak@example.com", ChannelStatus.error,
        (("Koszulka z nadrukiem", "TR-001", "79.99"), ("Bluza z kapturem", "MK-002", "199.00"),
         ("Czapka z daszkiem", "KS-003", "59.00"), ("Plecak miejski", "BA-004", "289.00"),
         ("Skarpetki 3 pary", "PO-005", "39.99"), ("Kurtka zimowa", "ZB-006", "549.00")),
        (("Anna Kowalska", "Warszawa", "00-001"), ("Piotr Wiśniewski", "Kraków", "30-001"),
         ("Katarzyna Wójcik", "Łódź", "90-001"), ("Tomasz Kamiński", "Wrocław", "50-001"),
         ("Magdalena Lewandowska", "Gdańsk", "80-001")),
    ),
)  # fmt: skip

#: Per demo channel (by platform): the widget badge's side and the return shipping options, in its language.
WIDGETS: dict[str, tuple[str, tuple[dict[str, object], ...]]] = {
    "shoptet": ("right", (
        {"kind": "own_dropoff",
         "names": {"cs": "Osobně na prodejně v Praze", "en": "In person at our Prague shop"},
         "instructions": {"cs": "Přineste zboží s číslem případu na prodejnu Dlouhá 12, Praha 1 (po–pá 9–18).",
                          "en": "Bring the goods with the case number to our shop at Dlouhá 12, Prague 1 "
                                "(Mon–Fri 9–18)."}},
        {"kind": "carrier_branch", "carrier": "zasilkovna", "price": "59",
         "names": {"cs": "Na výdejním místě Zásilkovny"},
         "instructions": {"cs": "Zabalte zboží a podejte ho na kterémkoli výdejním místě Zásilkovny. "
                                "Nahlaste kód z e-mailu, štítek tisknout nemusíte."}},
        {"kind": "carrier_branch", "carrier": "ppl", "price": "69",
         "names": {"cs": "Na PPL Parcelshopu nebo v Parcelboxu"},
         "instructions": {"cs": "Zabalte zboží a podejte ho na kterémkoli PPL Parcelshopu nebo v Parcelboxu "
                                "s kódem z e-mailu."}},
    )),
    "woocommerce": ("left", (
        {"kind": "carrier_branch", "carrier": "zasilkovna", "price": "2.50",
         "names": {"sk": "Na výdajnom mieste Packety"},
         "instructions": {"sk": "Zabaľte tovar a odovzdajte ho na ktoromkoľvek výdajnom mieste Packety. "
                                "Nahláste kód z e-mailu, štítok tlačiť nemusíte."}},
        {"kind": "courier_pickup", "carrier": "gls", "price": "4.90",
         "names": {"sk": "Kuriér GLS u vás doma"},
         "instructions": {"sk": "Kuriér GLS si zásielku vyzdvihne na vašej adrese v najbližší pracovný deň. "
                                "Majte ju zabalenú a pripravenú."}},
    )),
    "allegro": ("right", (
        {"kind": "own_dropoff",
         "names": {"pl": "Osobiście w naszym magazynie"},
         "instructions": {"pl": "Przynieś towar z numerem zgłoszenia do magazynu przy ul. Długiej 5 w Krakowie "
                                "(pon.–pt. 8–16)."}},
    )),
}  # fmt: skip

STAFF = (
    ("Jana Nováková", DEMO_EMAIL, Role.owner, "cs"),
    ("Petr Svoboda", "petr.svoboda@example.com", Role.dispatcher, "cs"),
    ("Tomáš Král", "tomas.kral@example.com", Role.technician, "cs"),
    ("Zuzana Horváthová", "zuzana.horvathova@example.com", Role.agent, "cs"),
    ("Agnieszka Nowak", "agnieszka.nowak@example.com", Role.agent, "en"),
    ("Eva Účetní", "eva.ucetni@example.com", Role.viewer, "cs"),
)

#: Codes of the default reasons (case_types.defaults); a withdrawal needs no reason.
REASONS = {
    "return": ("wrong_size", "changed_mind", "not_as_described"),
    "complaint": ("defect", "defect", "damaged_in_transport", "missing_part"),
    "withdrawal": ("",),
    "missing_item": ("missing_from_parcel",),
}
DEFECTS = {
    "cs": "Po prvním praní se rozpáral šev na rukávu.",
    "sk": "Po prvom praní sa rozpáral šev na rukáve.",
    "pl": "Po pierwszym praniu pękł szew na rękawie.",
}


def load_demo_data(runtime: Runtime) -> tuple[bool, str]:
    """Create the demo merchant unless it exists; returns ``(created, owner e-mail)``. One transaction."""
    with runtime.unit_of_work() as session:
        if session.scalar(select(Account.id).where(Account.slug == DEMO_SLUG)) is not None:
            return False, DEMO_EMAIL
        build_demo(session, CredentialCipher(runtime.settings.secret_key))
    return True, DEMO_EMAIL


def build_demo(session: Session, cipher: CredentialCipher) -> Account:
    rng = random.Random(2026)
    system = Actor.system("demo")
    account = create_account(
        session, payload={"name": "Tričkárna s.r.o.", "slug": DEMO_SLUG, "country": "CZ", "default_language": "cs"}
    )
    users: dict[str, User] = {}
    for full_name, email, role, language in STAFF:
        user = create_user(
            session,
            payload={"email": email, "full_name": full_name, "password": DEMO_PASSWORD, "language": language},
        )
        add_member(session, account=account, actor=system, user=user, role=role)
        users[email] = user
    owner = Actor.member(user_id=users[DEMO_EMAIL].id, role=Role.owner, label="Jana Nováková")
    for language, shop_name, sender in (
        ("sk", "Tričkáreň.sk", "Tím Tričkáreň"),
        ("pl", "Koszulkarnia", "Zespół Koszulkarni"),
        ("en", "Tričkárna", "Tričkárna team"),
        ("de", "Tričkárna", "Ihr Tričkárna-Team"),
        ("hu", "Tričkárna", "A Tričkárna csapata"),
    ):
        update_branding(
            session,
            account=account,
            actor=owner,
            payload={"language": language, "shop_name": shop_name, "sender_name": sender},
        )
    update_branding(
        session,
        account=account,
        actor=owner,
        payload={"language": "cs", "shop_name": "Tričkárna", "sender_name": "Tým Tričkárny",
                 "signature": "Jana Nováková, Tričkárna s.r.o., Praha"},
    )  # fmt: skip
    channels: list[tuple[DemoChannel, SalesChannel, list[Order]]] = []
    for spec in CHANNELS:
        channel = connect_channel(
            session,
            account=account,
            actor=owner,
            cipher=cipher,
            payload={
                "platform": spec.platform,
                "name": spec.name,
                "external_shop_id": spec.external_shop_id,
                "shop_url": spec.shop_url,
                "country": spec.country,
                "currency": spec.currency,
                "default_language": spec.language,
                "default_consultant_id": users[spec.consultant_email].id,
            },
        )
        channel.status = spec.status
        if spec.status is ChannelStatus.error:
            channel.status_message = "The seller's authorisation expired; reconnect the Allegro account."
        badge_side, shipping = WIDGETS[spec.platform]
        update_widget_settings(
            session,
            account=account,
            actor=owner,
            channel_id=channel.id,
            payload={"badge_side": badge_side, "shop_domains": [*default_shop_domains(channel), DEMO_SHOPS_ORIGIN]},
        )
        for option in shipping:
            add_shipping_option(session, account=account, actor=owner, channel_id=channel.id, payload=option)
        orders = [
            upsert_order(session, account=account, channel=channel, snapshot=_order(rng, spec, n))
            for n in range(ORDERS_PER_CHANNEL)
        ]
        channels.append((spec, channel, orders))
    _demo_cases(session, rng, account, owner, channels)
    _demo_ratings(session, account)
    return account


#: Scores the demo's closed cases get from their shoppers: 13 of 14 satisfied, so the badge shows.
DEMO_SCORES = (5, 5, 4, 5, 5, 5, 4, 5, 5, 2, 5, 5, 4, 5)


def _demo_ratings(session: Session, account: Account) -> None:
    """Shoppers rate the closed demo cases, then the nightly certificate computation runs once."""
    closed = session.scalars(
        Case.select_for_account(account.id).where(Case.closed_at.is_not(None)).order_by(Case.id)
    ).all()
    for case, score in zip(closed, DEMO_SCORES, strict=False):
        rate_case(session, account=account, actor=Actor.customer(case.customer_email), case=case, score=score)
    compute_certificate(session, account=account)


def _order(rng: random.Random, spec: DemoChannel, number: int) -> OrderSnapshot:
    name, city, zip_code = rng.choice(spec.customers)
    ordered_at = clock.now() - timedelta(days=rng.randint(3, 120), hours=rng.randint(0, 23))
    lines = []
    for index, (product, code, price) in enumerate(rng.sample(spec.products, rng.randint(1, 3))):
        lines.append(
            OrderLineSnapshot(
                external_id=f"{number}-{index}",
                name=product,
                quantity=Decimal(rng.choice((1, 1, 1, 2, 3))),
                unit_price=Money(Decimal(price), spec.currency),
                vat_rate=Decimal({"CZ": "21", "SK": "23", "PL": "23"}[spec.country]),
                product_code=code,
            )
        )
    total = sum((line.unit_price.amount * line.quantity for line in lines), Decimal("0"))
    address = AddressSnapshot(
        full_name=name, street="Hlavní 12", city=city, zip_code=zip_code, country_code=spec.country
    )
    email = fold(name).replace(" ", ".") + f"{number}@example.com"
    return OrderSnapshot(
        external_id=f"{spec.platform}-{10000 + number}",
        code=f"{spec.country}{2026_00000 + number}",
        customer_name=name,
        customer_email=email,
        currency=spec.currency,
        total=Money(total, spec.currency),
        ordered_at=ordered_at,
        lines=tuple(lines),
        customer_phone="+420 777 123 456" if spec.country == "CZ" else "",
        billing_address=address,
        shipping_address=address,
        language=spec.language,
        paid_at=ordered_at + timedelta(hours=1),
        delivered_at=ordered_at + timedelta(days=rng.randint(1, 4)),
    )


def _demo_cases(
    session: Session,
    rng: random.Random,
    account: Account,
    owner: Actor,
    channels: list[tuple[DemoChannel, SalesChannel, list[Order]]],
) -> None:
    """At least one case in every status of every type, spread over channels; older open ones run late."""
    case_types = session.scalars(CaseType.select_for_account(account.id).order_by(CaseType.position)).all()
    unused = [order for _, _, orders in channels for order in orders]
    rng.shuffle(unused)
    for case_type in case_types:
        for round_number in range(2):
            for status in case_type.statuses:
                if round_number == 1 and status.is_closing:
                    continue
                order = unused.pop()
                _demo_case(session, rng, account, owner, case_type, status, order)


def _demo_case(
    session: Session,
    rng: random.Random,
    account: Account,
    owner: Actor,
    case_type: CaseType,
    target: CaseStatus,
    order: Order,
) -> Case:
    delivered = order.delivered_at or order.ordered_at
    lodged_at = min(delivered + timedelta(days=rng.randint(1, 20)), clock.now() - timedelta(hours=2))
    line = order.items[0]
    case = open_case(
        session,
        account=account,
        actor=owner,
        payload={
            "case_type": case_type.code,
            "order_id": order.id,
            "lodged_at": lodged_at.isoformat(),
            "notify_customer": False,
            "description": DEFECTS.get(order.language, DEFECTS["cs"]) if case_type.code == "complaint" else "",
            "items": [
                {
                    "order_item_id": line.id,
                    "quantity": "1",
                    "reason": rng.choice(REASONS[case_type.code]),
                    "defect_description": DEFECTS.get(order.language, "") if case_type.code == "complaint" else "",
                    "requested_remedy": "repair" if case_type.code == "complaint" else "refund",
                }
            ],
        },
        origin=rng.choice((CaseOrigin.storefront, CaseOrigin.storefront, CaseOrigin.direct_link, CaseOrigin.agent)),
    )
    case.created_at = lodged_at
    case.updated_at = lodged_at + timedelta(hours=rng.randint(1, 96))
    for step in _path(session, case.status_id, target.id):
        status = session.get(CaseStatus, step)
        assert status is not None
        _prepare_items_for(session, account, owner, case, status)
        transition_case(session, account=account, actor=owner, case=case, to_status=status.code, notify_customer=False)
    if rng.random() < 0.3:
        tag_case(session, account=account, actor=owner, case=case, name=rng.choice(("VIP", "urgent", "B2B")))
    if rng.random() < 0.3:
        add_note(session, account=account, actor=owner, case=case, body="Zákazník volal, prosí o rychlé vyřízení.")
    return case


def _prepare_items_for(session: Session, account: Account, owner: Actor, case: Case, status: CaseStatus) -> None:
    """Keep items consistent with the status the case is about to enter (goods received, decisions made)."""
    item = case.items[0]
    if status.code in {"goods_received", "in_review", "at_service"} and item.reception_state.value == "expected":
        receive_item(session, account=account, actor=owner, case=case, item_id=item.id, state="received")
    if status.is_closing and status.code != "cancelled" and item.decision_state.value == "pending":
        if status.code == "rejected":
            decide_item(session, account=account, actor=owner, case=case, item_id=item.id, decision="rejected",
                        note="Vada vznikla nesprávným používáním.")  # fmt: skip
        else:
            resolution = {"repaired": "repair", "replaced": "replace", "approved_discount": "discount",
                          "missing_item_sent": "replace"}.get(status.code, "refund")  # fmt: skip
            decide_item(session, account=account, actor=owner, case=case, item_id=item.id, decision="accepted",
                        resolution=resolution)  # fmt: skip


def _path(session: Session, start_id: int, target_id: int) -> list[int]:
    """The shortest chain of allowed transitions from one status to another (breadth-first)."""
    edges: dict[int, list[int]] = {}
    for from_id, to_id in session.execute(select(StatusTransition.from_status_id, StatusTransition.to_status_id)):
        edges.setdefault(from_id, []).append(to_id)
    previous: dict[int, int | None] = {start_id: None}
    queue = deque([start_id])
    while queue:
        current = queue.popleft()
        if current == target_id:
            break
        for following in sorted(edges.get(current, [])):
            if following not in previous:
                previous[following] = current
                queue.append(following)
    if target_id not in previous:
        raise LookupError(f"no path from status {start_id} to {target_id}")
    path: list[int] = []
    node: int | None = target_id
    while node is not None and node != start_id:
        path.append(node)
        node = previous[node]
    return list(reversed(path))
