"""Dashboard charts: Vega-Lite specs built with altair, rendered to SVG on the server by vl-convert (offline).

Rendering costs ~0.1–0.3 s a chart (the first call in a process ~3 s while vl-convert starts its engine), so
SVGs are cached by the exact data they draw: the same numbers give the same picture, no invalidation needed.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

import altair as alt

from catalog.web import i18n

FONT = "Hiragino Sans, Noto Sans JP, IPAPGothic, sans-serif"   # vl-convert measures with the first one installed
BAR = "#1d4f91"            # 8.9:1 on white
HIGHLIGHT = "#b3261e"
STATUS_COLORS = {"published": "#1b7837", "invalid": "#c51b7d", "stale": "#e08214", "missing": "#8c8c8c"}
MEASURE_COLORS = ["#1d4f91", "#1b7837", "#c51b7d", "#e08214", "#542788"]
_cache: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()
_render_lock = threading.Lock()
CACHE_SIZE = 128


def svg(chart, lang: str, highlight: str = "") -> str:
    """The SVG of a dashboard ``Chart`` (catalog/web/contexts/dashboard.py)."""
    # keyed by the data, before altair: building and validating a spec costs up to ~0.2 s (the matrix)
    key = hashlib.sha256(json.dumps([chart.id, chart.title, lang, highlight, chart.rows], sort_keys=True,
                                    default=str).encode()).hexdigest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    picture = _render(chart, lang, highlight)
    with _lock:
        _cache[key] = picture
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return picture


def _render(chart, lang: str, highlight: str) -> str:
    spec = _SPECS[chart.id](chart.rows, lang, highlight)
    if spec is None:
        return ""
    # no chart title: the section's heading names it (and labels the figure for screen readers)
    spec = (spec.configure(font=FONT).configure_view(stroke=None)
            .configure_axis(labelFontSize=13, titleFontSize=13, labelColor="#222", titleColor="#222")
            .configure_legend(labelFontSize=13, titleFontSize=13, labelColor="#222", titleColor="#222")
            .to_dict())
    import vl_convert as vlc   # imported on first use: loading it costs ~0.5 s that pages without charts skip

    with _render_lock:         # one render at a time: vl-convert runs one engine
        return vlc.vegalite_to_svg(spec)


def _rate_axis(title: str) -> alt.X:
    return alt.X("rate:Q", title=title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))


def _bars(rows: list[dict], lang: str, highlight: str = "", label: str = "name") -> alt.Chart | None:
    data = [r for r in rows if r["rate"] is not None]
    if not data:
        return None
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
        x=_rate_axis(i18n.t(lang, "publication_rate")))
    color = (alt.condition(alt.datum.id == highlight, alt.value(HIGHLIGHT), alt.value(BAR)) if highlight
             else alt.value(BAR))
    bars = base.mark_bar().encode(color=color)
    text = base.mark_text(align="left", dx=4, color="#222", fontSize=12).encode(text=alt.Text("rate:Q", format=".0%"))
    return (bars + text).properties(width=560, height=alt.Step(26))


def _by_publisher(rows, lang, highlight):
    return _bars(rows, lang)


def _by_category(rows, lang, highlight):
    return _bars(rows, lang, highlight)


def _measures(rows, lang, highlight):
    data = [r for r in rows if r["rate"] is not None]
    if not data:
        return None
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("label:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate:Q", title=i18n.t(lang, "rate"), scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")))
    # the same colour per measure as in the history chart
    bars = base.mark_bar().encode(color=alt.Color("label:N", scale=_measure_scale(lang), legend=None))
    text = base.mark_text(dy=-8, color="#222", fontSize=13).encode(text=alt.Text("rate:Q", format=".0%"))
    return (bars + text).properties(width=alt.Step(110), height=260)


def _measure_scale(lang: str) -> alt.Scale:
    labels = [i18n.measure_name(m, lang) for m in ("published", "conformant", "valid", "fresh", "machine_readable")]
    return alt.Scale(domain=labels, range=MEASURE_COLORS)


def _matrix(rows, lang, highlight):
    if not rows:
        return None
    statuses = list(STATUS_COLORS)
    return alt.Chart(alt.Data(values=rows)).mark_rect(stroke="white", strokeWidth=2).encode(
        x=alt.X("standard_name:N", title=None, axis=alt.Axis(labelAngle=-35, labelLimit=220, orient="top")),
        y=alt.Y("name:N", title=None),
        color=alt.Color("status_label:N", title=i18n.t(lang, "quality"),
                        scale=alt.Scale(domain=[i18n.t(lang, f"status_{s}") for s in statuses],
                                        range=list(STATUS_COLORS.values()))),
    ).properties(width=alt.Step(44), height=alt.Step(26))


def _history(rows, lang, highlight):
    data = [r for r in rows if r["rate"] is not None]
    if not data:
        return None
    return alt.Chart(alt.Data(values=data)).mark_line(point=True, strokeWidth=2.5).encode(
        x=alt.X("as_of:T", title=None, axis=alt.Axis(format="%Y-%m-%d")),
        y=alt.Y("rate:Q", title=i18n.t(lang, "rate"), scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("label:N", title=i18n.t(lang, "measure"), scale=_measure_scale(lang)),
    ).properties(width=560, height=260)


_SPECS = {"by_publisher": _by_publisher, "by_category": _by_category, "measures": _measures, "matrix": _matrix,
          "history": _history}
