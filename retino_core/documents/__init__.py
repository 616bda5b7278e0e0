"""Documents rendered from shipped templates to PDF: for now the protocol of a case.

``case_protocol_pdf`` checks the reader's permission, formats the case in the document's
language and renders it (``render.py``: sandboxed Jinja with the ``documents`` gettext catalog,
then xhtml2pdf with the bundled DejaVu fonts and no access to anything else).

The labels are English msgids in the template, translated in ``translations/<language>/
LC_MESSAGES/documents.po`` (cs, sk, pl, de, hu); the ``.mo`` files are compiled by ``make
translations``. After changing a label, re-extract ``translations/documents.pot`` from
``templates/`` with Babel's ``jinja2`` method, update the catalogs from it and translate the new
entries: a test fails while any label of the template lacks a translation.
"""

from __future__ import annotations

from retino_core.documents.actions import CaseProtocol, build_case_protocol, case_protocol_pdf, protocol_filename
from retino_core.documents.errors import DocumentError, DocumentErrorCode
from retino_core.documents.render import DOCUMENT_LANGUAGES, RenderedDocument

__all__ = [
    "DOCUMENT_LANGUAGES",
    "CaseProtocol",
    "DocumentError",
    "DocumentErrorCode",
    "RenderedDocument",
    "build_case_protocol",
    "case_protocol_pdf",
    "protocol_filename",
]
