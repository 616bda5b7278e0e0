"""The case protocol PDF: what it says in each language, that its letters survive (embedded DejaVu),
who may download it, what is refused, and that rendering can reach nothing but the bundled fonts."""

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from pypdf import PdfReader
from sqlalchemy import func, select
from xhtml2pdf.config.resources import ResourceAccessError

from retino_core.accounts.actor import Actor
from retino_core.accounts.models import AccountStatus
from retino_core.accounts.permissions import Role
from retino_core.case_types.models import CaseType
from retino_core.cases.actions import decide_item, open_case, receive_item
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import CaseHistory, CaseOrigin
from retino_core.custom_fields.actions import create_field_definition, link_field_to_case_type, set_case_field_values
from retino_core.documents import DOCUMENT_LANGUAGES, DocumentError, DocumentErrorCode, case_protocol_pdf
from retino_core.documents.render import (
    FONT_FOLDER,
    TEMPLATE_FOLDER,
    TRANSLATION_FOLDER,
    ResourceRefused,
    html_to_pdf,
    link_callback,
    resource_policy,
    translations_for,
)
from retino_core.errors import ErrorKind

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SYSTEM = Actor.system("test")
TITLES = {
    "cs": "Reklamační protokol",
    "sk": "Reklamačný protokol",
    "pl": "Protokół reklamacyjny",
    "en": "Complaint protocol",
    "de": "Reklamationsprotokoll",
    "hu": "Jegyzőkönyv minőségi kifogásról",
}
#: 499.00 CZK per language, as Babel writes it (non-breaking spaces made plain).
PRICES = {
    "cs": "499,00 Kč",
    "sk": "499,00 CZK",
    "pl": "499,00 CZK",
    "en": "CZK499.00",
    "de": "499,00 CZK",
    "hu": "499,00 CZK",
}
PANGRAM = "Příliš žluťoučký kůň úpěl ďábelské ódy; ěščřžýáíéůú; zażółć gęślą jaźń; őű ŐŰ; äöüß"


@dataclass
class Shop:
    account: Any
    owner: Any
    channel: Any
    order: Any
    case: Any


def _link_field(session, account, payload: dict[str, Any]) -> None:
    definition = create_field_definition(session, account=account, actor=SYSTEM, payload=payload)
    complaint = session.scalar(CaseType.select_for_account(account.id).where(CaseType.code == "complaint"))
    link_field_to_case_type(
        session, account=account, actor=SYSTEM, case_type_id=complaint.id, field_id=definition.id, is_required=False
    )


def _build_shop(session, make_account, make_member, make_channel, make_order, *, name: str) -> Shop:
    account = make_account(name=name, country="CZ")
    _, owner = make_member(account, Role.owner)
    channel = make_channel(account, name="Tričkárna.cz")
    order = make_order(channel, code="2026000123")
    for payload in (
        {
            "key": "iban",
            "field_type": "iban",
            "names": {"en": "Account for the refund", "cs": "Účet pro vrácení"},
            "is_public": True,
        },
        {"key": "bought_on", "field_type": "date", "names": {"en": "Bought on", "cs": "Zakoupeno"}, "is_public": True},
        {
            "key": "original_box",
            "field_type": "checkbox",
            "names": {"en": "Original box", "cs": "Původní krabice"},
            "is_public": True,
        },
        {
            "key": "size",
            "scope": "item",
            "field_type": "dropdown",
            "names": {"en": "Size", "cs": "Velikost"},
            "options": [{"value": "m", "names": {"en": "Medium", "cs": "Střední"}}],
            "is_public": True,
        },
        {
            "key": "weight",
            "field_type": "number",
            "names": {"en": "Weight (kg)", "cs": "Hmotnost (kg)"},
            "is_public": True,
        },
        {
            "key": "colours",
            "field_type": "multichoice",
            "names": {"en": "Colours", "cs": "Barvy"},
            "options": [{"value": "red", "names": {"cs": "Červená"}}, {"value": "blue", "names": {"cs": "Modrá"}}],
            "is_public": True,
        },
        {"key": "customer_note", "field_type": "multiline", "names": {"cs": "Vzkaz zákazníka"}, "is_public": True},
        {"key": "internal_rating", "field_type": "text", "names": {"en": "Internal rating", "cs": "Interní hodnocení"}},
    ):
        _link_field(session, account, payload)
    case = open_case(
        session,
        account=account,
        actor=owner,
        payload={
            "case_type": "complaint",
            "order_id": order.id,
            "customer_name": "Jiří Čermák",
            "customer_phone": "+420 777 123 456",
            "description": f"Zákazník přinesl zboží osobně.\n{PANGRAM}",
            "items": [
                {
                    "order_item_id": order.items[0].id,
                    "quantity": "1",
                    "reason": "defect",
                    "defect_description": "Praskl šev na rukávu.",
                    "requested_remedy": "repair",
                },
                {"order_item_id": order.items[1].id, "quantity": "1", "reason": "defect"},
            ],
            "notify_customer": False,
        },
        origin=CaseOrigin.agent,
    )
    set_case_field_values(
        session,
        account=account,
        actor=owner,
        case=case,
        values={
            "iban": "CZ6508000000192000145399",
            "bought_on": "2026-01-15",
            "original_box": True,
            "weight": "1234.5",
            "colours": ["blue", "red"],
            "customer_note": "Prosím o rychlé vyřízení.\nDěkuji.",
            "internal_rating": "Tajná poznámka",
        },
    )
    set_case_field_values(session, account=account, actor=owner, case=case, item=case.items[0], values={"size": "m"})
    receive_item(session, account=account, actor=owner, case=case, item_id=case.items[0].id, state="received")
    receive_item(
        session,
        account=account,
        actor=owner,
        case=case,
        item_id=case.items[0].id,
        state="inspected",
        note="Šev je rozpáraný v délce 4 cm.",
    )
    decide_item(
        session,
        account=account,
        actor=owner,
        case=case,
        item_id=case.items[0].id,
        decision="accepted",
        resolution="repair",
        note="Vada uznána, opravíme.",
    )
    session.flush()
    return Shop(account, owner, channel, order, case)


@pytest.fixture
def shop(session, make_account, make_member, make_channel, make_order) -> Shop:
    with time_machine.travel(NOW, tick=False):
        return _build_shop(session, make_account, make_member, make_channel, make_order, name="Tričkárna")


def _text(content: bytes) -> str:
    """The PDF's text as pypdf extracts it, with every run of white space (line ends, NBSP) made one space."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _protocol(session, shop: Shop, language: str | None = None, actor: Any = None) -> Any:
    with time_machine.travel(NOW, tick=False):
        return case_protocol_pdf(
            session, account=shop.account, actor=actor or shop.owner, case_id=shop.case.id, language=language
        )


def test_the_protocol_is_a_pdf_named_after_the_case(session, shop):
    document = _protocol(session, shop)
    assert shop.case.number == "R00001"
    assert document.filename == "R00001.pdf"
    assert document.content_type == "application/pdf"
    assert document.content.startswith(b"%PDF")
    assert document.sha256 == hashlib.sha256(document.content).hexdigest()


def test_the_czech_protocol_says_everything_a_customer_is_handed(session, shop):
    text = _text(_protocol(session, shop, "cs").content)
    for expected in (
        "Prodávající Tričkárna",
        "Číslo případu R00001",
        "Reklamační protokol",
        "Typ Reklamace",
        "Aktuální stav Nový",
        "Datum uplatnění reklamace 2. 3. 2026 10:30",
        "Datum založení případu 2. 3. 2026 10:30",
        "Jméno Jiří Čermák",
        "E-mail petr.dvorak@example.test",
        "Telefon +420 777 123 456",
        "Číslo objednávky 2026000123",
        "Prodejní kanál Tričkárna.cz",
        "Datum objednávky 20. 2. 2026",
        "Datum doručení 22. 2. 2026",
        "1. Tričko s potiskem",
        "Množství 1",
        "Jednotková cena 499,00 Kč",
        "Celkem 499,00 Kč",
        "Důvod Vada nebo nefunkčnost",
        "Požadovaný způsob vyřízení Oprava",
        "Převzetí zboží Zkontrolováno",
        "Rozhodnutí Uznáno",
        "Způsob vyřízení Oprava",
        "Velikost Střední",
        "Popis vady Praskl šev na rukávu.",
        "Zjištění při kontrole Šev je rozpáraný v délce 4 cm.",
        "Odůvodnění rozhodnutí Vada uznána, opravíme.",
        "2. Kšiltovka",
        "Rozhodnutí Zatím nerozhodnuto",
        "Celková hodnota položek 798,00 Kč",
        "Účet pro vrácení CZ6508000000192000145399",
        "Zakoupeno 15. 1. 2026",
        "Původní krabice Ano",
        "Hmotnost (kg) 1 234,5",
        "Barvy Modrá, Červená",
        "Vzkaz zákazníka Prosím o rychlé vyřízení. Děkuji.",
        "Lhůta Termín Splněno dne Vyřízení reklamace 1. 4. 2026 —",
        "Popis Zákazník přinesl zboží osobně.",
        "Datum vystavení: 2. 3. 2026",
        "Za prodávajícího Zákazník",
    ):
        assert expected in text, expected
    assert "Tajná poznámka" not in text
    assert "Interní hodnocení" not in text


@pytest.mark.parametrize("language", DOCUMENT_LANGUAGES)
def test_each_language_has_its_title_money_and_letters(session, shop, language):
    text = _text(_protocol(session, shop, language).content)
    assert f"{TITLES[language]} R00001" in text
    assert "Jiří Čermák" in text
    assert "Tričko s potiskem" in text
    assert PRICES[language] in text
    assert PANGRAM in text


def test_the_language_defaults_to_the_cases_language(session, shop):
    shop.case.language = "sk"
    session.flush()
    assert "Reklamačný protokol" in _text(_protocol(session, shop).content)


def test_a_language_code_is_read_case_insensitively(session, shop):
    assert TITLES["de"] in _text(_protocol(session, shop, " DE ").content)


@pytest.mark.parametrize(
    ("type_code", "title", "lodged"),
    [
        ("return", "Protokol o vrácení zboží", "Datum žádosti o vrácení"),
        ("withdrawal", "Záznam o odstoupení od smlouvy", "Datum odstoupení od smlouvy"),
        ("missing_item", "Protokol: Chybějící zboží", "Datum podání"),
    ],
)
def test_the_title_and_the_lodging_date_follow_the_case_kind(session, shop, make_case_row, type_code, title, lodged):
    case = make_case_row(shop.account, type_code=type_code, customer_name="Jiří Čermák", language="cs")
    document = case_protocol_pdf(session, account=shop.account, actor=shop.owner, case_id=case.id)
    text = _text(document.content)
    assert f"{title} {case.number}" in text
    assert f"{lodged} " in text
    assert "Žádné položky." in text
    assert document.filename == f"{case.number}.pdf"


def test_the_fonts_are_embedded_dejavu(session, shop):
    reader = PdfReader(io.BytesIO(_protocol(session, shop, "hu").content))
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/FontDescriptor" in font:
                descriptor = font["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor
                embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert embedded == {"DejaVuSans", "DejaVuSans-Bold"}
    drawn_with: set[str] = set()

    def visit(text, _cm, _tm, font, _size):
        if text.strip() and font is not None:
            drawn_with.add(str(font["/BaseFont"]).split("+")[-1])

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert drawn_with == {"DejaVuSans", "DejaVuSans-Bold"}


def test_customer_text_is_printed_as_text_and_fetches_nothing(session, shop):
    shop.case.description = (
        '<b>tučně</b> & <img src="http://169.254.169.254/latest/meta-data/"> <link href="/etc/passwd">'
    )
    session.flush()
    text = _text(_protocol(session, shop, "cs").content)
    assert '<b>tučně</b> & <img src="http://169.254.169.254/latest/meta-data/"> <link href="/etc/passwd">' in text


def test_long_texts_flow_over_several_pages(session, shop):
    shop.case.description = "\n".join(f"Řádek {number}: " + "žluťoučký kůň " * 12 for number in range(400))
    shop.case.items[0].defect_description = "Vada " * 2000
    session.flush()
    reader = PdfReader(io.BytesIO(_protocol(session, shop, "cs").content))
    assert len(reader.pages) > 5
    assert "Řádek 399:" in " ".join(page.extract_text() for page in reader.pages)


def test_another_accounts_case_is_not_found(session, shop, make_account, make_member, make_channel, make_order):
    with time_machine.travel(NOW, tick=False):
        other = _build_shop(session, make_account, make_member, make_channel, make_order, name="Cizí obchod")
    for case_id in (other.case.id, 0, -1, 2**70):
        with pytest.raises(CaseError) as raised:
            case_protocol_pdf(session, account=shop.account, actor=shop.owner, case_id=case_id)
        assert raised.value.code is CaseErrorCode.case_not_found
        assert raised.value.kind is ErrorKind.not_found


@pytest.mark.parametrize("language", ["xx", "", "cs-CZ", "czech", "fr"])
def test_a_language_the_documents_are_not_written_in_is_invalid(session, shop, language):
    with pytest.raises(DocumentError) as raised:
        _protocol(session, shop, language)
    assert raised.value.code is DocumentErrorCode.unsupported_language
    assert raised.value.kind is ErrorKind.invalid
    assert raised.value.render() == "Documents can be downloaded in these languages only: cs, sk, pl, en, de, hu."


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_download_and_nothing_is_written(session, shop, make_member, role):
    _, actor = make_member(shop.account, role)
    history = session.scalar(select(func.count()).select_from(CaseHistory))
    document = _protocol(session, shop, "cs", actor=actor)
    assert document.content.startswith(b"%PDF")
    assert session.scalar(select(func.count()).select_from(CaseHistory)) == history
    assert (len(session.new), len(session.dirty), len(session.deleted)) == (0, 0, 0)


def test_a_deactivated_account_and_the_customer_can_still_download(session, shop):
    shop.account.status = AccountStatus.deactivated
    session.flush()
    viewer_text = _text(_protocol(session, shop, "cs").content)
    customer_text = _text(_protocol(session, shop, "cs", actor=Actor.customer("petr.dvorak@example.test")).content)
    assert "Reklamační protokol R00001" in viewer_text
    assert "Reklamační protokol R00001" in customer_text


def test_the_link_callback_resolves_only_the_bundled_fonts():
    assert link_callback("DejaVuSans.ttf", None) == str(FONT_FOLDER / "DejaVuSans.ttf")
    assert link_callback("DejaVuSans-Bold.ttf", "/tmp") == str(FONT_FOLDER / "DejaVuSans-Bold.ttf")
    for uri in (
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/font.ttf",
        "/etc/passwd",
        "file:///etc/passwd",
        "../fonts/DejaVuSans.ttf",
        str(FONT_FOLDER / "DejaVuSans.ttf"),
        "data:font/ttf;base64,AAAA",
        "LICENSE.txt",
    ):
        with pytest.raises(ResourceRefused):
            link_callback(uri, None)


def test_the_renderer_policy_allows_no_network_and_only_the_font_folder():
    policy = resource_policy()
    policy.check_path(FONT_FOLDER / "DejaVuSans.ttf")
    for path in ("/etc/passwd", FONT_FOLDER / ".." / "actions.py", TEMPLATE_FOLDER / "case_protocol.jinja"):
        with pytest.raises(ResourceAccessError):
            policy.check_path(path)
    for url in ("https://example.com/logo.png", "http://169.254.169.254/latest/meta-data/", "ftp://example.com/x"):
        with pytest.raises(ResourceAccessError):
            policy.check_url(url)


@pytest.mark.parametrize("reference", ['<img src="http://127.0.0.1:9/x.png">', '<img src="/etc/hostname">'])
def test_rendering_stops_at_a_reference_to_anything_else(reference):
    with pytest.raises(ResourceRefused):
        html_to_pdf(f"<html><body><p>x</p>{reference}</body></html>")


def _template_messages() -> set[str]:
    messages = set()
    for _, message, _, _ in extract_from_file("jinja2", TEMPLATE_FOLDER / "case_protocol.jinja"):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_the_template_has_labels_to_translate():
    messages = _template_messages()
    assert len(messages) > 50
    assert {"Complaint protocol", "Date the complaint was lodged", "Protocol: %(type)s"} <= messages


@pytest.mark.parametrize("language", [language for language in DOCUMENT_LANGUAGES if language != "en"])
def test_every_catalog_translates_every_label_of_the_template(language):
    path = TRANSLATION_FOLDER / language / "LC_MESSAGES" / "documents.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain="documents")
    problems = []
    for message_id in sorted(_template_messages()):
        entry = catalog.get(message_id)
        if entry is None or not entry.string:
            problems.append(f"missing: {message_id}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message_id}")
        elif ("%(type)s" in message_id) != ("%(type)s" in entry.string):
            problems.append(f"placeholder lost: {message_id}")
    assert problems == []
    assert translations_for(language).gettext("Complaint protocol") == TITLES[language]


def test_the_bundled_fonts_and_their_license_are_in_the_package():
    assert sorted(path.name for path in Path(FONT_FOLDER).iterdir()) == [
        "DejaVuSans-Bold.ttf",
        "DejaVuSans.ttf",
        "LICENSE.txt",
    ]
    assert "Bitstream Vera Fonts Copyright" in (FONT_FOLDER / "LICENSE.txt").read_text(encoding="utf-8")


def test_long_words_wrap_instead_of_running_off_the_page(session, shop):
    url = "https://example.com/" + "x" * 1980
    shop.case.description = url
    shop.case.customer_email = "a" * 200 + "@example.test"
    shop.case.items[0].name = "Ž" * 300
    session.flush()
    reader = PdfReader(io.BytesIO(_protocol(session, shop, "cs").content))
    lines = [line for page in reader.pages for line in page.extract_text().splitlines()]
    assert len([line for line in lines if "xxxxxxxxxx" in line]) > 10
    assert len([line for line in lines if "aaaaaaaaaa" in line]) > 2
    assert len([line for line in lines if "ŽŽŽŽŽŽŽŽŽŽ" in line]) > 3
    assert url in "".join(lines)
