"""What an attachment may be: recognised by its first bytes, never by its name or declared type.

Every upload path (the storefront and its status page, inbound e-mail, the admin) ends in
``cases.actions.add_attachment``, which stores only what :func:`clean_attachment` returns:

- only JPEG, PNG, WebP and PDF, told by their magic bytes (an SVG, HTML page or PHP script
  renamed to ``.jpg`` is refused: none of them starts with an image or PDF signature);
- at most ``MAX_ATTACHMENT_BYTES`` bytes;
- images at most ``MAX_IMAGE_PIXELS`` pixels, checked from the header *before* any pixel is
  decoded, so a small file that would inflate to gigabytes (a decompression bomb) costs nothing;
- images are decoded and **re-encoded**: the stored file holds only pixels, so EXIF (GPS position,
  camera serial), comments, ICC and XMP blocks, trailing bytes and anything a polyglot hid after or
  inside the image are gone. The EXIF orientation is applied first, so the photo stays upright;
- PDFs are kept byte for byte (re-rendering them would change the document the customer sent);
  they must therefore only ever be served as a download (:func:`may_show_inline`).
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.i18n import N_

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_PER_CASE = 10
#: About 25 megapixels: more than any phone camera takes, far less than a bomb inflates to
#: (25 MP of RGBA is 100 MB of memory while decoding).
MAX_IMAGE_PIXELS = 25_000_000

#: Magic-byte prefixes of the file kinds we accept, mapped to (content type, suffix).
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)

#: The Pillow format each sniffed image type must really be, and the encoder options it is saved with.
_IMAGE_FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "image/jpeg": ("JPEG", {"quality": 90}),
    "image/png": ("PNG", {}),
    "image/webp": ("WEBP", {"quality": 90}),
}
#: Modes each encoder writes as they are; anything else is converted (see ``_encodable``).
_ENCODABLE_MODES: dict[str, frozenset[str]] = {
    "JPEG": frozenset({"L", "RGB", "CMYK"}),
    "PNG": frozenset({"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"}),
    "WEBP": frozenset({"RGB", "RGBA"}),
}
#: Everything Pillow raises for a file it cannot or will not read.
_UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


@dataclass(frozen=True)
class CleanAttachment:
    """The bytes to store (re-encoded for an image, as uploaded for a PDF) and their kind."""

    content_type: str
    suffix: str
    data: bytes


def sniff_content_type(data: bytes) -> tuple[str, str] | None:
    """``(content_type, suffix)`` for an accepted kind of file, else None. WebP needs RIFF…WEBP.

    Only the magic bytes: cheap, for sorting files. Whether a file may be stored is
    :func:`check_attachment`'s answer.
    """
    for prefix, content_type, suffix in _SIGNATURES:
        if data.startswith(prefix):
            return content_type, suffix
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def check_attachment(data: bytes) -> tuple[str, str]:
    """``(content_type, suffix)`` of a file :func:`clean_attachment` will take; raises ``CaseError`` if not.

    Decodes an image fully (so a truncated or corrupt one is refused here, not later), but does
    not encode it: for screening a batch (inbound e-mail) before anything is stored.
    """
    content_type, suffix = _kind(data)
    if content_type in _IMAGE_FORMATS:
        _decode(data, content_type).close()
    return content_type, suffix


def clean_attachment(data: bytes) -> CleanAttachment:
    """The storable form of an upload: an image re-encoded without metadata, a PDF unchanged.

    Raises ``CaseError`` (``attachment_too_large`` for bytes or pixels over the limits,
    ``attachment_type_not_allowed`` for any other kind or an unreadable image).
    """
    content_type, suffix = _kind(data)
    if content_type not in _IMAGE_FORMATS:
        return CleanAttachment(content_type=content_type, suffix=suffix, data=data)
    image_format, options = _IMAGE_FORMATS[content_type]
    with _decode(data, content_type) as decoded:
        upright = _encodable(ImageOps.exif_transpose(decoded), image_format)
    # Only the transparency of a palette/grey image survives; EXIF, ICC, XMP, text chunks do not.
    transparency = upright.info.get("transparency")
    upright.info = (
        {} if transparency is None or upright.mode not in {"P", "L", "RGB"} else {"transparency": transparency}
    )
    out = io.BytesIO()
    upright.save(out, format=image_format, **options)
    upright.close()
    return CleanAttachment(content_type=content_type, suffix=suffix, data=out.getvalue())


def may_show_inline(content_type: str) -> bool:
    """Whether a stored file may be shown in the browser: re-encoded images yes, PDFs only as a download."""
    return content_type in _IMAGE_FORMATS


def display_filename(filename: str, fallback: str = "attachment") -> str:
    """A harmless name to show: no path, no control characters, no leading dots, at most 120 chars."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:120] or fallback


def _kind(data: bytes) -> tuple[str, str]:
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise CaseError(
            CaseErrorCode.attachment_too_large,
            N_("The file is larger than %(limit)s MB."),
            limit=MAX_ATTACHMENT_BYTES // (1024 * 1024),
        )
    sniffed = sniff_content_type(data)
    if sniffed is None:
        raise _not_allowed()
    return sniffed


def _not_allowed() -> CaseError:
    return CaseError(CaseErrorCode.attachment_type_not_allowed, N_("Only JPEG, PNG, WebP and PDF files are accepted."))


def _unreadable() -> CaseError:
    return CaseError(
        CaseErrorCode.attachment_type_not_allowed, N_("The image cannot be read. It may be damaged; try another file.")
    )


def _decode(data: bytes, content_type: str) -> Image.Image:
    """The image's first frame, decoded, after the header proved it is the sniffed format and small enough.

    ``Image.open`` reads only the header; the pixel count is checked before ``load()`` decodes
    anything. Pillow's own bomb guard (``MAX_IMAGE_PIXELS``, a process-wide setting we leave
    alone) would warn or raise first for the largest images; both count as too large here.
    """
    image_format = _IMAGE_FORMATS[content_type][0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[image_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except _UNREADABLE:
        raise _unreadable() from None
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise _too_many_pixels()
    if width < 1 or height < 1:
        image.close()
        raise _unreadable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        image.close()
        raise _too_many_pixels() from None
    except _UNREADABLE:
        image.close()
        raise _unreadable() from None
    return image


def _too_many_pixels() -> CaseError:
    return CaseError(
        CaseErrorCode.attachment_too_large,
        N_("The image is larger than %(limit)s megapixels."),
        limit=MAX_IMAGE_PIXELS // 1_000_000,
    )


def _encodable(image: Image.Image, image_format: str) -> Image.Image:
    """``image`` in a mode the format's encoder writes; alpha is kept where the format has it."""
    if image.mode in _ENCODABLE_MODES[image_format]:
        return image
    has_alpha = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (image.mode == "P" and "transparency" in image.info)
    if image_format == "JPEG":
        return image.convert("RGB")
    if image_format == "PNG" and image.mode.startswith("I;16"):
        return image.convert("I")
    return image.convert("RGBA" if has_alpha else "RGB")
