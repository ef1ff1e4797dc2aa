"""A server-rendered SVG bar chart: no JavaScript, no CDN."""

from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shop.money import format_money, format_money_round

WIDTH, HEIGHT = 720, 220
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 56, 28, 12


def sales_chart_svg(days: list[tuple[date, Decimal]]) -> str:
    """Bars of takings per day, with a labelled axis; safe to mark_safe."""
    peak = max((amount for _day, amount in days), default=0) or Decimal(1)
    plot_w = WIDTH - MARGIN_LEFT - 8
    plot_h = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_w / max(1, len(days))
    title = ngettext(
        "Sales per day, last %(count)d day",
        "Sales per day, last %(count)d days",
        len(days),
    ) % {"count": len(days)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="sales-chart">',
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP + plot_h}" x2="{WIDTH - 8}" '
        f'y2="{MARGIN_TOP + plot_h}" class="axis"/>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 10}" class="tick" '
        f'text-anchor="end">{escape(format_money_round(peak))}</text>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + plot_h}" class="tick" '
        'text-anchor="end">0</text>',
    ]
    for index, (day, amount) in enumerate(days):
        height = float(amount) / float(peak) * plot_h
        x = MARGIN_LEFT + index * step + step * 0.15
        y = MARGIN_TOP + plot_h - height
        # Translators: a bar's tooltip in the sales chart, e.g. "5 Mar: ¥88.50".
        label = _("%(day)s: %(amount)s") % {
            "day": date_format(day, "MONTH_DAY_FORMAT"),
            "amount": format_money(amount),
        }
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
            f'height="{height:.1f}" class="bar"><title>{escape(label)}</title></rect>'
        )
        if index % 5 == 0 or index == len(days) - 1:
            parts.append(
                f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - 8}" class="tick" '
                f'text-anchor="middle">{escape(date_format(day, "MONTH_DAY_FORMAT"))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
