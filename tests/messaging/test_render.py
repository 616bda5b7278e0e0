from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from jinja2.sandbox import SecurityError

from retino_core.i18n import SUPPORTED_LANGUAGES
from retino_core.messaging import MessagingError, MessagingErrorCode, render_email, render_email_source
from retino_core.money import Money

CONTEXT = {
    "shop_name": "Módní Shop",
    "sender_name": "Tým Módní Shop",
    "signature": "",
    "customer_name": "Petr Dvořák",
    "case_number": "R00042",
    "case_type_name": "Reklamace",
    "status_name": "Vyřízeno",
    "lodged_at": datetime(2026, 3, 14, 23, 30, tzinfo=UTC),
    "closed_at": datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
    "items": [
        {
            "name": "Tričko s potiskem",
            "product_code": "T-1",
            "quantity": "2",
            "unit_price": Money(Decimal("499.00"), "CZK"),
        },
        {"name": "Łódka żółta", "product_code": "", "quantity": "1", "unit_price": None},
    ],
    "status_url": "http://shop.example.test/s/abc",
    "rating_url": "http://shop.example.test/s/abc/rate",
}

EXPECTED_SUBJECTS = {
    ("case_created", "cs"): "Založili jsme váš případ R00042 – Módní Shop",
    ("case_created", "sk"): "Založili sme váš prípad R00042 – Módní Shop",
    ("case_created", "pl"): "Utworzyliśmy Twoje zgłoszenie R00042 – Módní Shop",
    ("case_created", "en"): "We have created your case R00042 – Módní Shop",
    ("case_created", "de"): "Wir haben Ihren Vorgang R00042 angelegt – Módní Shop",
    ("case_created", "hu"): "Rögzítettük ügyét: R00042 – Módní Shop",
    ("case_closed", "cs"): "Váš případ R00042 jsme uzavřeli – ohodnoťte nás",
    ("case_closed", "sk"): "Váš prípad R00042 sme uzavreli – ohodnoťte nás",
    ("case_closed", "pl"): "Twoje zgłoszenie R00042 zostało zamknięte – oceń nas",
    ("case_closed", "en"): "Your case R00042 is closed – how did we do?",
    ("case_closed", "de"): "Ihr Vorgang R00042 ist abgeschlossen – wie zufrieden waren Sie?",
    ("case_closed", "hu"): "Lezártuk ügyét (R00042) – értékelje munkánkat",
}


@pytest.mark.parametrize(("template", "language"), sorted(EXPECTED_SUBJECTS))
def test_every_system_template_renders_in_every_language(template, language):
    # when
    rendered = render_email(template, language, CONTEXT)
    # then
    assert rendered.subject == EXPECTED_SUBJECTS[(template, language)]
    assert "Petr Dvořák" in rendered.text
    assert "Petr Dvořák" in rendered.html
    assert "Tým Módní Shop" in rendered.text
    assert f'<html lang="{language}">' in rendered.html
    url = CONTEXT["status_url"] if template == "case_created" else CONTEXT["rating_url"]
    assert f"{url}\n" in rendered.text
    assert f'href="{url}"' in rendered.html


def test_templates_exist_for_exactly_the_supported_languages():
    assert {(t, lang) for t, lang in EXPECTED_SUBJECTS} == {
        (t, lang) for t in ("case_created", "case_closed") for lang in SUPPORTED_LANGUAGES
    }


def test_czech_case_created_text_is_exact():
    rendered = render_email("case_created", "cs", CONTEXT)
    assert rendered.text == (
        "Dobrý den, Petr Dvořák,\n\n"
        "děkujeme, váš požadavek jsme přijali a založili jsme k němu případ.\n\n"
        "Číslo případu: R00042\n"
        "Typ: Reklamace\n"
        "Přijato: 15. března 2026\n\n"
        "Položky:\n"
        "- 2 × Tričko s potiskem (499,00\xa0Kč)\n"
        "- 1 × Łódka żółta\n\n"
        "Stav případu můžete kdykoli sledovat zde:\n"
        "http://shop.example.test/s/abc\n\n"
        "S pozdravem\n"
        "Tým Módní Shop\n"
    )


def test_polish_case_closed_keeps_diacritics_and_formats_in_polish():
    rendered = render_email("case_closed", "pl", CONTEXT)
    assert "Wynik: Vyřízeno\n" in rendered.text
    assert "Data zamknięcia: 20 marca 2026\n" in rendered.text
    assert "Będzie nam miło, jeśli ocenisz, jak poradziliśmy sobie z Twoim zgłoszeniem." in rendered.text
    assert ">Oceń obsługę zgłoszenia</a>" in rendered.html


def test_currency_is_formatted_in_the_email_language():
    assert "(499,00\xa0Kč)" in render_email("case_created", "cs", CONTEXT).html
    assert "(CZK499.00)" in render_email("case_created", "en", CONTEXT).text
    assert "(499,00\xa0CZK)" in render_email("case_created", "de", CONTEXT).text


def test_signature_replaces_the_sender_name():
    rendered = render_email("case_created", "en", {**CONTEXT, "signature": "Jana\nCustomer care"})
    assert rendered.text.endswith("Kind regards\nJana\nCustomer care\n")


def test_html_escapes_the_customer_name_but_text_keeps_it():
    context = {**CONTEXT, "customer_name": "<script>alert(1)</script>"}
    rendered = render_email("case_created", "en", context)
    assert "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt;,</p>" in rendered.html
    assert "<script>" not in rendered.html
    assert rendered.text.startswith("Hello <script>alert(1)</script>,\n")


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__",
        "cycler.__init__.__globals__",
        "''|attr('__class__')",
        "'{0.__class__.__mro__}'|attr('format')(customer_name)",
        "'{0.__class__}'.format(customer_name)",
    ],
)
def test_sandbox_blocks_access_to_python_internals(expression):
    source = "{% block subject %}x{% endblock %}{% block text %}{{ " + expression + " }}{% endblock %}"
    with pytest.raises(MessagingError) as raised:
        render_email_source(source, "cs", CONTEXT)
    assert raised.value.code is MessagingErrorCode.unsafe_template
    assert isinstance(raised.value.__cause__, SecurityError)


def test_unknown_placeholder_is_a_template_error():
    source = "{% block subject %}{{ nope }}{% endblock %}{% block text %}{% endblock %}{% block html %}{% endblock %}"
    with pytest.raises(MessagingError) as raised:
        render_email_source(source, "en", CONTEXT)
    assert raised.value.code is MessagingErrorCode.template_error


def test_unknown_template_is_refused():
    with pytest.raises(MessagingError) as raised:
        render_email("password_reset", "en", CONTEXT)
    assert raised.value.code is MessagingErrorCode.unknown_template
