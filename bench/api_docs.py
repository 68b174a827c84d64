"""/api/docs/ end to end in a real browser: Debian's Chromium (Playwright) against the web server
started as production starts it (`config.settings.production`, collected and compressed static
files, uvicorn with WEB_CONCURRENCY workers), on this machine's loopback.

Timed in the page, from navigation start to the moment Swagger UI has rendered the operation list
(the first `.opblock-tag-section` in the DOM, seen by a MutationObserver installed before any
of the page's scripts): once just after the server started (nothing generated yet), then in
ROUNDS fresh browser profiles (cold: empty HTTP cache) each followed by a second visit in the
same profile (warm: scripts from the cache). Baseline, in the same browser and run: `/healthz`
in a fresh profile, navigation start to its load event.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.report import summary
from bench.servers import REPO, load_average, production_environment, serve
from scripts.web import web_concurrency, web_environment

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROUNDS = 5
GOAL_MS = 1000
LISTED = ".opblock-tag-section"
TIMEOUT_MS = 60_000
LOG = Path(f"/tmp/bench-api-docs-{os.getpid()}.log")  # noqa: S108

# Installed before the page's own scripts (Playwright's init scripts are not subject to the CSP).
OBSERVER = """
(() => {
  const mark = () => {
    if (window.__listedAt === undefined && document.querySelector(SELECTOR)) {
      window.__listedAt = performance.now();
      return true;
    }
    return false;
  };
  const observer = new MutationObserver(() => { if (mark()) observer.disconnect(); });
  observer.observe(document, { childList: true, subtree: true });
})();
""".replace("SELECTOR", repr(LISTED))

RESOURCES = """
() => performance.getEntriesByType("resource").map((entry) => ({
  name: entry.name, transfer: entry.transferSize, body: entry.decodedBodySize,
  start: entry.startTime, end: entry.responseEnd,
}))
"""


def _collect_static(env: dict[str, str]) -> None:
    """What the Docker image does at build time: hashed, compressed files under STATIC_ROOT."""
    subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPO,
        env=env,
        check=True,
        timeout=600,
    )


def _visit(page, url: str) -> dict:
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    page.wait_for_selector(LISTED, state="attached", timeout=TIMEOUT_MS)
    listed = page.evaluate("() => window.__listedAt")
    resources = page.evaluate(RESOURCES)
    schema = [entry for entry in resources if "/api/schema/" in entry["name"]]
    return {
        "listed": listed / 1000,
        "transfer": sum(entry["transfer"] for entry in resources),
        "schema_end": schema[-1]["end"] / 1000 if schema else None,
        "scripts_end": max(
            (entry["end"] for entry in resources if entry["name"].endswith(".js")), default=0
        )
        / 1000,
    }


def _baseline(browser, url: str) -> float:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        return (
            page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
        )
    finally:
        context.close()


def measure(host: str) -> str:
    """The docs' section of pages.md (markdown)."""
    env = production_environment()
    _collect_static(env)
    workers = web_concurrency()
    server = serve(
        "uvicorn", "config.asgi:application", workers=workers, env=web_environment(env), log=LOG
    )
    load_before = load_average()
    try:
        from playwright.sync_api import sync_playwright

        base = f"http://{host}:{server.port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                rows = _rounds(browser, base)
            finally:
                browser.close()
    finally:
        server.stop()
    load_after = load_average()
    return _table(rows, workers=workers, load=(load_before, load_after))


def _rounds(browser, base: str) -> dict:
    docs = f"{base}/api/docs/"
    first_context = browser.new_context()
    first_context.add_init_script(OBSERVER)
    first = _visit(first_context.new_page(), docs)
    first_context.close()
    cold, warm, baseline = [], [], []
    for _ in range(ROUNDS):
        baseline.append(_baseline(browser, f"{base}/healthz"))
        context = browser.new_context()
        context.add_init_script(OBSERVER)
        try:
            page = context.new_page()
            cold.append(_visit(page, docs))
            warm.append(_visit(page, docs))
        finally:
            context.close()
        time.sleep(0.2)
    return {"first": first, "cold": cold, "warm": warm, "baseline": baseline}


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.0f}"


def _table(rows: dict, *, workers: int, load: tuple[float, float]) -> str:
    baseline = summary(rows["baseline"])["median"]
    lines = [
        "| visit | rendered: median | p90 | vs. baseline | schema received | scripts received "
        "| bytes over the wire | under 1 s |",
        "|---|---|---|---|---|---|---|---|",
        f"| baseline: `/healthz` in a fresh profile (load event) | {_ms(baseline)} | "
        f"{_ms(summary(rows['baseline'])['p90'])} | 1.0× | — | — | — | — |",
    ]

    def line(label: str, visits: list[dict]) -> str:
        stats = summary([visit["listed"] for visit in visits])
        schema = [visit["schema_end"] for visit in visits if visit["schema_end"] is not None]
        return (
            f"| {label} | {_ms(stats['median'])} | {_ms(stats['p90'])} | "
            f"{stats['median'] / baseline:.1f}× | "
            f"{_ms(statistics.median(schema)) if schema else '—'} | "
            f"{_ms(statistics.median(visit['scripts_end'] for visit in visits))} | "
            f"{statistics.median(visit['transfer'] for visit in visits) / 1024:,.0f} KB | "
            f"{'yes' if stats['median'] < GOAL_MS / 1000 else '**no**'} |"
        )

    lines.append(
        line("first visit after the server started (schema prepared at start)", [rows["first"]])
    )
    lines.append(line(f"cold: a fresh profile, empty cache ({ROUNDS}×)", rows["cold"]))
    lines.append(line(f"warm: the same profile again ({ROUNDS}×)", rows["warm"]))
    cold = rows["cold"]
    scripts = statistics.median(visit["scripts_end"] for visit in cold)
    schema = statistics.median(visit["schema_end"] or 0 for visit in cold)
    rendered = statistics.median(visit["listed"] for visit in cold)
    where = (
        f"\nWhere a cold visit's time goes (medians): the scripts are in by {_ms(scripts)} ms; "
        f"the schema request leaves only once Swagger UI's 1.5 MB bundle has been evaluated "
        f"(no code cache in a fresh profile) and is in by {_ms(schema)} ms; laying out the "
        f"operation list takes the remaining {_ms(rendered - schema)} ms. A warm visit "
        "evaluates the cached, compiled scripts at once. Each web process generates the schema "
        "as it starts (API_SCHEMA_PREPARE_ON_START), so the first visit does not wait for it.\n"
    )
    return (
        "### `/api/docs/` in Chromium, end to end\n\n"
        f"Production settings, uvicorn with {workers} worker process(es) (`scripts/web.py`'s "
        "command), static files collected and compressed; Debian Chromium (headless, Playwright) "
        "on the same machine. Milliseconds from navigation start to Swagger UI's operation list "
        f"in the DOM (`{LISTED}`); *schema received* and *scripts received* are when the last "
        "of each arrived (Resource Timing). Load average (1 min) "
        f"{load[0]:.2f} before, {load[1]:.2f} after.\n\n" + "\n".join(lines) + "\n" + where
    )
