import pandas as pd
import pytest

from analysis.frames import FRAME_COLUMNS, conform, empty_frame
from analysis.synthetic import SyntheticConfig, generate, questions


@pytest.mark.parametrize("kind", ["answers", "responses", "complaints"])
def test_empty_frame_has_contract_columns_and_dtypes(kind: str) -> None:
    frame = empty_frame(kind)  # type: ignore[arg-type]
    assert len(frame) == 0
    assert {c: str(t) for c, t in frame.dtypes.items()} == dict(FRAME_COLUMNS[kind])


def test_conform_names_missing_columns() -> None:
    with pytest.raises(ValueError, match=r"answers frame lacks columns: .*score"):
        conform(pd.DataFrame({"response_id": [1]}), "answers")


def test_synthetic_frames_follow_contracts_and_are_deterministic() -> None:
    first, again, other = generate(42), generate(42), generate(43)
    for kind in ("answers", "responses", "complaints"):
        frame = getattr(first, kind)
        assert {c: str(t) for c, t in frame.dtypes.items()} == dict(FRAME_COLUMNS[kind])
        pd.testing.assert_frame_equal(frame, getattr(again, kind))
    assert not first.answers["score"].equals(other.answers["score"])


def test_synthetic_values_are_in_range_and_consistent() -> None:
    data = generate(1, SyntheticConfig(n_periods=4, responses_per_period=200))
    a = data.answers
    items = a[a["role"].isin(["item", "importance", "overall"])]["score"]
    assert items.between(1, 5).all()
    assert a.loc[a["role"] == "nps", "score"].between(0, 10).all()
    assert a.loc[a["role"] == "comment", "score"].isna().all()
    r = data.responses
    assert set(r["status"]) == {"completed", "abandoned", "started"}
    assert r.loc[r["status"] == "completed", "completed_at"].notna().all()
    assert r.loc[r["status"] != "completed", "completed_at"].isna().all()
    v1 = a[a["survey_version_id"] == 1]["question_key"]
    assert "responsiveness_4" not in set(v1)
    assert len(questions(2)) == len(questions(1)) + 1
    c = data.complaints
    assert c["ticket_no"].str.match(r"^TJ-\d{6}$").all()
    assert (c["created_at"] <= data.now + pd.Timedelta(hours=3)).all()
    resolved = c["status"].isin(["resolved", "closed"])
    assert c.loc[resolved, "resolved_at"].notna().all() and c.loc[~resolved, "resolved_at"].isna().all()
    assert c["keywords"].map(len).between(1, 3).all()
