"""Every user-facing message in the code has a Czech translation in the admin catalog."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"N_": None, "_": None, "gettext": None, "lazy_gettext": None}


def _extracted() -> set[str]:
    messages: set[str] = set()
    for package in ("retino_core", "marketplace_app", "adapters"):
        for _, _, message, _, _ in extract_from_dir(ROOT / package, METHODS, keywords=KEYWORDS):
            messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_every_message_has_a_czech_translation():
    with (ROOT / "marketplace_app/translations/cs/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="cs")
    translated = {
        message.id[0] if isinstance(message.id, tuple) else message.id
        for message in catalog
        if message.id and all(message.string if isinstance(message.string, tuple) else (message.string,))
    }
    assert sorted(_extracted() - translated) == []


def test_placeholders_survive_translation():
    import re

    with (ROOT / "marketplace_app/translations/cs/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="cs")
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(placeholder.findall(sources[-1]))
        for target in targets:
            assert sorted(placeholder.findall(target)) == expected, message.id
