"""The template editor's live preview in real Chromium (htmx from our own static files)."""

import pytest

from tests.fixtures.browser import page_url
from tests.fixtures.tenants import PASSWORD


@pytest.mark.browser
def test_the_template_preview_follows_typing(asgi_server, worlds, browser_context, shoot):
    world = worlds["a"]
    page = browser_context().new_page()
    page.goto(page_url(asgi_server, world.host, "/login/"))
    page.get_by_label("E-mail").fill(world.users["owner"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")

    page.goto(
        page_url(asgi_server, world.host, "/settings/notifications/templates/order.delivered/sms/")
    )
    preview = page.locator("#preview")
    assert "Business ALPHA: your order SO-1042 has been delivered." in preview.inner_text()

    # typing re-renders the preview with the sample order, nothing is saved
    page.get_by_label("Body").fill("Hi {{ recipient_name }}, it is at {{ address }}.")
    preview.get_by_text("Hi Alex Jansen, it is at Keizersgracht 123, Amsterdam.").wait_for()
    page.get_by_label("Body").fill("{% if %}")
    preview.get_by_text("Template error").wait_for()
    shoot(page, "template-error-preview")
