import io
import struct
import zlib

import pytest
from PIL import Image, ImageFile
from sqlalchemy import func, select

from retino_core.accounts.actor import Actor
from retino_core.cases.actions import add_attachment, open_case
from retino_core.cases.attachments import check_attachment, clean_attachment, may_show_inline
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.cases.models import CaseAttachment, CaseOrigin
from retino_core.messaging.inbound import InboundAttachment
from retino_core.messaging.inbound_actions import record_customer_message
from retino_core.storage import LocalFolderStorage


@pytest.fixture
def case(session, shop):
    account, _, actor, _, order = shop
    payload = {
        "case_type": "complaint",
        "order_id": order.id,
        "items": [{"order_item_id": order.items[0].id, "quantity": "1", "reason": "defect"}],
        "notify_customer": False,
    }
    return open_case(session, account=account, actor=actor, payload=payload, origin=CaseOrigin.agent)


def _upload(session, shop, case, storage, data, filename="photo.jpg"):
    account, _, actor, _, _ = shop
    return add_attachment(
        session, account=account, actor=actor, case=case, storage=storage, filename=filename, data=data
    )


def _encoded(image, image_format, **options):
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def _png_header(width, height):
    """A PNG whose header claims ``width``×``height`` pixels, with one tiny IDAT: a bomb's shape."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _two_colour(width, height):
    """Left half red, right half blue."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 0, 255), (width // 2, 0, width, height))
    return image


def _stored_count(session):
    return session.scalar(select(func.count()).select_from(CaseAttachment))


def test_a_jpeg_html_polyglot_is_re_encoded_into_a_plain_jpeg(session, shop, case, tmp_path):
    # given: a real JPEG with HTML in a comment segment and after the end-of-image marker
    storage = LocalFolderStorage(tmp_path)
    jpeg = _encoded(Image.new("RGB", (16, 16), (10, 200, 10)), "JPEG", comment=b"<script>alert(1)</script>")
    polyglot = jpeg + b"<html><body><script>alert(document.domain)</script></body></html>"
    assert b"<script>" in polyglot
    # when
    attachment = _upload(session, shop, case, storage, polyglot, filename="photo.html.jpg")
    # then
    stored = storage.read(attachment.storage_key)
    assert b"<script" not in stored
    assert b"<html" not in stored
    assert stored.endswith(b"\xff\xd9")
    assert (attachment.content_type, attachment.size_bytes) == ("image/jpeg", len(stored))
    assert attachment.storage_key.endswith(".jpg")
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, image.info.get("comment")) == ("JPEG", (16, 16), None)


def test_a_50000_by_50000_png_is_refused_from_its_header_before_decoding(session, shop, case, tmp_path, monkeypatch):
    # given: decoding pixels would fail the test
    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    bomb = _png_header(50_000, 50_000)
    assert len(bomb) < 200
    # when
    with pytest.raises(CaseError) as raised:
        _upload(session, shop, case, LocalFolderStorage(tmp_path), bomb, filename="bomb.png")
    # then
    assert raised.value.code is CaseErrorCode.attachment_too_large
    assert str(raised.value) == "The image is larger than 25 megapixels."
    assert (raised.value.message, raised.value.params) == (
        "The image is larger than %(limit)s megapixels.",
        {"limit": 25},
    )
    assert _stored_count(session) == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (6_000, 5_000),  # 30 MP: under Pillow's own guard, over ours
        (10_000, 10_000),  # 100 MP: Pillow warns (an error under this suite's filterwarnings)
        (20_000, 20_000),  # 400 MP: Pillow raises DecompressionBombError
    ],
)
def test_images_over_25_megapixels_are_refused_at_every_size(width, height, monkeypatch):
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("pixels were decoded"))
    with pytest.raises(CaseError) as raised:
        check_attachment(_png_header(width, height))
    assert raised.value.code is CaseErrorCode.attachment_too_large


def test_an_image_of_exactly_25_megapixels_header_is_not_refused_for_its_size():
    # A header-only file of 5000×5000 passes the size check and then fails to decode (it has no pixels).
    with pytest.raises(CaseError) as raised:
        check_attachment(_png_header(5_000, 5_000))
    assert raised.value.code is CaseErrorCode.attachment_type_not_allowed
    assert str(raised.value) == "The image cannot be read. It may be damaged; try another file."


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "photo.svg"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "photo.jpg"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "photo.png"),
        (b"<?php system($_GET['c']); ?>", "photo.jpg"),
        (b"GIF89a\x01\x00\x01\x00", "photo.gif"),
        (b"II*\x00", "photo.tiff"),
        (b"", "empty.png"),
    ],
)
def test_svg_html_php_and_other_kinds_are_refused_whatever_their_name(session, shop, case, tmp_path, data, filename):
    with pytest.raises(CaseError) as raised:
        _upload(session, shop, case, LocalFolderStorage(tmp_path), data, filename=filename)
    assert raised.value.code is CaseErrorCode.attachment_type_not_allowed
    assert str(raised.value) == "Only JPEG, PNG, WebP and PDF files are accepted."
    assert _stored_count(session) == 0


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0<html>not really a jpeg</html>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"RIFF\x10\x00\x00\x00WEBPVP8 <script>",
    ],
)
def test_a_file_with_an_image_signature_that_does_not_decode_is_refused(session, shop, case, tmp_path, data):
    with pytest.raises(CaseError) as raised:
        _upload(session, shop, case, LocalFolderStorage(tmp_path), data)
    assert raised.value.code is CaseErrorCode.attachment_type_not_allowed
    assert str(raised.value) == "The image cannot be read. It may be damaged; try another file."
    assert _stored_count(session) == 0


def test_a_truncated_jpeg_is_refused():
    jpeg = _encoded(_two_colour(64, 64), "JPEG")
    with pytest.raises(CaseError) as raised:
        clean_attachment(jpeg[: len(jpeg) // 2])
    assert raised.value.code is CaseErrorCode.attachment_type_not_allowed


def test_exif_with_the_gps_position_is_removed(session, shop, case, tmp_path):
    # given: a photo with the camera, the GPS position and a comment
    storage = LocalFolderStorage(tmp_path)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (50.0, 5.0, 12.5)
    gps[3] = "E"
    gps[4] = (14.0, 25.0, 3.0)
    photo = _encoded(Image.new("RGB", (32, 24), (120, 80, 40)), "JPEG", exif=exif.tobytes())
    with Image.open(io.BytesIO(photo)) as original:
        assert original.getexif().get_ifd(0x8825)[2] == (50.0, 5.0, 12.5)
    # when
    attachment = _upload(session, shop, case, storage, photo)
    # then
    stored = storage.read(attachment.storage_key)
    assert b"Exif" not in stored
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (32, 24)


@pytest.mark.parametrize(("image_format", "content_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_exif_is_removed_from_png_and_webp_too(image_format, content_type):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    data = _encoded(Image.new("RGBA", (8, 8), (1, 2, 3, 128)), image_format, exif=exif.tobytes())
    assert b"PhoneMaker" in data
    clean = clean_attachment(data)
    assert (clean.content_type, b"PhoneMaker" in clean.data) == (content_type, False)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert (image.format, image.mode, image.size, dict(image.getexif())) == (image_format, "RGBA", (8, 8), {})


def test_the_exif_orientation_is_applied_so_the_photo_stays_upright(session, shop, case, tmp_path):
    # given: 40×20 pixels stored sideways, with Orientation 6 ("rotate 90° clockwise to view")
    storage = LocalFolderStorage(tmp_path)
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = _encoded(_two_colour(40, 20), "JPEG", exif=exif.tobytes(), quality=95)
    # when
    attachment = _upload(session, shop, case, storage, photo)
    # then: 20×40 upright, red (the stored left half) on top, and no orientation tag left to apply twice
    with Image.open(io.BytesIO(storage.read(attachment.storage_key))) as image:
        assert image.size == (20, 40)
        assert 0x0112 not in image.getexif()
        top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert [round(channel / 255) for channel in top] == [1, 0, 0]
    assert [round(channel / 255) for channel in bottom] == [0, 0, 1]


def test_a_path_name_is_shown_harmlessly_and_stored_under_a_random_key(session, shop, case, tmp_path):
    storage = LocalFolderStorage(tmp_path)
    png = _encoded(Image.new("RGB", (4, 4), (0, 0, 0)), "PNG")
    first = _upload(session, shop, case, storage, png, filename="../../app.py")
    second = _upload(session, shop, case, storage, png, filename="../../app.py")
    assert (first.filename, first.content_type) == ("app.py", "image/png")
    assert "app" not in first.storage_key
    assert ".." not in first.storage_key
    assert "/" not in first.storage_key
    assert first.storage_key.endswith(".png")
    assert first.storage_key != second.storage_key
    assert not (tmp_path.parent / "app.py").exists()
    assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == sorted(
        [first.storage_key.rsplit("/", 1)[-1], second.storage_key.rsplit("/", 1)[-1]]
    )


def test_a_pdf_is_kept_byte_for_byte_and_only_images_are_shown_inline(session, shop, case, tmp_path):
    storage = LocalFolderStorage(tmp_path)
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    attachment = _upload(session, shop, case, storage, pdf, filename="faktura.pdf")
    assert storage.read(attachment.storage_key) == pdf
    assert (attachment.content_type, attachment.size_bytes) == ("application/pdf", len(pdf))
    assert [may_show_inline(kind) for kind in ("image/jpeg", "image/png", "image/webp", "application/pdf")] == [
        True,
        True,
        True,
        False,
    ]


def test_a_palette_png_keeps_its_transparency():
    image = Image.new("P", (4, 4), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.putpixel((1, 1), 1)
    clean = clean_attachment(_encoded(image, "PNG", transparency=0))
    with Image.open(io.BytesIO(clean.data)) as out:
        assert (out.mode, out.info.get("transparency"), out.getpixel((1, 1))) == ("P", 0, 1)


def test_a_bomb_in_a_status_page_reply_is_refused_and_nothing_is_stored(session, shop, case, tmp_path):
    account, _, _, _, _ = shop
    with pytest.raises(CaseError) as raised:
        record_customer_message(
            session,
            account=account,
            actor=Actor.customer(case.customer_email),
            case=case,
            storage=LocalFolderStorage(tmp_path),
            body="Posílám fotku.",
            attachments=(InboundAttachment("bomb.png", _png_header(50_000, 50_000)),),
        )
    assert raised.value.code is CaseErrorCode.attachment_too_large
    assert _stored_count(session) == 0
