"""The report's complaint tables: counts and rates, handling timeliness, overdue tickets, hot keywords.

Keywords that look like personal data (a phone number, an e-mail, a Chinese name) are dropped.
"""

from __future__ import annotations

import functools
import re
from typing import Final

import pandas as pd

from analysis.complaint_stats import (
    complaint_rates,
    keyword_counts,
    overdue_tickets,
    rising_keywords,
    timeliness,
)
from analysis.report_data import ReportData, active_customers
from analysis.report_labels import severity_label, t
from analysis.report_settings import ReportSettings
from analysis.text import ensure_full_jieba

# Runs of 4+ digits (phone numbers, ids) and e-mail addresses.
_PERSONAL_PATTERN: Final = re.compile(r"\d{4,}|\d{3}[\s-]\d{3,}|@")
# The 100 commonest Chinese surnames. A keyword shaped like surname + one or two characters is
# checked with jieba's part-of-speech tags (nr* = person name); only such keywords pay for
# loading jieba (~2 s), which most reports then never do.
_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_NAME_SHAPE: Final = re.compile(f"^[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}$")
_NAME_TAGS: Final = ("nr", "nrfg", "nrt")


# Most severe first, as people read them (not alphabetically: high, low, medium).
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def complaint_tables(
    data: ReportData, now: pd.Timestamp, cfg: ReportSettings, notes: dict[str, list[str]]
) -> dict[str, pd.DataFrame]:
    """The current period's complaint tables, keyed by name; their notes are added to ``notes``."""
    cur = data.complaints_in(data.current.label)
    responses = data.responses_in(data.current.label)
    return complaint_tables_of(
        cur,
        data.complaints_in(data.previous.label),
        data.complaints,
        int((responses["status"] == "completed").sum()),
        active_customers(responses, cur),
        now,
        cfg,
        notes,
    )


def complaint_tables_of(
    cur: pd.DataFrame,
    prev: pd.DataFrame,
    complaints: pd.DataFrame,
    n_responses: int,
    n_customers: int,
    now: pd.Timestamp,
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> dict[str, pd.DataFrame]:
    """:func:`complaint_tables` from this and last period's complaints, all of them as of ``now``
    (older open tickets too), and this period's completed responses and active customers."""
    lang = cfg.lang
    total = complaint_rates(cur, n_responses, n_customers, by=())
    total["previous"] = len(prev)
    total["change"] = total["complaints"] - total["previous"]
    by_category = complaint_rates(cur, n_responses, n_customers, by=("category",))
    by_dimension = complaint_rates(cur, n_responses, n_customers, by=("dimension",))
    by_severity = timeliness(cur, cfg.sla_hours, now, by=("severity",)).sort_values(
        "severity", key=lambda s: s.map(SEVERITY_ORDER), kind="stable", ignore_index=True
    )
    overall = timeliness(cur, cfg.sla_hours, now, by=()).assign(severity="all")
    handling = pd.concat([by_severity, overall], ignore_index=True)
    overdue = overdue_tickets(complaints, cfg.sla_hours, now)
    hot, dropped = _safe_keywords(keyword_counts(cur))
    rising = rising_keywords(cur, prev, top=10**6)
    rising = rising[~rising["keyword"].map(is_personal).astype(bool)]
    notes.setdefault("complaints", []).append(
        t("n_rates", lang, responses=n_responses, customers=n_customers)
    )
    sla = ("，" if lang == "zh" else ", ").join(
        f"{severity_label(k, lang)} {h:g}h" for k, h in cfg.sla_hours.items()
    )
    notes.setdefault("timeliness", []).append(t("n_sla", lang, sla=sla))
    notes.setdefault("overdue", []).append(t("n_overdue_total", lang, n=len(overdue)))
    if dropped:
        notes.setdefault("keywords", []).append(t("n_keywords_filtered", lang, n=dropped))
    return {
        "summary": total,
        "by_category": by_category,
        "by_dimension": by_dimension,
        "timeliness": handling,
        "overdue": overdue,
        "keywords": hot.head(cfg.top_keywords).reset_index(drop=True),
        "rising": rising.head(cfg.top_keywords).reset_index(drop=True),
    }


def _safe_keywords(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    personal = table["keyword"].map(is_personal).astype(bool)
    return table[~personal].reset_index(drop=True), int(personal.sum())


@functools.lru_cache(maxsize=65536)
def is_personal(keyword: str) -> bool:
    """Whether a keyword looks like personal data: a phone-like digit run, an e-mail, or a Chinese name.

    Names are recognised by jieba's part-of-speech tags (nr*); Latin-script names are not detected.
    """
    if _PERSONAL_PATTERN.search(keyword):
        return True
    if not _NAME_SHAPE.match(keyword):
        return False
    ensure_full_jieba()
    import jieba.posseg as posseg

    return any(pair.flag in _NAME_TAGS for pair in posseg.lcut(keyword))
