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
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%"'
            f' role="img" aria-label={quoteattr(title)}>'
        ),
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(width / 2, 24, title, size=15, anchor="middle"),
    ]
    legend_x = width / 2 - 90
    for i, (label, colour) in enumerate((below, above)):
        x = legend_x + i * 110
        parts.append(f'<rect x="{x:.1f}" y="36" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 18, 47, label, size=12))
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
