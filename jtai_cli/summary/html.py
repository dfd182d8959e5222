"""The summary as one self-contained HTML page: each table with its chart (hand-written SVG).

Charts are horizontal bars with their labels, every label escaped: no plotting library, and
nothing fetched from the network.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from jtai_cli._version import __version__
from jtai_cli.parsing import fmt_date

from .disclosure import ANY_LIST, NOT_PREVALENCE, RANGE, SMALL, SYMBOLS, THRESHOLD

if TYPE_CHECKING:  # the types only: results imports this module to render
    from .results import Summary, SummaryTable

# --------------------------------------------------------------------------- charts

_BLUE, _LIGHT, _GREY, _TEXT = "#1d70b8", "#b7d0e8", "#505a5f", "#0b0c0c"
_FONT = 'font-family="Arial,Helvetica,Liberation Sans,DejaVu Sans,sans-serif"'
#: Chart geometry (px): width, bar area, line height of a label, gap between rows.
_WIDTH, _BAR_AREA, _LINE, _GAP, _PAD = 600, 250, 15, 9, 6
_CHAR = 6.6  # average width of a 12px Arial character, for laying out labels


def _fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.1f}"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    return str(v)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) \
        and not (isinstance(v, float) and math.isnan(v))


def _span(v: object) -> tuple[float, float] | None:
    """The range a shown value stands for: a number n is (0, n); "<5" is (1, 4); "22-25"
    is (22, 25); "[c]" and blanks have none."""
    if _is_number(v):
        return 0.0, float(v)  # type: ignore[arg-type]
    if v == SMALL:
        return 1.0, float(THRESHOLD - 1)
    if isinstance(v, str) and (m := RANGE.match(v)):
        return float(m.group(1)), float(m.group(2))
    return None


def _esc(text: object) -> str:
    """Text escaped for SVG (XML): &, <, >, and both quotes."""
    return html.escape(str(text), quote=True)


def _wrap(text: str, width: int = 34) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return lines


def _bars(rows: Sequence[tuple[list[str], object]], top: float, label_w: float, y0: float
          ) -> tuple[list[str], float]:
    """SVG elements for horizontal bars, one per (label lines, shown value), from ``y0``.

    A number is a solid bar; a range ("22-25", or "<5" as 1 to 4) is a pale bar from its low
    to its high end with an outline, so a hidden figure is drawn as what is known of it; "[c]"
    has no bar. Every bar is labelled with the value its table shows.
    """
    out: list[str] = []
    x0 = label_w + 8
    y = y0
    scale = _BAR_AREA / top if top else 0.0
    for lines, v in rows:
        h = max(len(lines), 1) * _LINE
        mid = y + h / 2
        for k, line in enumerate(lines):
            ty = mid - (len(lines) - 1) * _LINE / 2 + k * _LINE + 4
            out.append(f'<text x="{label_w:.1f}" y="{ty:.1f}" text-anchor="end">'
                       f"{_esc(line)}</text>")
        span = _span(v)
        end = x0
        if span is not None:
            lo, hi = span
            bx, bw = x0 + lo * scale, max((hi - lo) * scale, 1.0)
            bh = min(h, 18.0)
            if _is_number(v):
                out.append(f'<rect class="bar" x="{bx:.1f}" y="{mid - bh / 2:.1f}" '
                           f'width="{bw:.1f}" height="{bh:.1f}" fill="{_BLUE}"/>')
            else:
                out.append(f'<rect class="range" x="{bx:.1f}" y="{mid - bh / 2:.1f}" '
                           f'width="{bw:.1f}" height="{bh:.1f}" fill="{_LIGHT}" '
                           f'stroke="{_BLUE}" stroke-dasharray="3 2"/>')
            end = bx + bw
        style = "" if _is_number(v) else f' fill="{_GREY}" font-style="italic"'
        out.append(f'<text x="{end + 5:.1f}" y="{mid + 4:.1f}"{style}>{_esc(_fmt(v))}</text>')
        y += h + _GAP
    return out, y


def _svg_doc(title: str, body: list[str], height: float) -> str:
    return (f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" '
            f'width="{_WIDTH}" height="{height:.0f}" viewBox="0 0 {_WIDTH} {height:.0f}" '
            f'{_FONT} font-size="12" fill="{_TEXT}"><title>{_esc(title)}</title>'
            + "".join(body) + "</svg>")


def _label_width(labels: Iterable[list[str]]) -> float:
    longest = max((len(line) for lines in labels for line in lines), default=4)
    return min(_WIDTH - _BAR_AREA - 80.0, longest * _CHAR + 4)


def _bar_chart(table: SummaryTable, prefix: str) -> str | None:
    """Horizontal bars of the chart column, each labelled with the value its table shows.

    Hand-written SVG. A range ("22-25") is drawn as a range bar, "<5" as a range from 1 to 4,
    "[c]" with no bar; no chart when nothing can be drawn. ``prefix`` is kept for callers (the
    SVG has no ids to make unique).
    """
    frame, col = table.frame, table.chart
    if col is None or col not in frame:
        return None
    part = frame.drop(index=table.total_row) if table.total_row in frame.index else frame
    values = list(part[col])
    if not any((_is_number(v) and v) or (isinstance(v, str) and RANGE.match(v))
               for v in values):
        return None
    rows = [(_wrap(str(i)), v) for i, v in zip(part.index, values, strict=True)]
    top = max((s[1] for v in values if (s := _span(v)) is not None), default=0.0)
    label_w = _label_width(lines for lines, _ in rows)
    body, y = _bars(rows, top * 1.05, label_w, _PAD)
    body.append(f'<text x="{label_w + 8:.1f}" y="{y + 8:.1f}" fill="{_GREY}">'
                f"{_esc(col)}</text>")
    return _svg_doc(f"{table.title}: {col}", body, y + 16)


def _trend_chart(table: SummaryTable, prefix: str) -> str | None:
    """One group of bars per flagged-children measure, one bar per snapshot, labelled as in
    the table; hidden values as in ``_bar_chart``."""
    frame = table.frame
    measures = [r for r in frame.index if str(r).startswith("Flagged children")]
    if not measures:
        return None
    dates = [str(c) for c in frame.columns]
    values = [v for r in measures for v in frame.loc[r]]
    top = max((s[1] for v in values if (s := _span(v)) is not None), default=0.0)
    if not top:
        return None
    label_w = _label_width([[d] for d in dates])
    body: list[str] = []
    y = float(_PAD)
    for r in measures:
        for line in _wrap(str(r).removeprefix("Flagged children: "), 70):
            y += _LINE
            body.append(f'<text x="0" y="{y:.1f}" font-weight="bold">{_esc(line)}</text>')
        y += 4
        part, y = _bars([([d], v) for d, v in zip(dates, frame.loc[r], strict=True)],
                        top * 1.05, label_w, y)
        body += part
        y += 4
    return _svg_doc(table.title, body, y + 4)


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:Arial,Helvetica,"Liberation Sans","DejaVu Sans",sans-serif;color:#0b0c0c;
margin:0;background:#fff;line-height:1.4}
header{background:#0b0c0c;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:26px}header p{margin:4px 0 0;color:#dfe1e2}
main{max-width:1240px;margin:0 auto;padding:8px 32px 40px}
h2{font-size:21px;margin:34px 0 4px;border-top:2px solid #1d70b8;padding-top:14px}
p.desc{margin:0 0 12px;color:#383f43;max-width:70em}
.pair{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}
.pair>.tbl{flex:0 1 auto;overflow-x:auto}
.pair>figure{flex:1 1 420px;margin:0;max-width:620px}
svg.chart{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:14px}
caption{text-align:left;font-weight:bold;padding-bottom:4px}
th,td{padding:5px 10px;border-bottom:1px solid #b1b4b6;text-align:left;vertical-align:top}
thead th{background:#f3f2f1;border-bottom:2px solid #0b0c0c}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.s{color:#505a5f;font-style:italic}
tr.total th,tr.total td{font-weight:bold;border-top:2px solid #0b0c0c}
.meta{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:16px 0}
.meta dt{font-weight:bold}.meta dd{margin:0}
.key{display:flex;flex-wrap:wrap;gap:16px;margin:18px 0}
.key div{background:#f3f2f1;border-left:5px solid #1d70b8;padding:10px 16px;min-width:170px}
.key b{display:block;font-size:30px}
ul.notes li{margin:2px 0}
p.nochart{color:#505a5f;font-style:italic;margin:0}
footer{color:#505a5f;font-size:13px;margin-top:40px}
@media print{.pair{display:block}h2{break-before:auto}section{break-inside:avoid}}
"""


def _table_html(t: SummaryTable) -> str:
    frame = t.frame
    head = "".join(f'<th scope="col" class="{"n" if k else ""}">{html.escape(str(c))}</th>'
                   for k, c in enumerate([frame.index.name or "", *frame.columns]))
    body = []
    for label, row in frame.iterrows():
        cls = ' class="total"' if label == t.total_row else ""
        cells = []
        for v in row:
            kind = "n s" if isinstance(v, str) else "n"
            cells.append(f'<td class="{kind}">{html.escape(_fmt(v))}</td>')
        body.append(f'<tr{cls}><th scope="row">{html.escape(str(label))}</th>'
                    f'{"".join(cells)}</tr>')
    return (f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _key_figures(s: Summary) -> str:
    by_list = s.tables.get("by_list")
    if by_list is None:
        return ""
    frame = by_list.frame
    boxes: list[tuple[object, str]] = []
    if ANY_LIST in frame.index:
        boxes.append((frame.loc[ANY_LIST, "Children"], "children on the lists"))
    if s.flag_row is not None and s.flag_row in frame.index:
        row = frame.loc[s.flag_row]
        on = s.flag_row.removesuffix(", each child once")
        boxes.append((row["Flagged"], "children flagged CSA-FE"))
        boxes.append((row["% flagged"], f"% of children on {on[:1].lower()}{on[1:]} flagged"))
        if "Flagged per 10,000 children" in frame.columns:
            boxes.append((row["Flagged per 10,000 children"],
                          "flagged children per 10,000 children aged 0-17"))
    for label, words in s.highlights:
        if label in frame.index:
            boxes.append((frame.loc[label, "Flagged"], f"flagged children {words}"))
    return '<div class="key">' + "".join(
        f"<div><b>{html.escape(_fmt(v))}</b>{html.escape(t)}</div>" for v, t in boxes) + "</div>"


def render_html(s: Summary) -> str:
    """The page: what ``Summary.to_html`` returns."""
    snaps = s.snapshots
    dates = ", ".join(fmt_date(x.as_of) for x in snaps)
    meta = [("Data as at", fmt_date(s.as_of) + (f" (snapshots: {dates})" if len(snaps) > 1
                                                else "")),
            ("Files", ", ".join(Path(f).name for f in s.files)),
            ("Small numbers", "suppressed: counts of 1 to 4 are shown as <5, a 0 beside a <5 in "
             "its row as [c], and other cells as [c] where they would let a small count be "
             "worked out, or as the range of large numbers the other figures confine them to "
             "(22-25)" if s.suppressed else
             "NOT suppressed: for internal use only, do not publish or share")]
    parts = [
        "<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>JTAI summary: children at risk of or subject to child sexual abuse in the "
        f"family environment, {fmt_date(s.as_of)}</title>",
        f"<style>{_CSS}</style>", "</head>", "<body>",
        "<header><h1>Children at risk of or subject to sexual abuse in the family "
        "environment</h1>",
        f"<p>JTAI case lists summary, data as at {fmt_date(s.as_of)}. How many children the "
        "lists flag, who they are, and their journey through children's services (guidance "
        "ESN 35; Annex A 1.2).</p>",
        f"<p>{html.escape(NOT_PREVALENCE)}</p></header>",
        "<main>",
        '<dl class="meta">' + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
                                      for k, v in meta) + "</dl>",
        _key_figures(s),
    ]
    if s.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{html.escape(n)}</li>"
                                                    for n in s.notes) + "</ul>")
    for k, t in enumerate(s.tables.values()):
        chart = _trend_chart(t, f"c{k}") if t.kind == "trend" else _bar_chart(t, f"c{k}")
        figure = (f'<figure aria-label="{html.escape(t.title)}">{chart}</figure>' if chart
                  else '<p class="nochart">No chart: every figure in this table is hidden or '
                  "zero.</p>" if t.chart else "")
        parts.append(f'<section id="{t.name}"><h2>{html.escape(t.title)}</h2>'
                     f'<p class="desc">{html.escape(t.description)}</p>'
                     f'<div class="pair"><div class="tbl">{_table_html(t)}</div>{figure}</div>'
                     "</section>")
    legend = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>"
                     for k, v in SYMBOLS.items() if s.suppressed or k == "-")
    parts.append(f"<footer><p>Symbols:</p><ul>{legend}</ul><p>Charts show only the figures "
                 "their tables show: a hidden figure known to lie in a range (22-25, or <5 for "
                 "1 to 4) is drawn as a pale, dashed bar over that range; [c] is labelled, not "
                 "drawn. Charts are drawn by jtai itself (SVG), no plotting library. Made by jtai "
                 f"{html.escape(__version__)}. This page holds counts only: no child's ID or "
                 "details.</p></footer>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)
