"""Dashboard charts: Vega-Lite specs built with altair, rendered to SVG on the server by vl-convert (offline).

Rendering costs ~0.1–0.3 s a chart (the first call in a process ~3 s while vl-convert starts its engine), so
SVGs are cached by the exact data they draw: the same numbers give the same picture, no invalidation needed.
"""
from __future__ import annotations

import functools
import hashlib
import html
import json
import math
import threading
from collections import OrderedDict
from pathlib import Path

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
_by_object: dict[int, tuple] = {}
CACHE_SIZE = 128


def svg(chart, lang: str, highlight: str = "") -> str:
    """The SVG of a dashboard ``Chart`` (catalog/web/contexts/dashboard.py); the map is drawn by ``choropleth``."""
    same = _by_object.get(id(chart))
    if same is not None and same[0] is chart and same[1] == (lang, highlight):
        return same[2]        # the dashboard caches its pages: the same Chart object, no need to hash its rows
    if chart.id == "map":
        picture = choropleth(chart.rows, lang)
        _remember(chart, lang, highlight, picture)
        return picture
    # keyed by the data, before altair: building and validating a spec costs up to ~0.2 s (the matrix)
    key = hashlib.sha256(json.dumps([chart.id, chart.title, lang, highlight, chart.rows], sort_keys=True,
                                    default=str).encode()).hexdigest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            picture = _cache[key]
        else:
            picture = None
    if picture is not None:
        _remember(chart, lang, highlight, picture)
        return picture
    picture = _render(chart, lang, highlight)
    with _lock:
        _cache[key] = picture
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    _remember(chart, lang, highlight, picture)
    return picture


def _remember(chart, lang: str, highlight: str, picture: str) -> None:
    with _lock:
        _by_object[id(chart)] = (chart, (lang, highlight), picture)    # holds the chart: its id stays unique
        while len(_by_object) > CACHE_SIZE:
            _by_object.pop(next(iter(_by_object)))


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


def domain(rates: list[float]) -> list[float]:
    """A rate axis scaled to the data: from a round tenth below the lowest value (0 when that is under 0.2) to a
    round tenth above the highest, so 62–71 % are not flattened into one sliver of a 0–100 % axis."""
    lo, hi = min(rates), max(rates)
    start = max(0.0, (int(lo * 10) - 1) / 10) if lo >= 0.2 else 0.0
    end = min(1.0, -(-int(hi * 1000) // 100) / 10 + (0.1 if hi * 10 == int(hi * 10) and hi < 1 else 0))
    return [start, max(end, start + 0.1)]


def _rate_axis(title: str, rates: list[float]) -> alt.X:
    lo, hi = domain(rates)
    return alt.X("rate:Q", title=f"{title} ({lo:.0%}–{hi:.0%})", scale=alt.Scale(domain=[lo, hi], clamp=True),
                 axis=alt.Axis(format="%"))


TOP_BOTTOM = 12     # a longer bar list shows the 12 highest and 12 lowest; the table has every row


def _bars(rows: list[dict], lang: str, highlight: str = "", label: str = "name") -> alt.Chart | None:
    data = [r for r in rows if r["rate"] is not None]
    if not data:
        return None
    if len(data) > 2 * TOP_BOTTOM:
        data = data[:TOP_BOTTOM] + data[-TOP_BOTTOM:]
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=220)),
        x=_rate_axis(i18n.t(lang, "publication_rate"), [r["rate"] for r in data]))
    color = (alt.condition(alt.datum.id == highlight, alt.value(HIGHLIGHT), alt.value(BAR)) if highlight
             else alt.value(BAR))
    bars = base.mark_bar().encode(color=color)
    # the exact fraction (3/62) and the rate, right of each bar
    text = base.mark_text(align="left", dx=4, color="#222", fontSize=13).encode(text="fraction:N")
    return (bars + text).properties(width=300, height=alt.Step(26))


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
        y=alt.Y("rate:Q", title=i18n.t(lang, "rate"), scale=alt.Scale(domain=domain([r["rate"] for r in data]),
                                                                        clamp=True), axis=alt.Axis(format="%")))
    # the same colour per measure as in the history chart
    bars = base.mark_bar().encode(color=alt.Color("label:N", scale=_measure_scale(lang), legend=None))
    text = base.mark_text(dy=-8, color="#222", fontSize=13).encode(text="fraction:N")
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
        x=alt.X("as_of:T", title=None, axis=alt.Axis(format="%Y-%m-%d", labelAngle=-30)),
        y=alt.Y("rate:Q", title=i18n.t(lang, "rate"), scale=alt.Scale(domain=domain([r["rate"] for r in data]),
                                                                        clamp=True), axis=alt.Axis(format="%")),
        color=alt.Color("label:N", title=i18n.t(lang, "measure"), scale=_measure_scale(lang)),
        tooltip=["as_of:T", "label:N", "fraction:N"],
    ).properties(width=320, height=240)


_SPECS = {"by_publisher": _by_publisher, "by_category": _by_category, "measures": _measures, "matrix": _matrix,
          "history": _history}


# ---------------------------------------------------------------------------------------------------------
# the choropleth of the 62 区市町村: hand-written SVG over the vendored N03 boundaries (boundaries/SOURCES.md)

BOUNDARIES = Path(__file__).resolve().parent / "boundaries" / "tokyo-municipalities.geojson"
# five classes of the rate, light to dark (ColorBrewer Blues), and two greys
CLASSES = [(0.2, "#eff3ff"), (0.4, "#bdd7e7"), (0.6, "#6baed6"), (0.8, "#3182bd"), (1.01, "#08519c")]
NO_TARGET = "#d9d9d9"
# (lon0, lon1, lat0, lat1) of each panel and its place in the 1000 × 480 picture (x, y, width, height)
_MAINLAND = ((138.94, 139.93, 35.49, 35.91), (0, 0, 800, 480))
_IZU = ((139.1, 140.0, 32.4, 34.85), (830, 0, 170, 330))
_OGASAWARA = ((142.0, 142.3, 26.5, 27.8), (830, 345, 170, 135))   # 父島・母島 only (硫黄島 etc. left out)
_ISLANDS_IZU = {"133612", "133621", "133639", "133647", "133817", "133825", "134015", "134023"}
_OGASAWARA_CODE = "134210"


def _color(rate: float | None) -> str:
    if rate is None:
        return NO_TARGET
    return next(color for upper, color in CLASSES if rate < upper)


def _project(rings: list, box: tuple, place: tuple) -> str:
    (lon0, lon1, lat0, lat1), (x, y, w, h) = box, place
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    scale = min(w / ((lon1 - lon0) * kx), h / (lat1 - lat0))
    ox = x + (w - (lon1 - lon0) * kx * scale) / 2
    parts = []
    for ring in rings:
        pts = [(ox + (lon - lon0) * kx * scale, y + (lat1 - lat) * scale) for lon, lat in ring]
        parts.append("M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in pts) + "Z")
    return "".join(parts)


def _inside(ring: list, box: tuple) -> bool:
    lon0, lon1, lat0, lat1 = box
    return all(lon0 <= lon <= lon1 and lat0 <= lat <= lat1 for lon, lat in ring)


@functools.lru_cache(maxsize=1)
def shapes() -> dict[str, tuple[str, str]]:
    """{団体コード: (name, SVG path)}, projected once per process (62 municipalities)."""
    data = json.loads(BOUNDARIES.read_text("utf-8"))
    out = {}
    for feature in data["features"]:
        code, name = feature["properties"]["code"], feature["properties"]["name"]
        rings = [ring for polygon in feature["geometry"]["coordinates"] for ring in polygon]
        if code in _ISLANDS_IZU:
            box, place = _IZU
        elif code == _OGASAWARA_CODE:
            box, place = _OGASAWARA
        else:
            box, place = _MAINLAND
        rings = [r for r in rings if _inside(r, box)]
        out[code] = (name, _project(rings, box, place))
    return out


def choropleth(rows: list[dict], lang: str) -> str:
    """The map's SVG: every municipality filled by its rate (grey when nothing is expected of it or it is not in
    the filter), its name and exact fraction as a tooltip (``<title>``), and the islands in two framed insets.
    No text is drawn inside the map (it scales with the page); the legend is ``legend``."""
    by_code = {r["code"]: r for r in rows}
    paths = []
    for code, (name, d) in shapes().items():
        row = by_code.get(code)
        rate = row["rate"] if row else None
        label = row["name"] if row else name            # the page's language (English names on /en)
        tip = f"{label} {row['fraction']}" if row and row["denominator"] else f"{label} —"
        paths.append(f'<path d="{d}" fill="{_color(rate)}" data-code="{code}" data-rate="{"" if rate is None else rate}">'
                     f'<title>{html.escape(tip)}</title></path>')
    frames = "".join(f'<rect x="{x - 6}" y="{y}" width="{w + 6}" height="{h}" fill="none" stroke="#6b7280"/>'
                     for x, y, w, h in (_IZU[1], _OGASAWARA[1]))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="choropleth" viewBox="0 0 1000 480" width="1000" '
            f'height="480"><g stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">{"".join(paths)}</g>'
            f'{frames}</svg>')


def legend(lang: str) -> str:
    """The map's legend as its own small SVG, never scaled (text stays 13 px on a phone)."""
    items = [(color, f"{int(lo * 100)}–{min(int(upper * 100), 100)}%") for (upper, color), lo in
             zip(CLASSES, (0, 0.2, 0.4, 0.6, 0.8))] + [(NO_TARGET, i18n.t(lang, "no_target"))]
    rows = []
    for i, (color, label) in enumerate(items):
        x, y = (i % 3) * 110 if i < 5 else 0, (i // 3) * 24 if i < 5 else 48
        rows.append(f'<rect x="{x}" y="{y + 4}" width="16" height="16" fill="{color}" stroke="#6b7280"/>'
                    f'<text x="{x + 22}" y="{y + 17}" font-size="13" fill="#222">{html.escape(label)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="legend" width="340" height="72" viewBox="0 0 340 72">'
            f'{"".join(rows)}</svg>')
