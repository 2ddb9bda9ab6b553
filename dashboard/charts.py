"""Plotly figures, readable on a projector: large type, colour-blind-safe status colours
(Okabe–Ito) paired with a text label or symbol (in a grid's cell wherever it fits, and always in
its hover), hover details in Vietnamese."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import plotly.graph_objects as go
import polars as pl

from lakehouse.formatting import date_vi, number_vi
from lakehouse.periods import label_vi, sort_key
from lakehouse.rules import STATUS_VI

STATUS_ORDER = ("exceeded", "met", "not_met", "no_data", "no_target")
STATUS_COLOR = {"exceeded": "#0072B2", "met": "#009E73", "not_met": "#D55E00", "no_data": "#BBBBBB",
                "no_target": "#CC79A7"}
STATUS_MARK = {"exceeded": "▲", "met": "●", "not_met": "▼", "no_data": "○", "no_target": "◇"}
FONT = dict(size=17, family="Noto Sans, Arial, sans-serif")


def status_label(status: str) -> str:
    return f"{STATUS_MARK[status]} {STATUS_VI[status]}"


def _layout(fig: go.Figure, height: int, **kw) -> go.Figure:
    # separators: decimal comma, thousands dot (vi-VN) on every axis, label and tooltip.
    fig.update_layout({"font": FONT, "height": height, "margin": dict(l=10, r=10, t=40, b=10), "separators": ",.",
                       "plot_bgcolor": "white", "hoverlabel": dict(font_size=16), **kw})
    return fig


def _pct(value: float | None) -> str:
    return "—" if value is None else number_vi(value * 100, 1) + "%"


def _each(frame: pl.DataFrame, column: str, write: Callable[[Any], str], missing: str = "—") -> pl.Expr:
    """``column`` as text, ``write`` applied once to each distinct value (``missing`` for an
    empty one): a national grid has thousands of cells and a few hundred distinct values, and
    formatting a number the Vietnamese way (babel) costs more than drawing its cell."""
    values = frame[column].drop_nulls().unique().to_list()
    return (pl.col(column).replace_strict({v: write(v) for v in values}, default=None, return_dtype=pl.String)
            .fill_null(missing))


# The narrowest a grid's cells are drawn on a computer's screen and on a phone (390 px, less the
# page's margins and the rows' names), and what a character of their text (16 px type) and a
# cell's margins take.
GRID_MIN_PX, GRID_PHONE_PX, GRID_CHAR_PX, GRID_PAD_PX = 760, 240, 10, 8


def _category_grid(cells: pl.DataFrame, rows: pl.DataFrame, columns: pl.DataFrame, colors: dict[str, str],
                   top_margin: int, narrow: bool = False) -> go.Figure:
    """Rows × columns of coloured, labelled cells. ``rows`` and ``columns``: (``key``, ``label``)
    in drawing order; ``cells``: one row per drawn cell, (``row``, ``column``, ``category`` (a key
    of ``colors``), ``text``, ``hover``). The grid is laid out by joins, not cell by cell."""
    order = list(colors)
    drawn = cells.select(
        "row", "column", "text", "hover",
        z=pl.col("category").replace_strict({c: float(i) for i, c in enumerate(order)}, return_dtype=pl.Float64),
    ).unique(["row", "column"], keep="last", maintain_order=True)
    grid = (rows.select(row="key").with_row_index("_i")
            .join(columns.select(column="key").with_row_index("_j"), how="cross")
            .join(drawn, on=["row", "column"], how="left")
            .sort("_i", "_j"))
    width = columns.height

    def lines(column: pl.Series) -> list[list]:
        # Nested lists, row by row, as the grid was always sent (an array would travel as a
        # typed array instead).
        values = column.to_list()
        return [values[i:i + width] for i in range(0, len(values), width or 1)]

    # Text is written in the cells only where it fits: a grid of 88 indicators leaves each cell
    # a few pixels, where nothing can be read, and drawing thousands of texts nobody can read
    # cost the browser seconds. The hover still says everything.
    longest = cells["text"].str.len_chars().max() or 0
    written = columns.height * (GRID_CHAR_PX * longest + GRID_PAD_PX) <= (GRID_PHONE_PX if narrow else GRID_MIN_PX)
    n = len(order)
    scale = [stop for i, c in enumerate(order) for stop in ((i / n, colors[c]), ((i + 1) / n, colors[c]))]
    fig = go.Figure(go.Heatmap(
        z=lines(grid["z"]), x=columns["label"].to_list(), y=rows["label"].to_list(),
        **({"text": lines(grid["text"].fill_null("")), "texttemplate": "%{text}"} if written else {}),
        textfont=dict(size=16, color="white"), hovertext=lines(grid["hover"].fill_null("")),
        hovertemplate="%{hovertext}<extra></extra>",
        colorscale=scale, zmin=-0.5, zmax=n - 0.5, showscale=False, xgap=2, ygap=2))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    return _layout(fig, height=max(300, 34 * rows.height + top_margin))


def _by_indicator(frame: pl.DataFrame, key: str, name: str, colors: dict[str, str], category: pl.Expr,
                  text: pl.Expr, hover: Callable[[pl.Expr, pl.Expr], pl.Expr]) -> go.Figure:
    """Rows (``key``, labelled by ``name``) × the frame's indicators in catalog order: the
    traffic-light grids of units and of areas. ``hover(row_label, indicator_name)`` is the
    cell's hover text."""
    inds = frame.select("indicator_code", "name", "sort_order").unique().sort("sort_order")
    row_label = pl.coalesce(name, key).cast(pl.String)
    rows = frame.select(key=key, label=row_label).unique().sort("key")
    names = dict(inds.select("indicator_code", "name").iter_rows())
    labels = short_labels(inds["indicator_code"].to_list(), [names[c] for c in inds["indicator_code"]])
    columns = pl.DataFrame({"key": inds["indicator_code"], "label": labels}, schema={"key": pl.String, "label": pl.String})
    cells = frame.select(row=key, column="indicator_code", category=category, text=text,
                         hover=hover(row_label, pl.col("name").cast(pl.String)))
    fig = _category_grid(cells, rows, columns, colors, top_margin=200)
    fig.update_xaxes(tickangle=-40, tickfont_size=14)
    return fig


def _words(column: str, words: dict[str, str]) -> pl.Expr:
    """``column``'s codes (a status, a state) as their mark or words."""
    return pl.col(column).replace_strict(words, default="", return_dtype=pl.String)


def status_matrix(m: pl.DataFrame) -> go.Figure:
    """Units (rows) × indicators (columns), one coloured, labelled cell each."""
    actual = pl.coalesce("actual_text", pl.when(pl.col("actual").is_not_null()).then(
        pl.concat_str(_each(m, "actual", number_vi), pl.lit(" "), pl.col("uom").fill_null(""))), pl.lit("—"))
    return _by_indicator(
        m, "unit_code", "unit_name", STATUS_COLOR, pl.col("status"), _words("status", STATUS_MARK),
        lambda unit_name, indicator: pl.concat_str(
            pl.lit("<b>"), unit_name, pl.lit("</b><br>"), pl.col("indicator_code"), pl.lit(" "), indicator,
            pl.lit("<br>Thực hiện: "), actual, pl.lit("<br>Mục tiêu: "), pl.col("target_text").fill_null("—"),
            pl.lit("<br>Hoàn thành: "), _each(m, "attainment", _pct), pl.lit("<br>"),
            _words("status", {s: status_label(s) for s in STATUS_ORDER}),
            ignore_nulls=True))


SHARE_COLOR = {"high": "#009E73", "middle": "#E69F00", "low": "#D55E00", "none": "#BBBBBB"}
SHARE_VI = {"high": "Từ 90% đơn vị đạt trở lên", "middle": "Từ 50% đến dưới 90% đơn vị đạt",
            "low": "Dưới 50% đơn vị đạt", "none": "Chưa đơn vị nào báo cáo"}


def _share(value: float) -> str:
    return f"{round(value * 100)}%"


def _counts(frame: pl.DataFrame, labels: dict[str, str]) -> pl.Expr:
    """"label: count" of each column of ``labels`` that is not zero, one a line."""
    return pl.concat_str([pl.when(pl.col(c) > 0).then(pl.concat_str(pl.lit(f"{label}: "), _each(frame, c, number_vi)))
                          for c, label in labels.items()], separator="<br>", ignore_nulls=True)


def area_matrix(rows: pl.DataFrame) -> go.Figure:
    """Areas (rows) × indicators (columns): in each cell the share of the area's units at or
    above target, coloured by band, with the counts by status on hover."""
    share = _each(rows, "share", _share)
    return _by_indicator(
        rows, "area_code", "area_name", SHARE_COLOR, pl.col("band"), share,
        lambda area_name, indicator: pl.concat_str(
            pl.lit("<b>"), area_name, pl.lit("</b><br>"), pl.col("indicator_code"), pl.lit(" "), indicator,
            pl.lit("<br>Mục tiêu: "), pl.col("target_text").fill_null("—"), pl.lit("<br>Đơn vị đạt trở lên: "), share,
            pl.lit("<br>Đã báo cáo: "), _each(rows, "reported", number_vi), pl.lit("/"), _each(rows, "units", number_vi),
            pl.lit(" đơn vị<br>"), _counts(rows, {s: status_label(s) for s in STATUS_ORDER}), ignore_nulls=True))


def short_labels(codes: list[str], names: list[str], width: int = 24) -> list[str]:
    """Indicator names cut at a word to fit an axis; a name that two indicators would share
    after cutting keeps its code, so no two columns look alike."""
    cut = [_short(n, width) for n in names]
    return [f"{c} {s}" if cut.count(s) > 1 else s for c, s in zip(codes, cut)]


def milestones_timeline(window_start, window_end, milestones: pl.DataFrame, today,
                        start_stated: bool = True) -> go.Figure:
    """The campaign window as a band, sơ kết and tổng kết as orange blocks, today as a dotted line.
    A start the directive does not state is said so, never given a date."""
    fig = go.Figure()
    fig.add_shape(type="rect", x0=window_start, x1=window_end, y0=0.4, y1=0.6, fillcolor="#DCE9F5", line_width=0)
    launch = f"Phát động {date_vi(window_start)}" if start_stated else "Phát động (văn bản không ghi ngày)"
    fig.add_annotation(x=window_start, y=0.92, text=launch, showarrow=False, xanchor="left")
    fig.add_annotation(x=window_end, y=0.92, text=f"Kết thúc {date_vi(window_end)}", showarrow=False,
                       xanchor="right")
    ends = [window_end] + [e for e in milestones["end"].to_list() if e]
    end = max(ends) + timedelta(days=20)
    middle = window_start + (end - window_start) / 2
    for n, m in enumerate(milestones.iter_rows(named=True)):
        fig.add_shape(type="rect", x0=m["start"], x1=m["end"] + timedelta(days=1), y0=0.35, y1=0.65,
                      fillcolor="#E69F00", opacity=0.85, line_width=0)
        note = "" if m["stated"] else " (theo lệ)"
        late = m["start"] > middle  # labels in the right half grow leftwards, so none runs off the chart
        fig.add_annotation(x=m["end"] if late else m["start"], y=0.2 - 0.2 * (n % 2), showarrow=False,
                           xanchor="right" if late else "left",
                           text=f"{m['name']}{note}: {date_vi(m['start'])} – {date_vi(m['end'])}")
    if window_start <= today <= end:
        fig.add_shape(type="line", x0=today, x1=today, y0=0.25, y1=0.75, line=dict(color="#333", dash="dot"))
        fig.add_annotation(x=today, y=0.72, text="Hôm nay", showarrow=False, xanchor="left")
    # An invisible trace makes the axis a date axis for the shapes.
    fig.add_trace(go.Scatter(x=[window_start, end], y=[0.5, 0.5], mode="markers", marker_opacity=0,
                             hoverinfo="skip"))
    fig.update_xaxes(type="date", range=[window_start - timedelta(days=20), end], tickformat="%m/%Y",
                     showgrid=False)
    fig.update_yaxes(visible=False, range=[-0.1, 1])
    return _layout(fig, height=230, showlegend=False)


def attainment_bullets(card: pl.DataFrame, narrow: bool = False) -> go.Figure:
    """One bar per indicator: attainment against the 100% line, coloured by status, labelled.
    A label sits inside a long bar and outside a short one, so none runs off the chart; on a
    phone (``narrow``) the indicator's name is written above its bar instead of beside it."""
    rows = list(card.iter_rows(named=True))
    names = [f"{r['indicator_code']} {_short(r['name'], 48)}" for r in rows]
    values = [min(r["attainment"] * 100, 150) if r["attainment"] is not None else 0 for r in rows]
    labels = [f"{_pct(r['attainment'])} {status_label(r['status'])}" for r in rows]
    inside = [v >= 95 for v in values]
    fig = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker_color=[STATUS_COLOR[r["status"]] for r in rows],
        text=labels, textposition=["inside" if i else "outside" for i in inside], insidetextanchor="end",
        textfont=dict(color=["white" if i else "#333" for i in inside]), cliponaxis=False,
        hovertext=[f"Thực hiện: {r['actual_text'] or number_vi(r['actual'])} {r['uom'] or ''}<br>"
                   f"Mục tiêu: {r['target_text']}" for r in rows],
        hovertemplate="%{y}<br>%{hovertext}<extra></extra>"))
    fig.add_vline(x=100, line_color="#333", line_width=2, annotation_text="Mục tiêu", annotation_position="top")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="Tỷ lệ hoàn thành (%)", range=[0, 155])
    if not narrow:
        return _layout(fig, height=max(300, 40 * len(rows) + 120))
    for n, name in enumerate(names):
        fig.add_annotation(x=0, y=n, yshift=22, xanchor="left", text=_short(name, 40), showarrow=False,
                           font_size=14)
    fig.update_yaxes(visible=False)
    fig.update_traces(width=0.45, textfont_size=14)
    return _layout(fig, height=max(260, 64 * len(rows) + 110), margin=dict(l=4, r=4, t=40, b=10))


def trend(frame: pl.DataFrame, y: str, color: str, y_title: str, name: str | None = None) -> go.Figure:
    """Lines over periods of one kind, in time order (the caller picks the kind: quarters,
    half-years and years on one axis would jump back and forth); ``name`` labels the legend."""
    fig = go.Figure()
    periods = sorted(frame["period"].unique().to_list(), key=sort_key) if "period" in frame.columns else []
    order = [label_vi(p) for p in periods] or frame["period_label"].unique(maintain_order=True).to_list()
    for key, group in frame.group_by(color, maintain_order=True):
        label = str(key[0]) if name is None else f"{key[0]} {_short(group[name][0])}"
        fig.add_trace(go.Scatter(x=group["period_label"].to_list(), y=group[y].to_list(), mode="lines+markers",
                                 name=label, marker_size=10, line_width=3))
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    fig.update_yaxes(title=y_title)
    return _layout(fig, height=380, legend=dict(orientation="h", y=-0.25))


def _short(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def unit_vs_cluster(frame: pl.DataFrame) -> go.Figure:
    fig = go.Figure([
        go.Bar(name="Đơn vị", x=frame["period_label"].to_list(), y=frame["unit_score"].to_list(),
               marker_color="#0072B2", text=[number_vi(v, 1) for v in frame["unit_score"]]),
        go.Bar(name="Trung bình cụm", x=frame["period_label"].to_list(), y=frame["cluster_average"].to_list(),
               marker_color="#595959", text=[number_vi(v, 1) for v in frame["cluster_average"]]),
    ])
    # Inside the bars, each label within its own bar: side by side outside, two labels ran together.
    fig.update_traces(textposition="inside", insidetextanchor="end", textfont=dict(color="white", size=14),
                      hovertemplate="%{x}<br>%{fullData.name}: %{y:.1f} điểm<extra></extra>")
    fig.update_yaxes(title="Điểm (0–120)", range=[0, 125])
    fig.update_xaxes(type="category", automargin=True)
    return _layout(fig, height=360, barmode="group", uniformtext=dict(minsize=11, mode="hide"),
                   legend=dict(orientation="h", y=-0.2))


def indicator_bars(frame: pl.DataFrame, uom: str, low: float | None, high: float | None) -> go.Figure:
    rows = frame.filter(pl.col("actual").is_not_null())
    fig = go.Figure(go.Bar(
        x=rows["unit_name"].to_list(), y=rows["actual"].to_list(),
        marker_color=[STATUS_COLOR[s] for s in rows["status"]],
        text=[f"{number_vi(v)}<br>{STATUS_MARK[s]}" for v, s in zip(rows["actual"], rows["status"])],
        textposition="outside", cliponaxis=False,
        hovertext=[f"{status_label(s)}<br>Mục tiêu đơn vị: {number_vi(lo)}" + (f" – {number_vi(hi)}" if hi else "")
                   for s, lo, hi in zip(rows["status"], rows["target_low"], rows["target_high"])],
        hovertemplate="%{x}: %{y}<br>%{hovertext}<extra></extra>"))
    fig.data[0].name, fig.data[0].showlegend = "Thực hiện của đơn vị (màu theo đánh giá)", True
    # The target is named in the legend: a label written on the chart sat on top of the bars.
    if low is not None and high is not None and low != high:
        fig.add_hrect(y0=low, y1=high, fillcolor="#009E73", opacity=0.15, line_width=0)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=dict(symbol="square", size=16,
                                 color="rgba(0,158,115,0.3)"), name=f"Khoảng mục tiêu {number_vi(low)} – "
                                 f"{number_vi(high)} {uom}"))
    elif low is not None or high is not None:
        line = low if low is not None else high
        fig.add_hline(y=line, line_color="#333", line_dash="dash", line_width=2)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color="#333", dash="dash", width=2),
                                 name=f"Mục tiêu {number_vi(line)} {uom}"))
    fig.update_yaxes(title=uom)
    return _layout(fig, height=460, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))


def area_shares(rows: pl.DataFrame) -> go.Figure:
    """One indicator in one period, by area: the share of each area's units at or above target."""
    rows = rows.sort("share", "area_name", descending=[True, False], nulls_last=True)
    fig = go.Figure(go.Bar(
        x=rows["area_name"].to_list(), y=[None if v is None else v * 100 for v in rows["share"]],
        marker_color=[SHARE_COLOR[b] for b in rows["band"]],
        text=["—" if v is None else f"{round(v * 100)}%" for v in rows["share"]], textposition="outside",
        cliponaxis=False,
        hovertext=[f"Đã báo cáo: {number_vi(r)}/{number_vi(u)} đơn vị<br>{SHARE_VI[b]}"
                   for r, u, b in zip(rows["reported"], rows["units"], rows["band"])],
        hovertemplate="%{x}: %{y:.0f}% đơn vị đạt trở lên<br>%{hovertext}<extra></extra>"))
    fig.update_yaxes(title="Đơn vị đạt trở lên (%)", range=[0, 112])
    fig.update_xaxes(type="category", tickangle=-45)
    return _layout(fig, height=480)


def status_shares(frame: pl.DataFrame) -> go.Figure:
    """Units in each status, period by period, stacked (the spread of a campaign too large to
    draw a point a unit)."""
    fig = go.Figure()
    for s in STATUS_ORDER:
        if frame[s].sum():
            fig.add_trace(go.Bar(x=frame["period_label"].to_list(), y=frame[s].to_list(), name=status_label(s),
                                 marker_color=STATUS_COLOR[s],
                                 hovertemplate="%{x}: %{y:,} đơn vị — " + STATUS_VI[s] + "<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title="Số đơn vị")
    fig.update_xaxes(type="category")
    return _layout(fig, height=420, legend=dict(orientation="h", y=-0.25))


def spread(frame: pl.DataFrame) -> go.Figure:
    rows = frame.filter(pl.col("attainment").is_not_null())
    fig = go.Figure()
    for n, (key, group) in enumerate(rows.group_by("period_label", maintain_order=True)):
        fig.add_trace(go.Box(y=[a * 100 for a in group["attainment"]], x=[key[0]] * group.height, boxpoints="all",
                             text=group["unit_name"].to_list(), marker_color="#0072B2", legendgroup="units",
                             name="Mỗi chấm là một đơn vị; hộp: nửa giữa, vạch: trung vị", showlegend=n == 0,
                             hovertemplate="%{text}: %{y:.1f}%<extra></extra>"))
    fig.add_hline(y=100, line_color="#333", line_dash="dash")
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color="#333", dash="dash"),
                             name="100%: hoàn thành mục tiêu"))
    fig.update_yaxes(title="Tỷ lệ hoàn thành (%)")
    return _layout(fig, height=420, legend=dict(orientation="h", y=-0.25))


def leaderboard(frame: pl.DataFrame) -> go.Figure:
    rows = frame.sort("rank")
    fig = go.Figure(go.Bar(
        x=rows["score"].to_list(), y=[f"{r}. {n}" for r, n in zip(rows["rank"], rows["unit_name"])],
        orientation="h", marker_color="#0072B2", text=[number_vi(s, 1) for s in rows["score"]],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.2f} điểm<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="Điểm (0–120)", range=[0, 130])
    return _layout(fig, height=max(260, 38 * rows.height + 100))


STATE_COLOR = {"complete": "#009E73", "complete_late": "#56B4E9", "partial": "#E69F00", "missing": "#D55E00"}
STATE_VI = {"complete": "Đủ, đúng hạn", "complete_late": "Đủ, có báo cáo muộn", "partial": "Thiếu một phần",
            "missing": "Chưa báo cáo"}
STATE_MARK = {"complete": "●", "complete_late": "◔", "partial": "◐", "missing": "○"}


def _periods(period_order: list[str]) -> tuple[pl.DataFrame, pl.Expr]:
    """The grid's columns, one a period in ``period_order``, and each row's period in words."""
    names = {p: label_vi(p) for p in period_order}
    return (pl.DataFrame({"key": list(names), "label": list(names.values())}, schema={"key": pl.String, "label": pl.String}),
            pl.col("period").replace_strict(names, default=pl.col("period"), return_dtype=pl.String))


def completeness_areas(frame: pl.DataFrame, period_order: list[str], narrow: bool = False) -> go.Figure:
    """Areas × periods: in each cell the share of the area's units that sent every report owed
    (on time or late), coloured by band, with the units in each state on hover. ``narrow``: drawn
    on a phone (fewer cells have room for their text)."""
    areas = frame.select("area_code", "area_name").unique().sort("area_code").select(key="area_code", label="area_name")
    share = _each(frame, "share", _share)
    columns, periods = _periods(period_order)
    cells = frame.select(
        row="area_code", column="period", category="band", text=share,
        hover=pl.concat_str(pl.lit("<b>"), "area_name", pl.lit("</b> — "), periods, pl.lit("<br>Gửi đủ: "), share,
                            pl.lit(" của "), _each(frame, "units", number_vi), pl.lit(" đơn vị<br>"),
                            _counts(frame, {s: f"{STATE_MARK[s]} {STATE_VI[s]}" for s in STATE_VI}), ignore_nulls=True))
    return _category_grid(cells, areas, columns, SHARE_COLOR, top_margin=120, narrow=narrow)


def completeness_matrix(frame: pl.DataFrame, period_order: list[str], narrow: bool = False) -> go.Figure:
    """Units × periods: each cell the unit's state (received / owed), coloured; ``narrow`` as in
    ``completeness_areas``."""
    units = frame.select("unit_code", "unit_name").unique().sort("unit_code").select(key="unit_code", label="unit_name")
    got = pl.concat_str(pl.col("received").cast(pl.String), pl.lit("/"), pl.col("expected").cast(pl.String))
    columns, periods = _periods(period_order)
    cells = frame.select(
        row="unit_code", column="period", category="state",
        text=pl.concat_str(_words("state", STATE_MARK), pl.lit(" "), got),
        hover=pl.concat_str(pl.lit("<b>"), "unit_name", pl.lit("</b> — "), periods, pl.lit("<br>"),
                            _words("state", STATE_VI), pl.lit(": "), got,
                            pl.lit(" chỉ tiêu"),
                            pl.when(pl.col("late") > 0).then(pl.concat_str(pl.lit(", "), pl.col("late").cast(pl.String),
                                                                         pl.lit(" muộn"))).otherwise(pl.lit("")),
                            pl.lit("<br>Hạn: "), _each(frame, "due_date", date_vi), ignore_nulls=True))
    return _category_grid(cells, units, columns, STATE_COLOR, top_margin=120, narrow=narrow)
