"""The aging report's chart: server-rendered SVG (no JavaScript library, no CDN, nothing the
content security policy has to allow), styled by the `.chart*` classes of app.css, like the
contact centre's dashboard charts."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _short(amount: Decimal) -> str:
    """1234567.89 -> "1.2M", 45210 -> "45.2k", 950.5 -> "951": labels that fit a column."""
    value = float(amount)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def bucket_chart(
    rows: list[dict], *, title: str, width: int = 560, height: int = 200
) -> SafeString:
    """One column per bucket, its amount above it, the bucket and its account count below;
    the exact figures in each column's title (hover, screen readers)."""
    n = max(1, len(rows))
    top = max([float(r["amount"]) for r in rows] + [1.0])
    slot = width / n
    col_w = min(70.0, slot * 0.6)
    plot_top, plot_bottom = 18, height - 36
    plot_h = plot_bottom - plot_top
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, row in enumerate(rows):
        amount = row["amount"]
        x = i * slot + (slot - col_w) / 2
        centre = i * slot + slot / 2
        h = plot_h * float(amount) / top if amount else 0.0
        if amount:
            h = max(1.0, h)
            parts.append(
                f'<rect class="chart-bar" x="{x:.1f}" y="{plot_bottom - h:.1f}" '
                f'width="{col_w:.1f}" height="{h:.1f}"><title>{escape(row["label"])}: '
                f"{amount:,.2f} ({row['accounts']:,} accounts)</title></rect>"
            )
        parts.append(
            f'<text class="chart-value" x="{centre:.1f}" y="{plot_bottom - h - 4:.1f}" '
            f'text-anchor="middle">{escape(_short(amount))}</text>'
        )
        parts.append(
            f'<text class="chart-label" x="{centre:.1f}" y="{plot_bottom + 14}" '
            f'text-anchor="middle">{escape(row["label"])}</text>'
        )
        parts.append(
            f'<text class="chart-label" x="{centre:.1f}" y="{plot_bottom + 28}" '
            f'text-anchor="middle">{row["accounts"]:,} acct</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
