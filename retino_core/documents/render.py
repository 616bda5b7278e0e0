"""Turning a shipped document template into a PDF: sandboxed Jinja for the HTML, xhtml2pdf for the PDF.

The template's labels are gettext messages of the module's own ``documents`` domain, compiled from
``translations/<language>/LC_MESSAGES/documents.po`` (English is the source and needs no catalog).
Everything the template shows arrives already formatted as text (dates, amounts, quantities), so
the template only lays it out; the sandbox and autoescaping keep customer-typed text inert.

The PDF renderer may read nothing but the bundled DejaVu fonts: the ``link_callback`` resolves only
their file names and refuses every other reference, and the resource policy given to xhtml2pdf
forbids the network and confines local reads to the font folder. DejaVu Sans is embedded, so
Czech, Slovak, Polish, German and Hungarian letters survive into the file.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from retino_core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

PACKAGE_FOLDER = Path(__file__).resolve().parent
TEMPLATE_FOLDER = PACKAGE_FOLDER / "templates"
FONT_FOLDER = PACKAGE_FOLDER / "fonts"
TRANSLATION_FOLDER = PACKAGE_FOLDER / "translations"
#: The gettext domain of the document labels (``documents.po`` / ``documents.mo``).
TRANSLATION_DOMAIN = "documents"
#: The languages documents are written in: every language the storefront and e-mails speak.
DOCUMENT_LANGUAGES: tuple[str, ...] = SUPPORTED_LANGUAGES
#: The only files a template may reference, by the name it uses in ``url(...)``.
FONT_FILES: dict[str, Path] = {
    "DejaVuSans.ttf": FONT_FOLDER / "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf": FONT_FOLDER / "DejaVuSans-Bold.ttf",
}
PDF_CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class RenderedDocument:
    """A finished document: what to call the download, its bytes and their SHA-256 (hex)."""

    filename: str
    content_type: str
    content: bytes
    sha256: str

    @classmethod
    def pdf(cls, filename: str, content: bytes) -> RenderedDocument:
        return cls(
            filename=filename,
            content_type=PDF_CONTENT_TYPE,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
        )


class ResourceRefused(Exception):
    """A template referenced something other than the bundled fonts; nothing was fetched."""


def link_callback(uri: str, rel: str | None) -> str:
    """Resolve the bundled font names to their files and refuse every other reference.

    xhtml2pdf keeps the original reference when a callback answers with nothing, so refusing has
    to raise: the render stops instead of reaching a URL or a path the template should not know.
    """
    path = FONT_FILES.get(uri) if isinstance(uri, str) else None
    if path is None:
        raise ResourceRefused(f"documents may reference only the bundled fonts, not {str(uri)[:120]!r}")
    return str(path)


def resource_policy() -> ResourceAccessPolicy:
    """No network at all, and local reads confined to the font folder (a second lock behind the callback)."""
    return ResourceAccessPolicy(allow_remote=False, base_dir=FONT_FOLDER)


@functools.cache
def translations_for(language: str) -> NullTranslations:
    """The compiled catalog of ``language``; English is the source text and needs none.

    A missing catalog for another language is an installation fault (the ``.mo`` files are
    compiled by ``make translations``), so it raises rather than printing an English document.
    """
    if language not in DOCUMENT_LANGUAGES:
        raise LookupError(f"no document language {language!r}")
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    translations = Translations.load(str(TRANSLATION_FOLDER), [language], domain=TRANSLATION_DOMAIN)
    if not isinstance(translations, Translations):
        raise LookupError(f"the {language!r} document catalog is not compiled; run the translations build")
    return translations


def nl2br(value: str | None) -> Markup:
    """Escaped text with its line breaks kept (xhtml2pdf does not honour ``white-space: pre-line``)."""
    if not value:
        return Markup("")
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>").join(escape(line) for line in lines)


@functools.cache
def _environment(language: str) -> SandboxedEnvironment:
    """One sandboxed environment per language, with that language's catalog installed."""
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATE_FOLDER),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(translations_for(language), newstyle=True)  # type: ignore[attr-defined]
    environment.filters["nl2br"] = nl2br
    return environment


def render_html(template: str, language: str, context: dict[str, Any]) -> str:
    """The HTML of ``template`` with its labels in ``language``."""
    return _environment(language).get_template(template).render({**context, "language": language})


def html_to_pdf(html: str) -> bytes:
    """Convert our own HTML to PDF bytes; only the bundled fonts can be loaded while doing so."""
    output = io.BytesIO()
    result = pisa.pisaDocument(
        html,
        dest=output,
        encoding="utf-8",
        # In memory throughout: past its default 100 kB xhtml2pdf spills to a temporary file it never closes.
        capacity=-1,
        link_callback=link_callback,
        resource_policy=resource_policy(),
    )
    if result.err:
        raise RuntimeError(f"the PDF could not be rendered ({result.err} errors)")
    return output.getvalue()
