"""Charts for the readiness reports (matplotlib/seaborn, readable at A4).

Every function takes canonical/scored tables, returns a ``Figure`` and never
shows it (the notebook displays it). Conventions: 7.5 in wide (A4 text width),
labelled axes with units, seaborn's ``colorblind`` palette, long names cut to
a fixed width so labels never run into the plot, "unknown" drawn as its own
grey category rather than hidden.

Text from the data (system, ministry, supplier, category names, years,
questionnaire columns) reaches matplotlib only through :func:`short`, which
escapes ``$``: matplotlib would otherwise parse ``$x^2$`` as mathtext (drawn as
maths) and fail on ``$\\foo$``. ``tests/test_hostile_outputs.py`` draws every
chart with such names and checks that no text on any figure is mathtext.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap

import matplotlib

matplotlib.use("Agg")  # headless: reports run in batch

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .._i18n import N_, _, ngettext  # noqa: E402
from . import fmt  # noqa: E402

PALETTE = sns.color_palette("colorblind")
# Lock-in bands: blue, yellow, red and a light grey, chosen so every pair stays
# at least 30 CIE76 Delta E apart under simulated protanopia, deuteranopia and
# tritanopia (tests/test_accessibility.py); seaborn's colorblind green/orange/
# red merged low with unknown under deuteranopia. Unknown is also hatched and
# every bar carries its band in words, so colour never carries meaning alone.
BAND_COLOURS = {"low": "#4C9FD6", "medium": "#F0C808", "high": "#B2182B", "unknown": "#DDDDDD"}
BAND_HATCH = {"unknown": "///"}
METHOD_COLOURS = {
    "open": PALETTE[0],
    "selective": PALETTE[9],
    "limited": PALETTE[1],
    "direct": PALETTE[3],
    "unknown": "#B0B0B0",
}
WIDTH = 7.5
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def setup_style() -> None:
    """Apply the report style (called once by the notebooks)."""
    sns.set_theme(style="whitegrid", palette="colorblind", font_scale=0.9)
    # usetex would hand every label to LaTeX, where escaping "$" is not enough.
    plt.rcParams.update(
        {"figure.dpi": 110, "savefig.dpi": 110, "axes.titleweight": "bold", "text.usetex": False}
    )


def short(text: object, width: int = 38) -> str:
    """The one way data text becomes a chart label.

    Cuts to ``width`` visible characters (ellipsis), NA → ``unknown``, control
    characters → spaces, and escapes every ``$`` as ``\\$`` so the label is
    drawn literally, never as mathtext. Use it for every label taken from
    the data.
    """
    # pandas-stubs: isna() of a scalar lists the scalar types (pandas takes any object).
    if text is None or (not isinstance(text, str) and pd.isna(text)):  # type: ignore[call-overload]
        return "unknown"
    # Control characters (NUL...) have no glyph: matplotlib would warn into the report.
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())
    if len(flat) > width:
        cut = textwrap.shorten(flat, width=width, placeholder="…")
        # shorten() gives just "…" when the first word is too long: hard-cut instead.
        flat = cut if len(cut) > width // 2 else flat[: width - 1] + "…"
    # matplotlib reads an even number of unescaped "$" as maths; "\$" is a
    # literal dollar (also after a backslash typed in the data).
    return flat.replace("$", r"\$")


def money_fmt(x: float, _pos: object = None) -> str:
    """Compact money tick label in the report locale: 1.2M, 350k (``1,2 M`` in fr)."""
    return fmt.compact(x)


def _pct_tick(x: float, _pos: object = None) -> str:
    """A 0–100 axis tick as a percentage in the report locale."""
    return fmt.pct(x / 100)


def _band(b: str) -> str:
    return _(fmt.BAND_WORDS.get(b, b))


def _empty(message: str, height: float = 1.2) -> Figure:
    fig, ax = plt.subplots(figsize=(WIDTH, height))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color="#555555")
    return fig


def lockin_bars(systems: pd.DataFrame, top: int = 20) -> Figure:
    """Lock-in score per system (0–100) with its best/worst-case range.

    Bars are coloured by band; the whisker is ``lockin_low``–``lockin_high``:
    how far the score could move once unknown inputs are known.
    """
    if systems.empty:
        return _empty(_("No systems in the inventory for this ministry."))
    df = systems.sort_values("lockin_score", ascending=False, na_position="last").head(top)
    df = df.iloc[::-1]
    labels = [short(n) for n in df["system_name"]]
    score = pd.to_numeric(df["lockin_score"], errors="coerce").astype(float)
    low = pd.to_numeric(df.get("lockin_low", score), errors="coerce").astype(float)
    high = pd.to_numeric(df.get("lockin_high", score), errors="coerce").astype(float)
    band = df.get("lockin_band", pd.Series("unknown", index=df.index)).astype("object")
    colours = [BAND_COLOURS.get(str(b), BAND_COLOURS["unknown"]) for b in band.fillna("unknown")]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.9 + 0.32 * len(df)))
    y = np.arange(len(df))
    names = [str(b) for b in band.fillna("unknown")]
    bars = ax.barh(y, score.fillna(0), color=colours, edgecolor="#555555", linewidth=0.5)
    for bar, b in zip(bars, names, strict=True):
        bar.set_hatch(BAND_HATCH.get(b, ""))
    err = np.vstack([(score - low).clip(lower=0).fillna(0), (high - score).clip(lower=0).fillna(0)])
    ax.errorbar(score.fillna(0), y, xerr=err, fmt="none", ecolor="#333333", capsize=2, lw=0.8)
    # Direct labels: the score and the band in words at the end of each bar.
    texts = []
    for yi, v, hi_, b in zip(y, score, high, names, strict=True):
        x = (hi_ if hi_ == hi_ else v if v == v else 0) + 1.5
        text = f"{v:.0f} {_band(b)}" if v == v else fmt.unknown()
        texts.append(
            ax.text(
                min(x, 101), float(yi), text, va="center", fontsize=7, color="#333333",
                clip_on=False,
            )
        )  # fmt: skip
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("Lock-in risk score (0 = none, 100 = total); whisker = best–worst case"))
    ax.set_title(_("Systems by lock-in risk"))
    handles = [
        plt.Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#555555", hatch=BAND_HATCH.get(b, ""))
        for b, c in BAND_COLOURS.items()
    ]
    # The legend starts right of the longest bar label ("83 unknown" near 100
    # ran under it), measured once the layout is final; the saved image
    # (bbox_inches="tight") takes the legend in.
    _tight(fig)
    fig.canvas.draw()
    to_axes = ax.transAxes.inverted()
    right = max(
        [to_axes.transform(t.get_window_extent().get_points())[1][0] for t in texts] + [1.0]
    )
    ax.legend(handles, [_band(b) for b in BAND_COLOURS], title=_("band"), fontsize=8,
              bbox_to_anchor=(right + 0.02, 1), loc="upper left")  # fmt: skip
    counts = pd.Series(names).value_counts()
    top3 = [
        f"{short(n)} {v:.0f} ({_band(b)})"
        for n, v, b in zip(df["system_name"][::-1], score[::-1], names[::-1], strict=True)
        if v == v
    ][:3]
    set_alt(
        fig,
        _(
            "Horizontal bar chart of the lock-in risk score (0-100) of {n} systems, "
            "highest first, with best-worst-case whiskers. Bands: {bands}. Highest: {top}."
        ).format(
            n=len(df),
            bands=", ".join(f"{_band(b)} {counts.get(b, 0)}" for b in BAND_COLOURS),
            top="; ".join(top3),
        ),
    )
    return fig


def _spread_labels(ys: np.ndarray, min_gap: float) -> np.ndarray:
    """Nudge label y positions apart (sorted order kept) so none overlap."""
    order = np.argsort(ys)
    out = ys.astype(float).copy()
    for i in range(1, len(order)):
        prev, cur = order[i - 1], order[i]
        if out[cur] - out[prev] < min_gap:
            out[cur] = out[prev] + min_gap
    return out


def lockin_reuse_matrix(systems: pd.DataFrame, label_top: int = 8) -> Figure:
    """Lock-in (x) vs reuse potential (y); bubble area = spend.

    Quadrant lines at 50 split "replace or complement" (high lock-in, high
    reuse elsewhere) from "keep" and "share". Only the largest systems are
    labelled, in a column at the right, so labels never overlap the bubbles.
    """
    df = systems.dropna(subset=["lockin_score", "reuse_score"])
    if df.empty:
        return _empty(_("No scored systems: lock-in and reuse are unknown."))
    # Net spend below zero (credit notes larger than contracts) draws the
    # smallest bubble: a negative area is no bubble at all (and a warning).
    spend = pd.to_numeric(df["spend_total"], errors="coerce").fillna(0).astype(float).clip(lower=0)
    size = 30 + 900 * (spend / spend.max() if spend.max() > 0 else 0)
    fig, ax = plt.subplots(figsize=(WIDTH, 4.8))
    ax.scatter(
        df["lockin_score"].astype(float),
        df["reuse_score"].astype(float),
        s=size,
        alpha=0.55,
        color=PALETTE[0],
        edgecolor="#1f3b57",
    )
    ax.axvline(50, color="#777777", ls="--", lw=0.8)
    ax.axhline(50, color="#777777", ls="--", lw=0.8)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel(_("Lock-in risk score (0–100)"))
    ax.set_ylabel(_("Reuse potential score (0–100)"))
    ax.set_title(_("Lock-in vs reuse (bubble area = spend)"))
    for x, y, t in (
        (97, 97, N_("replace or complement")),
        (3, 97, N_("share / reuse")),
        (97, 3, N_("plan exit")),
    ):
        ax.text(x, y, _(t), ha="right" if x > 50 else "left", va="top" if y > 50 else "bottom",
                fontsize=8, color="#555555", style="italic")  # fmt: skip
    top = df.assign(_s=spend).nlargest(min(label_top, len(df)), "_s")
    ys = _spread_labels(top["reuse_score"].to_numpy(float), min_gap=100 / 14)
    ys = np.clip(ys - max(0.0, ys.max() - 98), 2, 98)
    for (_i, row), ly in zip(top.iterrows(), ys, strict=True):
        ax.annotate(
            short(row["system_name"], 28),
            xy=(float(row["lockin_score"]), float(row["reuse_score"])),
            xytext=(103, ly),
            textcoords="data",
            fontsize=7.5,
            va="center",
            annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.6},
        )
    fig.subplots_adjust(left=0.09, right=0.68, bottom=0.12, top=0.92)
    return fig


def supplier_concentration(suppliers: pd.DataFrame, top: int = 10) -> Figure:
    """Share of IT spend per supplier: the top suppliers and all others.

    Drawn from the scorer's ``suppliers`` table of one ministry (positive IT
    spend to known suppliers, the base of its HHI), so the bars are the
    table's shares.
    """
    known = suppliers[suppliers["share"].notna()] if len(suppliers) else suppliers
    if known.empty or not (known["share"] > 0).any():
        return _empty(_("No positive spend recorded."))
    share = pd.Series(
        known["share"].to_numpy(dtype=float), index=known["supplier"].astype(str).to_numpy()
    )
    head = share.head(top)
    if len(share) > top:
        head = pd.concat([head, pd.Series({_("all others"): share.iloc[top:].sum()})])
    head = head.iloc[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.9 + 0.3 * len(head)))
    ax.barh(range(len(head)), head.to_numpy() * 100, color=PALETTE[0])
    # Positions, then labels: equal cut labels must stay separate bars.
    ax.set_yticks(range(len(head)), [short(s, 34) for s in head.index])
    for i, v in enumerate(head.to_numpy()):
        ax.text(v * 100 + 0.8, i, fmt.pct(v), va="center", fontsize=8)
    ax.set_xlim(0, min(100, head.max() * 100 * 1.18 + 2))
    ax.xaxis.set_major_formatter(FuncFormatter(_pct_tick))
    ax.set_xlabel(_("Share of IT procurement spend (%)"))
    ax.set_title(_("Supplier concentration"))
    fig.tight_layout()
    return fig


def competition(years: pd.DataFrame) -> Figure:
    """Spend by procurement method per award year (100 % stacked; unknown in grey).

    Drawn from the scorer's ``competition_years`` table of one ministry: each
    bar is a year's positive IT spend (the award's year, else the contract
    start's), split by the table's shares.
    """
    df = years[years["share"].notna()] if len(years) else years
    if df.empty:
        return _empty(_("No positive spend recorded."))
    # Years in the table's order (ascending, "no date" last).
    year = df["year"].astype("string").fillna(_("no date"))
    tab = df.assign(year=year).pivot(index="year", columns="method", values="share")
    tab = tab.reindex(index=year.unique())
    tab = tab.reindex(columns=[m for m in METHOD_COLOURS if m in tab.columns])
    share = tab.astype(float).fillna(0) * 100
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4))
    bottom = np.zeros(len(share))
    x = np.arange(len(share))
    for m in share.columns:
        label = short(fmt.word(m, fmt.METHOD_WORDS))
        ax.bar(x, share[m], bottom=bottom, label=label, color=METHOD_COLOURS[m])
        bottom += share[m].to_numpy()
    ax.set_xticks(x, [short(y, 10) for y in share.index])
    ax.yaxis.set_major_formatter(FuncFormatter(_pct_tick))
    ax.set_ylim(0, 100)
    ax.set_xlabel(_("Award year (else start year)"))
    ax.set_ylabel(_("Share of spend (%)"))
    ax.set_title(_("Competition: spend by procurement method"))
    ax.legend(title=_("procedure"), bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def exit_timeline(
    systems: pd.DataFrame, as_of: dt.date, horizon_months: int = 36, top: int = 20
) -> Figure:
    """Contract end dates on a timeline, with the 12- and 24-month windows shaded.

    ``systems`` needs ``system_name`` and ``end_date`` (and optionally
    ``lockin_score`` for the colour). Systems without a known end date are
    counted in the title, not dropped silently.
    """
    df = systems.copy()
    df["end_date"] = pd.to_datetime(df["end_date"], errors="coerce")
    unknown = int(df["end_date"].isna().sum())
    df = df.dropna(subset=["end_date"]).sort_values("end_date").head(top)
    note = (
        " ("
        + ngettext("{n} without a known end date", "{n} without a known end date", unknown).format(
            n=fmt.number(unknown)
        )
        + ")"
        if unknown
        else ""
    )
    if df.empty:
        return _empty(_("No contract end dates known") + note + ".")
    start = pd.Timestamp(as_of)
    fig, ax = plt.subplots(figsize=(WIDTH, 1.1 + 0.3 * len(df)))
    # matplotlib's stubs type x as float; its date units convert Timestamps.
    ax.axvspan(start, start + pd.DateOffset(months=12), color=PALETTE[1], alpha=0.18,  # type: ignore[arg-type]
               label=_("exit window 0–12 months"))  # fmt: skip
    ax.axvspan(start + pd.DateOffset(months=12), start + pd.DateOffset(months=24),  # type: ignore[arg-type]
               color=PALETTE[1], alpha=0.07, label=_("12–24 months"))  # fmt: skip
    ax.axvline(start, color="#333333", lw=1, ls="--",  # type: ignore[arg-type]
               label=_("as of {date}").format(date=fmt.date(start)))  # fmt: skip
    y = np.arange(len(df))
    lock = pd.to_numeric(df["lockin_score"], errors="coerce") if "lockin_score" in df else None
    colours = (
        [plt.cm.cividis_r(v / 100) if v == v else "#9A9A9A" for v in lock.astype(float)]
        if lock is not None
        else PALETTE[0]
    )
    ax.scatter(df["end_date"], y, s=42, color=colours, edgecolor="#222222", zorder=3)
    ax.set_yticks(y, [short(n, 34) for n in df["system_name"]])
    ax.invert_yaxis()
    lo = min(df["end_date"].min(), start) - pd.DateOffset(months=2)
    hi = max(df["end_date"].max(), start + pd.DateOffset(months=horizon_months))
    ax.set_xlim(lo, hi + pd.DateOffset(months=2))
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    # Spans of 4-8 years need a 12-month step (else matplotlib warns into the report).
    locator.intervald[mdates.MONTHLY] = [1, 2, 3, 4, 6, 12]
    ax.xaxis.set_major_locator(locator)
    # Month names of the report locale (matplotlib's are English).
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _pos: fmt.month(mdates.num2date(x).date()))
    )
    # Slanted: beside the legend the axis is narrow, and level month labels
    # ran into each other ("Jan 2025Jan 2026").
    plt.setp(ax.get_xticklabels(), fontsize=7.5, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_xlabel(
        _("Contract end date (dot colour: lock-in score, darker = higher; grey = unknown)")
    )
    ax.set_title(_("Exit windows: when contracts end") + note)
    ax.legend(fontsize=7.5, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


# One row per ministry stops being readable (and drawable: matplotlib's pixel
# limit) long before a national feed's hundreds or thousands of buyers.
MAX_MINISTRY_ROWS = 60


def _cap_ministries(ministries: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """At most :data:`MAX_MINISTRY_ROWS` ministries: the ones with the most
    systems, then contracts (name order kept), and a title note saying so."""
    n = len(ministries)
    if n <= MAX_MINISTRY_ROWS:
        return ministries, ""
    by = [c for c in ("n_systems", "n_contracts") if c in ministries.columns]
    keys = ministries[by].apply(pd.to_numeric, errors="coerce").fillna(0) if by else None
    order = (
        keys.assign(_name=ministries["ministry"].astype(str))
        .sort_values([*by, "_name"], ascending=[*[False] * len(by), True], kind="stable")
        .index
        if keys is not None
        else ministries.index
    )
    kept = ministries.loc[ministries.index.isin(order[:MAX_MINISTRY_ROWS])]
    text = (
        _("{shown} of {total} with the most systems; all in the tables")
        if by
        else _("the first {shown} of {total}; all in the tables")
    )
    return kept, " (" + text.format(shown=MAX_MINISTRY_ROWS, total=fmt.number(n)) + ")"


def readiness_heatmap(ministries: pd.DataFrame) -> Figure:
    """Readiness indicators (0–1) per ministry; blank cells are unknown."""
    cols = [c for c in ministries.columns if c.startswith(("ind_", "q_"))]
    if ministries.empty or not cols:
        return _empty(_("No readiness indicators available."))
    ministries, note = _cap_ministries(ministries)
    data = ministries.set_index(ministries["ministry"].map(lambda s: short(s, 30)))[cols]
    data = data.apply(pd.to_numeric, errors="coerce").astype(float)
    data.columns = [
        wrap_label(
            _(INDICATOR_LABELS[c])
            if c in INDICATOR_LABELS
            else c.replace("ind_", "").replace("q_", "q: "),
            24,
            1,
        )
        for c in cols
    ]
    fig, ax = plt.subplots(figsize=(WIDTH, 1.4 + 0.38 * len(data)))
    sns.heatmap(
        data, vmin=0, vmax=1, cmap="cividis", annot=True, fmt=".2f", linewidths=0.5,
        cbar_kws={"label": _("indicator (0 = weak, 1 = strong)")}, ax=ax,
        annot_kws={"size": 7.5},
    )  # fmt: skip
    # Cell values with the locale's decimal mark (0,75 in es/fr/pt).
    for t in ax.texts:
        with_mark = fmt.number(float(t.get_text()), 2) if t.get_text() else ""
        t.set_text(with_mark)
    ax.set_facecolor("#EEEEEE")  # unknown cells show the background, never a colour
    ax.set_xlabel(_("Readiness indicator (blank = unknown)"))
    ax.set_ylabel("")
    ax.set_title(_("Readiness indicators by ministry") + note)
    plt.setp(ax.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor", fontsize=7.5)
    n_unknown = int(data.isna().sum().sum())
    set_alt(
        fig,
        _(
            "Heat map of {n} readiness indicators (0 = weak, 1 = strong) for {m} ministries, "
            "each cell labelled with its value; {unknown} cells unknown and left blank. "
            "Indicators: {names}."
        ).format(
            n=len(cols),
            m=len(data),
            unknown=n_unknown,
            names=", ".join(" ".join(str(c).split()) for c in data.columns),
        ),
    )
    _tight(fig)
    return fig


# As in the default scoring profile ([readiness] stage_names).
STAGE_NAMES = (
    N_("ad hoc"),
    N_("inventory & compliance"),
    N_("promote"),
    N_("host & share"),
    N_("strategic"),
)
# ColorBrewer YlGnBu, 5 classes: ordered, colour-blind safe, prints in grey.
STAGE_COLOURS = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
"""TODO Group OSPO maturity stages 0–4 (legend labels)."""


def readiness_bars(ministries: pd.DataFrame) -> Figure:
    """Readiness score per ministry (0–100), coloured by maturity stage 0–4.

    ``readiness_score`` is stored 0–1 (as the scorer writes it) and drawn 0–100;
    a legend names every stage colour, unknown stage in grey.
    """
    if ministries.empty:
        return _empty(_("No ministries."))
    # Alphabetical, not by score: a readiness profile, not a league table.
    ministries, note = _cap_ministries(ministries)
    df = ministries.sort_values("ministry", ascending=False)
    stage = pd.to_numeric(df["readiness_stage"], errors="coerce").astype(float)
    score = pd.to_numeric(df["readiness_score"], errors="coerce").astype(float) * 100
    fig, ax = plt.subplots(figsize=(WIDTH, 1.3 + 0.34 * len(df)))
    y = np.arange(len(df))
    for yi, st, v in zip(y, stage, score, strict=True):
        if st == st:
            ax.barh(yi, v, color=STAGE_COLOURS[int(st)], edgecolor="#555555", linewidth=0.6)
        else:  # unknown stage: hatched outline, never a colour that reads as a stage
            ax.barh(yi, v if v == v else 0, color="white", edgecolor="#777777", hatch="///")
    ax.set_yticks(y, [wrap_label(m, 30) for m in df["ministry"]])
    for yi, v in zip(y, score, strict=True):
        ax.text(1 if v != v else v + 1, float(yi), fmt.unknown() if v != v else f"{v:.0f}",
                va="center", fontsize=7.5, color="#333333")  # fmt: skip
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("Readiness score (0–100)"))
    ax.set_title(_("Ministries side by side") + note)
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#555555") for c in STAGE_COLOURS]
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="#777777", hatch="///"))
    names = [f"{i} {_(n)}" for i, n in enumerate(STAGE_NAMES)] + [fmt.unknown()]
    ax.legend(handles, names, title=_("maturity stage"), fontsize=7.5, title_fontsize=8,
              bbox_to_anchor=(1.01, 1), loc="upper left")  # fmt: skip
    stage_name = df.get("readiness_stage_name", pd.Series(pd.NA, index=df.index))
    set_alt(
        fig,
        _(
            "Horizontal bar chart of the readiness score (0-100) of {n} ministries, "
            "alphabetical, coloured by maturity stage and labelled with the score: {items}."
        ).format(
            n=len(df),
            items="; ".join(
                f"{short(mn)} {fmt.unknown() if v != v else f'{v:.0f}'} ({short(_(sn) if isinstance(sn, str) else sn, 30)})"
                for mn, v, sn in zip(
                    df["ministry"][::-1], score[::-1], stage_name[::-1], strict=True
                )
            ),
        ),
    )
    _tight(fig)
    return fig


def spend_by_category(
    functions: pd.DataFrame, currency: str = "", labels: dict[str, str] | None = None
) -> Figure:
    """Spend per functional category and ministry count (duplication view).

    Drawn from the scorer's ``national_functions`` table (``category``,
    ``n_ministries``, ``spend_total``). ``labels`` maps category codes to plain words;
    ``currency`` names the axis unit.
    """
    if functions.empty:
        return _empty(_("No systems."))
    cat = functions["category"].astype("string").fillna(fmt.unknown())
    if labels:
        cat = cat.map(lambda c: _(labels[c]) if c in labels else c).astype("string")
    tab = pd.DataFrame(
        {
            "spend": functions["spend_total"].astype(float).to_numpy(),
            "ministries": functions["n_ministries"].astype("Int64").to_numpy(),
        },
        index=cat.to_numpy(),
    )
    # A function with no known spend keeps its row (bottom), labelled unknown.
    tab = tab.sort_values("spend", kind="stable", na_position="first")
    known = tab["spend"].notna()

    def amount(v: float) -> str:
        return money_fmt(float(v)) if pd.notna(v) else fmt.unknown()

    fig, ax = plt.subplots(figsize=(WIDTH, 1.0 + 0.24 * len(tab)))
    ax.barh(
        [wrap_label(t, 40, 1) for t in tab.index],
        tab["spend"].fillna(0.0).astype(float),
        color=PALETTE[0],
    )
    for i, (v, n) in enumerate(zip(tab["spend"], tab["ministries"], strict=True)):
        words = ngettext("{n} ministry", "{n} ministries", int(n)).format(n=n)
        text = words if pd.notna(v) else f"{fmt.unknown()} · {words}"
        ax.text(float(v) if pd.notna(v) else 0.0, i, f"  {text}", va="center", fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(money_fmt))
    top = float(tab.loc[known, "spend"].max()) if known.any() else 0.0
    ax.set_xlim(0, top * 1.3 if top > 0 else 1.0)
    ax.set_xlabel(
        _("Spend on systems in the category ({currency})").format(
            currency=currency or _("currency of the inputs")
        )
    )
    ax.set_title(_("Where ministries run the same kind of system"))
    set_alt(
        fig,
        _(
            "Horizontal bar chart of spend on systems per function ({n} functions), "
            "each bar labelled with the number of ministries running it. Largest: {items}."
        ).format(
            n=len(tab),
            items="; ".join(
                f"{short(k)} {amount(v)} · "
                + ngettext("{n} ministry", "{n} ministries", int(m)).format(n=m)
                for k, v, m in list(zip(tab.index, tab["spend"], tab["ministries"], strict=True))[
                    ::-1
                ][:5]
            ),
        ),
    )
    _tight(fig)
    return fig


# ----------------------------------------------------------------- accessibility
INDICATOR_LABELS = {
    "ind_inventory_completeness": N_("inventory complete"),
    "ind_open_share_systems": N_("open systems"),
    "ind_open_share_spend": N_("open spend"),
    "ind_lockin_exposure": N_("low lock-in exposure"),
    "ind_supplier_hhi": N_("supplier diversity"),
    "ind_competitive_share": N_("competitive buying"),
    "ind_portability": N_("portability"),
    "ind_questionnaire": N_("questionnaire"),
    "q_procurement": N_("q: procurement"),
    "q_skills": N_("q: skills"),
    "q_governance": N_("q: governance"),
    "q_exit": N_("q: exit plans"),
    "q_sharing": N_("q: sharing"),
    "q_compliance": N_("q: compliance"),
}
"""Short plain names of the readiness indicators (heat-map columns)."""


def wrap_label(text: object, width: int = 22, lines: int = 2) -> str:
    """A category label wrapped between words on at most ``lines`` lines.

    Words are never broken inside (no "unknow n"): a word longer than
    ``width`` keeps its line, and text beyond ``lines`` lines ends in "…".
    """
    flat = short(text, width * lines + lines)
    wrapped = textwrap.wrap(flat, width, break_long_words=False, break_on_hyphens=False)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1].rstrip(" …") + "…"
    return "\n".join(wrapped) or fmt.unknown()


def set_alt(fig: Figure, text: str) -> Figure:
    """Attach a text description to a figure (read by the report's ``show``).

    It becomes the ``alt`` of the exported image, so a screen reader gets
    what the chart shows, not "No description has been provided".
    """
    fig.ospo_alt = " ".join(str(text).split())  # type: ignore[attr-defined]
    return fig


def alt_text(fig: Figure) -> str:
    """The description attached by :func:`set_alt` (``""`` when none)."""
    return str(getattr(fig, "ospo_alt", "") or "")


def _tight(fig: Figure) -> None:
    """``tight_layout`` with its layout warnings kept out of the report output."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()
