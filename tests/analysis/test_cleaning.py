import pandas as pd

from analysis.cleaning import CleaningRules, flag_responses
from analysis.synthetic import SyntheticConfig, generate
from tests.analysis.factories import BASE, items, responses


def _flags(result_flags: pd.DataFrame) -> dict[int, tuple[bool, bool, bool]]:
    rows = result_flags.set_index("response_id")[["straightline", "speeder", "duplicate"]]
    return {int(k): tuple(bool(v) for v in row) for k, row in rows.iterrows()}  # type: ignore[misc]


def test_straightlining_needs_same_answer_on_at_least_five_items() -> None:
    frame = items(
        {
            1: {"safety": [4, 4, 4], "comfort": [4, 4]},  # five items, all 4 → flagged
            2: {"safety": [4, 4, 4], "comfort": [4]},  # only four items → not enough evidence
            3: {"safety": [4, 4, 4], "comfort": [4, 5]},
        }
    )
    result = flag_responses(frame, rules=CleaningRules(min_seconds_per_item=0))
    assert _flags(result.flags) == {
        1: (True, False, False),
        2: (False, False, False),
        3: (False, False, False),
    }
    assert result.counts == {
        "responses": 3,
        "straightline": 1,
        "speeder": 0,
        "duplicate": 0,
        "excluded": 1,
        "kept": 2,
    }


def test_speeders_by_seconds_per_answer() -> None:
    # The factory spaces a response's five answers 10 s apart: 40 s from first to last answer.
    frame = items({1: {"safety": [1, 2, 3, 4, 5]}, 2: {"safety": [1, 2, 3, 4, 5]}})
    first_answer = frame.groupby("response_id")["answered_at"].min()
    resp = responses([(1, "completed"), (2, "completed")])
    resp["started_at"] = resp["response_id"].map(first_answer) - pd.to_timedelta([1, 20], unit="s")
    result = flag_responses(frame, resp, CleaningRules(min_seconds_per_item=9))
    # Response 1: 41 s for 5 answers = 8.2 s each < 9 → speeder; response 2: 60 s = 12 s each.
    assert result.flags.set_index("response_id")["speeder"].to_dict() == {1: True, 2: False}
    # Without responses: 40 s over 4 intervals = 10 s each → neither is a speeder.
    assert not flag_responses(frame, rules=CleaningRules(min_seconds_per_item=9)).flags["speeder"].any()


def test_repeat_respondent_keeps_first_or_last_within_a_week() -> None:
    frame = items({1: {"safety": [1, 2]}, 2: {"safety": [3, 4]}, 3: {"safety": [5, 4]}})
    frame["respondent_id"] = 7
    later = frame["response_id"] == 3
    frame.loc[later, "answered_at"] = frame.loc[later, "answered_at"] + pd.Timedelta(days=7)
    first = flag_responses(frame, rules=CleaningRules(min_seconds_per_item=0))
    assert first.flags.set_index("response_id")["duplicate"].to_dict() == {1: False, 2: True, 3: False}
    last = flag_responses(frame, rules=CleaningRules(min_seconds_per_item=0, keep="last"))
    assert last.flags.set_index("response_id")["duplicate"].to_dict() == {1: True, 2: False, 3: False}
    monthly = flag_responses(frame, rules=CleaningRules(min_seconds_per_item=0, cycle="month"))
    assert monthly.counts["duplicate"] == 2


def test_a_flagged_first_response_does_not_hide_the_valid_repeat() -> None:
    frame = items({1: {"safety": [3, 3, 3, 3, 3]}, 2: {"safety": [3, 4, 3, 4, 2]}})
    frame["respondent_id"] = 9
    result = flag_responses(frame, rules=CleaningRules(min_seconds_per_item=0))
    assert _flags(result.flags) == {1: (True, False, False), 2: (False, False, False)}


def test_apply_removes_excluded_responses_everywhere() -> None:
    frame = items({1: {"safety": [4, 4, 4, 4, 4]}, 2: {"safety": [1, 2, 3, 4, 5]}})
    result = flag_responses(frame, rules=CleaningRules(min_seconds_per_item=0))
    assert set(result.apply(frame)["response_id"]) == {2}
    assert list(result.excluded_ids) == [1]


def test_empty_answers() -> None:
    result = flag_responses(items({}))
    assert result.counts == {
        "responses": 0,
        "straightline": 0,
        "speeder": 0,
        "duplicate": 0,
        "excluded": 0,
        "kept": 0,
    }


def test_synthetic_quality_problems_are_found() -> None:
    cfg = SyntheticConfig(n_periods=4, responses_per_period=500, straightline_rate=0.05, speeder_rate=0.05)
    data = generate(8, cfg)
    counts = flag_responses(data.answers, data.responses).counts
    assert 0.04 * counts["responses"] < counts["straightline"] < 0.09 * counts["responses"]
    assert 0.03 * counts["responses"] < counts["speeder"] < 0.07 * counts["responses"]
    assert counts["duplicate"] > 0
    assert counts["kept"] + counts["excluded"] == counts["responses"]


def test_base_is_a_monday_morning_in_shanghai() -> None:
    assert BASE.tz_convert("Asia/Shanghai").day_name() == "Monday"
