"""Complaint statistics (投诉数据挖掘): rates, handling timeliness, and keyword hot spots.

Takes the ``complaints`` frame of :mod:`analysis.frames`. Filter it to a period first (see
:class:`analysis.periods.PeriodBounds.contains`), or add a ``period`` column and pass it in ``by``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd

from analysis.frames import RESOLVED_STATUSES

UNASSIGNED: Final = "unassigned"
Denominator = int | float | Mapping[str, float] | pd.Series


def _keys(complaints: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    # A missing dimension is a real answer ("not tied to a dimension"), so keep it as a group.
    frame = complaints.copy()
    for col in by:
        if frame[col].dtype == object or str(frame[col].dtype) == "str":
            frame[col] = frame[col].fillna(UNASSIGNED)
    return frame


def complaint_counts(complaints: pd.DataFrame, by: Sequence[str] = ("category",)) -> pd.DataFrame:
    """Number of complaints per group of ``by`` (missing category/dimension → 'unassigned')."""
    keys = list(by)
    if not keys:
        return pd.DataFrame({"complaints": [len(complaints)]})
    counts = _keys(complaints, keys).groupby(keys, observed=True).size().rename("complaints")
    return counts.reset_index().sort_values(["complaints", *keys], ascending=[False, *[True] * len(keys)])


def _per_1000(table: pd.DataFrame, denominator: Denominator | None) -> pd.Series:
    if denominator is None:
        return pd.Series(np.nan, index=table.index)
    if isinstance(denominator, (int, float)):
        base = pd.Series(float(denominator), index=table.index)
    else:
        if "period" not in table.columns:
            raise ValueError("per-period denominators need 'period' in by")
        base = table["period"].map(pd.Series(denominator, dtype="float64"))
    rate: pd.Series = table["complaints"] * 1000 / base.where(base > 0)
    return rate


def complaint_rates(
    complaints: pd.DataFrame,
    n_responses: Denominator,
    n_customers: Denominator | None = None,
    by: Sequence[str] = ("category",),
) -> pd.DataFrame:
    """Complaints per 1,000 responses and per 1,000 active customers, per group of ``by``.

    Denominators are numbers for one period, or mappings period → number when ``by`` holds
    'period'. A zero or unknown denominator gives NaN.
    """
    table = complaint_counts(complaints, by)
    table["per_1000_responses"] = _per_1000(table, n_responses)
    table["per_1000_customers"] = _per_1000(table, n_customers)
    return table.reset_index(drop=True)


def _hours(delta: pd.Series) -> pd.Series:
    hours: pd.Series = delta.dt.total_seconds() / 3600
    return hours


def _ticket_facts(
    complaints: pd.DataFrame, sla_hours: Mapping[str, float], now: pd.Timestamp
) -> pd.DataFrame:
    now = (
        pd.Timestamp(now).tz_convert("UTC")
        if pd.Timestamp(now).tzinfo
        else pd.Timestamp(now).tz_localize("UTC")
    )
    resolved = complaints["status"].isin(list(RESOLVED_STATUSES)) & complaints["resolved_at"].notna()
    sla = complaints["severity"].map(pd.Series(dict(sla_hours), dtype="float64")).astype("float64")
    resolution = _hours(complaints["resolved_at"] - complaints["created_at"]).where(resolved)
    age = _hours(now - complaints["created_at"])
    overdue = ~resolved & sla.notna() & (age > sla)
    return complaints.assign(
        _first_h=_hours(complaints["first_response_at"] - complaints["created_at"]),
        _resolution_h=resolution,
        _resolved=resolved,
        _within=resolved & (resolution <= sla),
        _overdue=overdue,
        _sla_known=(resolved & sla.notna()) | overdue,
        _sla=sla,
        _age_h=age,
    )


def timeliness(
    complaints: pd.DataFrame,
    sla_hours: Mapping[str, float],
    now: pd.Timestamp,
    by: Sequence[str] = ("severity",),
) -> pd.DataFrame:
    """Handling speed per group: first-response and resolution hours (median, p90), SLA share,
    overdue open tickets at ``now``, and the mean resolution rating.

    ``sla_hours`` maps severity → hours allowed until resolution. within_sla_share =
    resolved within SLA / (resolved + open tickets already past SLA): tickets whose SLA
    outcome is known at ``now``; still-open tickets inside their SLA are not counted yet.
    """
    keys = list(by)
    facts = _keys(_ticket_facts(complaints, sla_hours, now), keys)
    grouped = facts.groupby(keys, observed=True) if keys else facts.groupby(lambda _: 0)
    table = grouped.agg(
        tickets=("complaint_id", "size"),
        responded=("_first_h", "count"),
        first_response_median_h=("_first_h", "median"),
        resolved=("_resolved", "sum"),
        resolution_median_h=("_resolution_h", "median"),
        within_sla=("_within", "sum"),
        sla_known=("_sla_known", "sum"),
        overdue_open=("_overdue", "sum"),
        rating_mean=("resolution_rating", "mean"),
        rating_n=("resolution_rating", "count"),
    )
    table["first_response_p90_h"] = grouped["_first_h"].quantile(0.9)
    table["resolution_p90_h"] = grouped["_resolution_h"].quantile(0.9)
    table["within_sla_share"] = table["within_sla"] / table["sla_known"].where(table["sla_known"] > 0)
    if table.empty and not keys:
        table.loc[
            0, ["tickets", "responded", "resolved", "within_sla", "sla_known", "overdue_open", "rating_n"]
        ] = 0
    counts = ["tickets", "responded", "resolved", "within_sla", "sla_known", "overdue_open", "rating_n"]
    table[counts] = table[counts].fillna(0).astype("int64")
    columns = [
        *counts[:2], "first_response_median_h", "first_response_p90_h", "resolved", "resolution_median_h",
        "resolution_p90_h", "within_sla", "sla_known", "within_sla_share", "overdue_open", "rating_mean",
        "rating_n",
    ]  # fmt: skip
    return table.reset_index()[[*keys, *columns]] if keys else table.reset_index(drop=True)[columns]


def overdue_tickets(
    complaints: pd.DataFrame, sla_hours: Mapping[str, float], now: pd.Timestamp
) -> pd.DataFrame:
    """Open tickets past their SLA at ``now``, most overdue first, with age and overdue hours."""
    facts = _ticket_facts(complaints, sla_hours, now)
    late = facts[facts["_overdue"]].assign(
        age_hours=lambda f: f["_age_h"],
        sla_hours=lambda f: f["_sla"],
        overdue_hours=lambda f: f["_age_h"] - f["_sla"],
    )
    columns = ["complaint_id", "ticket_no", "severity", "category", "status", "created_at"]
    return late.sort_values("overdue_hours", ascending=False)[
        [*columns, "age_hours", "sla_hours", "overdue_hours"]
    ].reset_index(drop=True)


def keyword_counts(complaints: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per keyword (and group): number of complaints mentioning it and their complaint ids.

    A keyword repeated inside one complaint counts once. Sorted by count, then keyword.
    """
    keys = list(by)
    exploded = complaints[["complaint_id", *keys, "keywords"]].explode("keywords")
    exploded = exploded[exploded["keywords"].notna() & (exploded["keywords"].astype(str) != "")]
    exploded = exploded.rename(columns={"keywords": "keyword"}).drop_duplicates(
        ["complaint_id", *keys, "keyword"]
    )
    exploded["keyword"] = exploded["keyword"].astype("str")
    table = (
        exploded.sort_values("complaint_id")
        .groupby([*keys, "keyword"], observed=True)["complaint_id"]
        .agg(complaints="size", complaint_ids=list)
        .reset_index()
    )
    table["complaints"] = table["complaints"].astype("int64")
    order = [*keys, "complaints", "keyword"]
    return table.sort_values(order, ascending=[*[True] * len(keys), False, True]).reset_index(drop=True)


def top_keywords(complaints: pd.DataFrame, top: int = 10, by: Sequence[str] = ()) -> pd.DataFrame:
    """The ``top`` keywords (per group of ``by``, e.g. 'period') with counts and complaint ids."""
    table = keyword_counts(complaints, by)
    keys = list(by)
    head = table.groupby(keys, observed=True).head(top) if keys else table.head(top)
    return head.reset_index(drop=True)


def rising_keywords(
    current: pd.DataFrame, previous: pd.DataFrame, top: int = 10, min_count: int = 2
) -> pd.DataFrame:
    """Keywords mentioned more often in ``current`` than in ``previous`` complaints.

    Columns: keyword, current, previous, change (absolute), growth (relative; NaN when new),
    new (absent before), complaint_ids (current period). Only keywords with ≥ ``min_count``
    current mentions; sorted by change, then current count.
    """
    cur = keyword_counts(current).set_index("keyword")
    prev = keyword_counts(previous).set_index("keyword")["complaints"]
    table = cur.rename(columns={"complaints": "current"})
    table["previous"] = prev.reindex(table.index).fillna(0).astype("int64")
    table["change"] = table["current"] - table["previous"]
    table["growth"] = table["change"] / table["previous"].where(table["previous"] > 0)
    table["new"] = table["previous"] == 0
    table = table[(table["change"] > 0) & (table["current"] >= min_count)]
    table = table.reset_index().sort_values(["change", "current", "keyword"], ascending=[False, False, True])
    return (
        table[["keyword", "current", "previous", "change", "growth", "new", "complaint_ids"]]
        .head(top)
        .reset_index(drop=True)
    )
