"""Rendering e-mail templates in the Jinja sandbox.

A template is one file with three blocks: ``subject``, ``text`` and ``html``. The html block is
rendered with autoescaping; subject and text by a plain-text environment. Both environments are
sandboxed, so a merchant-edited template cannot reach Python internals. Dates and amounts are
formatted by Babel in the e-mail's language (the ``language`` context variable).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency as babel_format_currency
from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, TemplateNotFound, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import concat
from markupsafe import escape

from retino_core.clock import as_utc
from retino_core.i18n import DEFAULT_LANGUAGE, N_, SUPPORTED_LANGUAGES
from retino_core.messaging.errors import MessagingError, MessagingErrorCode
from retino_core.money import Money

TEMPLATE_FOLDER = Path(__file__).parent / "default_templates"
#: The e-mails the system sends by itself.
SYSTEM_TEMPLATES: tuple[str, ...] = ("case_created", "case_closed", "withdrawal_received")
BLOCKS: tuple[str, ...] = ("subject", "text", "html")
#: Dates in e-mails are shown in the shops' time zone (all supported countries share CET/CEST).
DISPLAY_TIME_ZONE = ZoneInfo("Europe/Prague")

HTML_LAYOUT = (
    '<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n</head>\n'
    '<body style="margin:0;padding:24px;background:#f6f7f9;font-family:Arial,Helvetica,sans-serif;'
    'font-size:15px;line-height:1.5;color:#1f2933;">\n'
    '<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;border-radius:6px;">\n'
    "{body}\n</div>\n</body>\n</html>\n"
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@pass_context
def format_date_filter(context: Context, value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(DISPLAY_TIME_ZONE).date()
    return babel_format_date(value, format=format, locale=context.get("language", DEFAULT_LANGUAGE))


@pass_context
def format_currency_filter(context: Context, value: Money | Decimal | int | None, currency: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        value, currency = value.amount, value.currency
    if not currency:
        raise ValueError("format_currency needs a currency")
    return babel_format_currency(value, currency, locale=context.get("language", DEFAULT_LANGUAGE))


def _make_environment(*, autoescape: bool) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATE_FOLDER),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters["format_date"] = format_date_filter
    environment.filters["format_currency"] = format_currency_filter
    return environment


@functools.cache
def _environments() -> tuple[SandboxedEnvironment, SandboxedEnvironment]:
    """(plain-text environment, html environment), built on first use."""
    return _make_environment(autoescape=False), _make_environment(autoescape=True)


def _render_block(template: Template, block: str, context: dict[str, Any]) -> str:
    render = template.blocks.get(block)
    if render is None:
        raise MessagingError(MessagingErrorCode.template_error, N_("The template has no %(block)s block."), block=block)
    return concat(render(template.new_context(context)))


def _render(text_template: Template, html_template: Template, context: dict[str, Any]) -> RenderedEmail:
    try:
        subject = " ".join(_render_block(text_template, "subject", context).split())
        text = _tidy_text(_render_block(text_template, "text", context))
        body = _render_block(html_template, "html", context).strip()
    except SecurityError as error:
        raise MessagingError(
            MessagingErrorCode.unsafe_template,
            N_("The template uses something that is not allowed: %(detail)s"),
            detail=str(error),
        ) from error
    except (TemplateError, ValueError, TypeError, ArithmeticError) as error:
        raise MessagingError(
            MessagingErrorCode.template_error, N_("The template could not be rendered: %(detail)s"), detail=str(error)
        ) from error
    html = HTML_LAYOUT.format(
        language=escape(context.get("language", DEFAULT_LANGUAGE)), title=escape(subject), body=body
    )
    return RenderedEmail(subject=subject, text=text, html=html)


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render_email(template: str, language: str, context: dict[str, Any]) -> RenderedEmail:
    """Render a shipped template in ``language`` (English if that language has no file)."""
    if template not in SYSTEM_TEMPLATES:
        raise MessagingError(MessagingErrorCode.unknown_template, N_("Unknown e-mail template."), template=template)
    file_language = language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    text_environment, html_environment = _environments()
    name = f"{template}/{file_language}.jinja"
    try:
        text_template = text_environment.get_template(name)
        html_template = html_environment.get_template(name)
    except TemplateNotFound:
        name = f"{template}/{DEFAULT_LANGUAGE}.jinja"
        text_template = text_environment.get_template(name)
        html_template = html_environment.get_template(name)
    return _render(text_template, html_template, {**context, "language": file_language})


def render_email_source(source: str, language: str, context: dict[str, Any]) -> RenderedEmail:
    """Render template text given as a string (a merchant's own), with the same sandbox and blocks."""
    text_environment, html_environment = _environments()
    try:
        text_template = text_environment.from_string(source)
        html_template = html_environment.from_string(source)
    except TemplateError as error:
        raise MessagingError(
            MessagingErrorCode.template_error, N_("The template could not be read: %(detail)s"), detail=str(error)
        ) from error
    return _render(text_template, html_template, {**context, "language": language})
