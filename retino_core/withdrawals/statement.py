"""The wording of a withdrawal statement in each language the storefront speaks.

The statement is a legal declaration that is stored, hashed and e-mailed word for word, so its
text is produced here, in the core, from fixed per-language wording (like the e-mail templates),
not from an editable catalog: the same inputs always give the same text. Times are shown in the
shops' time zone with the UTC offset and the zone's name, so the text alone says when it was made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from retino_core.clock import as_utc
from retino_core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from retino_core.messaging.render import DISPLAY_TIME_ZONE


@dataclass(frozen=True)
class Wording:
    title: str
    declaration: str
    shop: str
    order: str
    items: str
    name: str
    email: str
    when: str


WORDING: dict[str, Wording] = {
    "cs": Wording(
        title="Odstoupení od smlouvy",
        declaration="Tímto odstupuji od kupní smlouvy na níže uvedené zboží.",
        shop="Obchod",
        order="Číslo objednávky",
        items="Zboží",
        name="Jméno",
        email="E-mail",
        when="Datum a čas odstoupení",
    ),
    "sk": Wording(
        title="Odstúpenie od zmluvy",
        declaration="Týmto odstupujem od kúpnej zmluvy na nižšie uvedený tovar.",
        shop="Obchod",
        order="Číslo objednávky",
        items="Tovar",
        name="Meno",
        email="E-mail",
        when="Dátum a čas odstúpenia",
    ),
    "pl": Wording(
        title="Odstąpienie od umowy",
        declaration="Niniejszym odstępuję od umowy sprzedaży poniższych towarów.",
        shop="Sklep",
        order="Numer zamówienia",
        items="Towary",
        name="Imię i nazwisko",
        email="E-mail",
        when="Data i godzina odstąpienia",
    ),
    "en": Wording(
        title="Withdrawal from the contract",
        declaration="I hereby withdraw from the contract of sale of the goods listed below.",
        shop="Shop",
        order="Order number",
        items="Goods",
        name="Name",
        email="E-mail",
        when="Date and time of the withdrawal",
    ),
    "de": Wording(
        title="Widerruf des Vertrags",
        declaration="Hiermit widerrufe ich den von mir abgeschlossenen Vertrag über den Kauf der folgenden Waren.",
        shop="Shop",
        order="Bestellnummer",
        items="Waren",
        name="Name",
        email="E-Mail",
        when="Datum und Uhrzeit des Widerrufs",
    ),
    "hu": Wording(
        title="Elállás a szerződéstől",
        declaration="Kijelentem, hogy elállok az alább felsorolt termékek adásvételi szerződésétől.",
        shop="Webáruház",
        order="Rendelésszám",
        items="Termékek",
        name="Név",
        email="E-mail",
        when="Az elállás dátuma és időpontja",
    ),
}


@dataclass(frozen=True)
class StatementItem:
    name: str
    product_code: str
    quantity: Decimal


def format_moment(moment: datetime, language: str) -> str:
    """E.g. "19. června 2026 14:03:27 (UTC+02:00, Europe/Prague)": date in words, time, offset and zone."""
    local = as_utc(moment).astimezone(DISPLAY_TIME_ZONE)
    offset = local.strftime("%z")
    return (
        f"{format_date(local.date(), format='long', locale=language)} {local:%H:%M:%S} "
        f"(UTC{offset[:3]}:{offset[3:]}, {DISPLAY_TIME_ZONE.key})"
    )


def statement_text(
    *,
    language: str,
    shop_name: str,
    order_code: str,
    items: Sequence[StatementItem],
    customer_name: str,
    customer_email: str,
    submitted_at: datetime,
) -> str:
    """The statement in ``language`` (English for a language we do not speak); plain text, ``\\n`` line ends."""
    language = language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    wording = WORDING[language]
    lines = [
        wording.title,
        "",
        wording.declaration,
        "",
        f"{wording.shop}: {shop_name}",
        f"{wording.order}: {order_code}",
        f"{wording.items}:",
        *(
            f"- {format_decimal(item.quantity.normalize(), locale=language)} × {item.name}"
            + (f" ({item.product_code})" if item.product_code else "")
            for item in items
        ),
        f"{wording.name}: {customer_name}",
        f"{wording.email}: {customer_email}",
        f"{wording.when}: {format_moment(submitted_at, language)}",
    ]
    return "\n".join(lines)
