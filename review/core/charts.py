"""Charts drawn on the server as SVG with presentation attributes only.

No `<style>` element and no `style` attribute: the pages' Content-Security-Policy allows no inline styles,
and a chart must look the same inside a page as opened on its own. The SVG has a viewBox and no fixed size,
so it takes the width of the screen and keeps its proportions.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

INK, MUTED, GRID = "#1f2328", "#6a737d", "#d8dee4"
FONT = "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"


def _text(x: float, y: float, body: str, *, size: int = 12, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-family={quoteattr(FONT)} fill="{fill}"'
        f' text-anchor="{anchor}">{escape(body)}</text>'
    )


def _open(title: str, width: int, height: int, summary: str) -> list[str]:
    """The chart's start: its title and, as its text alternative (<desc>), every figure it draws in words."""
    return [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%"'
            f' role="img" aria-label={quoteattr(title)}>'
        ),
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(summary)}</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(width / 2, 24, title, size=15, anchor="middle"),
    ]


def _legend(parts: list[str], entries: list[tuple[str, str]], *, width: int, y: float = 36) -> None:
    step = 96
    x0 = width / 2 - step * len(entries) / 2
    for i, (label, colour) in enumerate(entries):
        x = x0 + i * step
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 18, y + 11, label, size=12))


def diverging_bars(
    title: str,
    rows: list[tuple[str, float]],
    *,
    below: tuple[str, str],
    above: tuple[str, str],
    unit: str = "",
) -> str:
    """A horizontal bar per row from a zero line: negative values left in `below`'s colour, the others right in
    `above`'s; each of `below`/`above` is (legend label, colour)."""
    width, label_w, row_h, top = 720, 150, 24, 64
    plot_x0, plot_x1 = label_w + 10, width - 50
    height = top + row_h * max(len(rows), 1) + 40
    reach = max([abs(v) for _, v in rows] + [0.5])
    zero = (plot_x0 + plot_x1) / 2
    scale = (plot_x1 - zero) / reach
    parts = _open(title, width, height, "；".join(f"{label}：{value:+.2f}{unit}" for label, value in rows))
    _legend(parts, [below, above], width=width)
    bottom = top + row_h * max(len(rows), 1)
    for tick in (-reach, -reach / 2, 0.0, reach / 2, reach):
        x = zero + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"'
            f' stroke-width="{2 if tick == 0 else 1}"/>'
        )
        parts.append(
            _text(x, bottom + 16, f"{tick:+.2f}{unit}" if tick else "0", size=11, anchor="middle", fill=MUTED)
        )
    if not rows:
        parts.append(_text(zero, top + row_h / 2 + 4, "暂无数据", anchor="middle", fill=MUTED))
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        colour = below[1] if value < 0 else above[1]
        x, w = (zero + value * scale, -value * scale) if value < 0 else (zero, value * scale)
        parts.append(_text(label_w, y + row_h / 2 + 4, label, anchor="end"))
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row_h - 8}"'
            f' fill="{colour}"><title>{escape(f"{label}：{value:+.2f}{unit}")}</title></rect>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def ranked_bars(
    title: str,
    rows: list[tuple[str, float, str]],
    *,
    bands: list[tuple[str, str]],
    top_value: float = 100.0,
    unit: str = "",
) -> str:
    """A horizontal bar per row, longest first as given (a league table): each row is (label, value, band), the
    bar in its band's colour; `bands` is the legend, (band, colour) in order, best first."""
    width, label_w, row_h, top = 720, 170, 24, 64
    plot_x0, plot_x1 = label_w + 10, width - 60
    colours = dict(bands)
    height = top + row_h * max(len(rows), 1) + 40
    scale = (plot_x1 - plot_x0) / (top_value or 1)
    parts = _open(title, width, height,
                  "；".join(f"{label}：{value:.2f}{unit}（{band}）" for label, value, band in rows))
    _legend(parts, bands, width=width)
    bottom = top + row_h * max(len(rows), 1)
    for i in range(5):
        tick = top_value * i / 4
        x = plot_x0 + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(x, bottom + 16, f"{tick:g}{unit}", size=11, anchor="middle", fill=MUTED))
    if not rows:
        parts.append(_text((plot_x0 + plot_x1) / 2, top + row_h / 2 + 4, "暂无数据", anchor="middle", fill=MUTED))
    for i, (label, value, band) in enumerate(rows):
        y = top + i * row_h
        w = max(0.0, min(value, top_value)) * scale
        parts.append(_text(label_w, y + row_h / 2 + 4, label, anchor="end"))
        parts.append(
            f'<rect x="{plot_x0:.1f}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row_h - 8}"'
            f' fill="{colours.get(band, MUTED)}"><title>{escape(f"{label}：{value:.2f}{unit}（{band}）")}</title></rect>'
        )
        parts.append(_text(plot_x0 + w + 4, y + row_h / 2 + 4, f"{value:.1f}", size=11, fill=MUTED))
    parts.append("</svg>")
    return "\n".join(parts)


def trend_lines(
    title: str,
    periods: list[str],
    series: list[tuple[str, str, list[float | None]]],
    *,
    low: float = 0.0,
    high: float = 100.0,
    unit: str = "",
) -> str:
    """A line per series over `periods` (oldest first): each series is (label, colour, one value per period, None
    where there is none — the line breaks there), on a vertical scale from `low` to `high`."""
    width, left, right, top, bottom_pad = 720, 56, 24, 64, 48
    height = 320
    plot_w, plot_h = width - left - right, height - top - bottom_pad
    span = (high - low) or 1.0
    step = plot_w / max(len(periods) - 1, 1)
    parts = _open(title, width, height, "；".join(
        f"{label}：" + "，".join(f"{period} {value:.2f}{unit}" for period, value in zip(periods, values, strict=False)
                                if value is not None)
        for label, _, values in series))
    _legend(parts, [(label, colour) for label, colour, _ in series], width=width)

    def x_of(i: int) -> float:
        return left + (i * step if len(periods) > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return top + plot_h - (max(low, min(high, value)) - low) / span * plot_h

    for i in range(5):
        level = low + span * i / 4
        y = y_of(level)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(left - 6, y + 4, f"{level:g}{unit}", size=11, anchor="end", fill=MUTED))
    every = max(1, len(periods) // 12)  # at most about twelve labels
    for i, period in enumerate(periods):
        if i % every == 0 or i == len(periods) - 1:
            parts.append(_text(x_of(i), top + plot_h + 18, period, size=11, anchor="middle", fill=MUTED))
    if not periods or all(v is None for _, _, values in series for v in values):
        parts.append(_text(width / 2, top + plot_h / 2, "暂无数据", anchor="middle", fill=MUTED))
    for label, colour, values in series:
        run: list[str] = []
        for i, value in enumerate(values):
            if value is None:
                if len(run) > 1:
                    parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>')
                run = []
                continue
            x, y = x_of(i), y_of(value)
            run.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(f'{label} {periods[i]}：{value:.2f}{unit}')}</title></circle>"
            )
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    parts.append("</svg>")
    return "\n".join(parts)
