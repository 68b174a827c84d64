"""Small charts as inline SVG, rendered on the server (no chart library, no script)."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 150
VALUE_WIDTH = 90


def bar_chart(
    items: list[tuple[str, float]], *, title: str, unit: str = "", kind: str = ""
) -> SafeString:
    """Horizontal bars, one per (label, value); values printed at the bar's end."""
    height = max(1, len(items)) * (BAR_HEIGHT + GAP) + GAP
    largest = max((value for _, value in items), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    ]
    for index, (label, value) in enumerate(items):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = max(0.0, value) / largest * span
        shown = (
            f"{value:,.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
        )
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar {kind}" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3"></rect>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 16}">'
            f"{escape(shown)}{escape(unit)}</text>"
        )
    if not items:
        no_data = escape(_("No data"))
        parts.append(f'<text x="{LABEL_WIDTH}" y="20">{no_data}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
