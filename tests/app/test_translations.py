"""Every user-facing message has its translations: the admin's in Czech, the storefront's in every shopper language."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"N_": None, "_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
#: What the storefront catalogs must cover (the same list as ``STOREFRONT_TEXT_SOURCES`` in the Makefile).
STOREFRONT_SOURCES = (
    "marketplace_app/storefront",
    "retino_core/cases",
    "retino_core/custom_fields",
    "retino_core/messaging",
    "retino_core/orders",
    "retino_core/channels",
    "retino_core/intake",
    "retino_core/shipping",
    "retino_core/withdrawals",
    "retino_core/ratings",
    "retino_core/errors.py",
    "retino_core/validation.py",
)
STOREFRONT_LANGUAGES = ("cs", "sk", "pl", "de", "hu")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _message_id(message) -> str:
    return message if isinstance(message, str) else message[0]


def _not_storefront(path: str) -> bool:
    return Path(path).name != "storefront"


def _admin_messages() -> set[str]:
    messages: set[str] = set()
    for package in ("retino_core", "marketplace_app", "adapters"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / package, METHODS, keywords=KEYWORDS, directory_filter=_not_storefront
        ):
            messages.add(_message_id(message))
    return messages


def _storefront_messages() -> set[str]:
    messages: set[str] = set()
    for source in STOREFRONT_SOURCES:
        path = ROOT / source
        if path.is_dir():
            found = (entry[2] for entry in extract_from_dir(path, METHODS, keywords=KEYWORDS))
        else:
            found = (entry[1] for entry in extract_from_file("python", path, keywords=KEYWORDS))
        messages.update(_message_id(message) for message in found)
    return messages


def _catalog(path: Path, language: str):
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _translated(catalog) -> set[str]:
    return {
        _message_id(message.id)
        for message in catalog
        if message.id
        and not message.fuzzy
        and all(message.string if isinstance(message.string, tuple) else (message.string,))
    }


def _placeholder_mismatches(catalog) -> list[str]:
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(PLACEHOLDER.findall(sources[-1]))
        wrong.extend(_message_id(message.id) for target in targets if sorted(PLACEHOLDER.findall(target)) != expected)
    return wrong


ADMIN_CATALOG = ROOT / "marketplace_app/translations/cs/LC_MESSAGES/messages.po"


def test_every_admin_message_has_a_czech_translation():
    assert sorted(_admin_messages() - _translated(_catalog(ADMIN_CATALOG, "cs"))) == []


def test_admin_placeholders_survive_translation():
    assert _placeholder_mismatches(_catalog(ADMIN_CATALOG, "cs")) == []


@pytest.mark.parametrize("language", STOREFRONT_LANGUAGES)
def test_every_storefront_message_is_translated(language):
    catalog = _catalog(ROOT / f"marketplace_app/storefront/translations/{language}/LC_MESSAGES/storefront.po", language)
    assert sorted(_storefront_messages() - _translated(catalog)) == []
    assert _placeholder_mismatches(catalog) == []
