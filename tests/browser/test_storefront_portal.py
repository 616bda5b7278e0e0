"""The returns portal in Debian's Chromium: a return with two items and an IBAN found by keyboard only,
then a complaint with a photo on a phone-sized screen."""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from retino_core.cases.models import Case, CaseAttachment
from retino_core.custom_fields.models import CustomFieldValue
from tests.storefront.test_portal import EMAIL
from tests.storefront.test_portal import shop as shop


@pytest.fixture
def portal_server(settings, shop):
    from tests.browser.conftest import serve

    yield from serve(settings)


def test_a_return_by_keyboard_and_a_complaint_with_a_photo_on_a_phone(portal_server, browser, shop, session, tmp_path):
    portal = f"{portal_server}/storefront/{shop['channel'].public_id}"
    items = shop["order"].items

    # A return, the lookup form used with the keyboard only.
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{portal}/?lang=en")
    page.get_by_role("link", name="Return").click()
    page.wait_for_url(re.compile(r".*/lookup\?type=return.*"))
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "order_code":
        page.keyboard.press("Tab")
    page.keyboard.type("20260001")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(EMAIL)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/draft/.+/\?lang=en$"))
    for item, quantity, reason in ((items[0], "1", "wrong_size"), (items[1], "1", "changed_mind")):
        page.check(f"#items-o{item.id}-include")
        page.fill(f"#items-o{item.id}-quantity", quantity)
        page.select_option(f"#items-o{item.id}-reason", reason)
    page.fill("#custom-iban", "CZ65 0800 0000 1920 0014 5399")
    page.check(f"input[name='shipping.option_id'][value='{shop['branch'].id}']")
    page.fill(f"#branch-{shop['branch'].id}", "Z-1234")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/summary\?lang=en$"))
    assert "Take the parcel to the branch." in page.inner_text(".portal-instructions")
    page.click("button.portal-confirm")
    page.wait_for_url(re.compile(r".*/s/[^/?]+\?created=1&lang=en$"))
    session.expire_all()
    ret = session.scalar(select(Case).where(Case.number.like("V%")))
    assert [item.quantity for item in ret.items] == [1, 1]
    assert session.scalar(select(CustomFieldValue.value)) == "CZ6508000000192000145399"
    context.close()

    # A complaint with a photo, on a phone.
    picture = tmp_path / "seam.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, format="JPEG")
    picture.write_bytes(buffer.getvalue())
    phone = browser.new_context(locale="cs-CZ", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{portal}/lookup?type=complaint&lang=en")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.fill("#order_code", "20260001")
    page.fill("#email", EMAIL)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/draft/.+"))
    page.check(f"#items-o{items[0].id}-include")
    page.select_option(f"#items-o{items[0].id}-reason", "defect")
    page.fill(f"#items-o{items[0].id}-defect_description", "The seam is coming apart.")
    page.set_input_files(f"#items-o{items[0].id}-photos", str(picture))
    page.check(f"input[name='shipping.option_id'][value='{shop['own'].id}']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/summary.*"))
    assert "seam.jpg" in page.inner_text(".portal-summary-items")
    page.click("button.portal-confirm")
    page.wait_for_url(re.compile(r".*/s/[^/?]+\?created=1.*"))
    session.expire_all()
    complaint = session.scalar(select(Case).where(Case.number.like("R%")))
    attachment = session.scalar(select(CaseAttachment).where(CaseAttachment.case_id == complaint.id))
    assert (attachment.filename, attachment.case_item_id) == ("seam.jpg", complaint.items[0].id)
    phone.close()
