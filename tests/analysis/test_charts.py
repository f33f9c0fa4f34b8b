import io
import warnings
from collections.abc import Callable

import matplotlib
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from analysis import charts, complaint_stats, index, periods, priorities, scores
from analysis.synthetic import TRUE_WEIGHTS, generate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA = generate(1)


def _render(make: Callable[[], bytes]) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = make()
    return png, [str(w.message) for w in caught]


def _glyph_warnings(messages: list[str]) -> list[str]:
    return [m for m in messages if "missing from font" in m or "Glyph" in m]


def test_warning_check_detects_missing_glyphs_without_the_cjk_font() -> None:
    def plain() -> bytes:
        with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
            fig = Figure()
            fig.add_subplot().set_title("服务质量")
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
            return buffer.getvalue()

    assert _glyph_warnings(_render(plain)[1])


def test_packaged_cjk_font_is_the_one_matplotlib_resolves() -> None:
    name = charts.cjk_font_name()
    assert name == "Noto Sans CJK SC"
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    assert path.endswith(charts.CJK_FONT_FILE)


def _index_trend() -> bytes:
    labelled = periods.add_response_period(DATA.answers)
    trend = scores.trend(DATA.answers, DATA.now, 8)
    return charts.index_trend_chart(index.composite_index(labelled, TRUE_WEIGHTS, ["period"]), trend)


def _bars() -> bytes:
    summary = scores.dimension_scores(DATA.answers)
    return charts.dimension_bars_chart(summary, {"safety": 4.0, "comfort": 3.5})


def _ipa() -> bytes:
    q = scores.question_scores(DATA.answers)
    importance = q[q["role"] == "importance"].set_index("dimension")["mean"].to_dict()
    performance = scores.dimension_scores(DATA.answers).set_index("dimension")["mean"].to_dict()
    return charts.ipa_chart(priorities.ipa(importance, performance))


def _complaints() -> bytes:
    return charts.complaint_categories_chart(complaint_stats.complaint_counts(DATA.complaints))


@pytest.mark.parametrize("make", [_index_trend, _bars, _ipa, _complaints])
def test_chinese_charts_render_without_missing_glyphs(make: Callable[[], bytes]) -> None:
    png, messages = _render(make)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000
    assert _glyph_warnings(messages) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: charts.index_trend_chart(
            pd.DataFrame({"period": ["2025-W01"], "index": [float("nan")]}), lang="en"
        ),
        lambda: charts.dimension_bars_chart(pd.DataFrame(columns=["dimension", "mean", "ci_low", "ci_high"])),
        lambda: charts.ipa_chart(priorities.ipa({}, {})),
        lambda: charts.complaint_categories_chart(complaint_stats.complaint_counts(DATA.complaints.iloc[:0])),
    ],
)
def test_empty_data_gives_a_no_data_chart(make: Callable[[], bytes]) -> None:
    png, messages = _render(make)
    assert png.startswith(PNG_SIGNATURE)
    assert _glyph_warnings(messages) == []
