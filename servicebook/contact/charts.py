"""Server-rendered SVG charts for the dashboard: no JavaScript charting library, no CDN,
nothing the content security policy has to allow. Colours come from classes in app.css."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart(
    items: list[tuple[str, float | None]],
    *,
    title: str,
    unit: str = "",
    width: int = 560,
    bar_height: int = 16,
    target: float | None = None,
) -> SafeString:
    """Horizontal bars, one per item, labelled with their value; an optional target line.
    Empty values are drawn as "—" with no bar."""
    label_w, value_w, gap = 150, 60, 6
    plot_w = width - label_w - value_w
    values = [v for _, v in items if v is not None]
    top = max([*values, target or 0, 1])
    height = max(1, len(items)) * (bar_height + gap) + gap
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_height + gap)
        parts.append(
            f'<text class="chart-label" x="{label_w - 6}" y="{y + bar_height - 4}" '
            f'text-anchor="end">{escape(label[:24])}</text>'
        )
        if value is None:
            parts.append(
                f'<text class="chart-value" x="{label_w + 4}" y="{y + bar_height - 4}">—</text>'
            )
            continue
        w = max(1.0, plot_w * value / top)
        parts.append(
            f'<rect class="chart-bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}">'
            f"<title>{escape(label)}: {value:g}{escape(unit)}</title></rect>"
        )
        parts.append(
            f'<text class="chart-value" x="{label_w + w + 4:.1f}" y="{y + bar_height - 4}">'
            f"{value:g}{escape(unit)}</text>"
        )
    if target is not None:
        x = label_w + plot_w * target / top
        parts.append(
            f'<line class="chart-target" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}">'
            f"<title>target {target:g}{escape(unit)}</title></line>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def column_chart(
    items: list[tuple[str, float | None]], *, title: str, unit: str = "", height: int = 150
) -> SafeString:
    """Vertical columns over time (one per day), the value on hover and for screen
    readers in the title of each column."""
    n = max(1, len(items))
    col_w = max(6, min(28, 560 // n))
    width = n * (col_w + 3) + 30
    values = [v for _, v in items if v is not None]
    top = max([*values, 1])
    plot_h = height - 22
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart-label" x="2" y="10">{top:g}{escape(unit)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        x = 28 + i * (col_w + 3)
        if value:
            h = max(1.0, plot_h * value / top)
            parts.append(
                f'<rect class="chart-bar" x="{x}" y="{plot_h - h + 12:.1f}" width="{col_w}" '
                f'height="{h:.1f}"><title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
            )
        if n <= 16 or i % max(1, n // 8) == 0:
            parts.append(
                f'<text class="chart-label" x="{x}" y="{height - 2}">{escape(label[-5:])}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
