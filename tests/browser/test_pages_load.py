"""The browser harness itself: Debian's Chromium opens the live server's pages on a tenant host, and
the vendored front-end libraries are served from our own static files."""

from tests.browser.dispatcher import sign_in_form_submit


def test_sign_in_page_works_in_chromium_with_vendored_libraries(
    asgi_server, worlds, browser_context, shoot
):
    world = worlds["a"]
    page = browser_context().new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(f"http://{world.host}:{asgi_server.port}/")
            else outside.append(request.url)
        ),
    )

    sign_in_form_submit(page, asgi_server, world, "dispatcher")
    page.wait_for_load_state("networkidle")
    shoot(page, "signed-in")

    for library in ("leaflet/leaflet.js", "django_htmx/htmx-2.min.js"):
        status = page.evaluate("url => fetch(url).then(r => r.status)", f"/static/{library}")
        assert status == 200, library
    assert outside == []
    assert "/login/" not in page.url
