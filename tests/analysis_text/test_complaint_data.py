"""The labelled complaint files: targeted draws are training data only and never repeat a random draw."""

from __future__ import annotations

import csv
from pathlib import Path

from analysis.complaint_data import load_real, load_targeted, train_part

HEADER = ["id", "source", "text", "label", "secondary", "clear", "labeller"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_targeted_rows_are_never_held_out(tmp_path: Path) -> None:
    rows = [[f"{n:016x}", f"neg.txt:{n}", f"退款手续太麻烦{n}", "process", "", "1", "t"] for n in range(40)]
    random_draw = load_real(_write(tmp_path / "random.csv", rows))
    targeted = load_targeted(_write(tmp_path / "targeted.csv", rows))
    # The same ids as a random draw put some rows in the test part; as a targeted draw none.
    assert len(train_part(random_draw)) < len(random_draw)
    assert train_part(targeted) == targeted
    assert {example.source for example in targeted} == {"targeted"}


def test_missing_targeted_file_is_no_rows(tmp_path: Path) -> None:
    assert load_targeted(tmp_path / "absent.csv") == []


def test_shipped_targeted_rows_are_not_in_the_random_draw() -> None:
    random_ids = {example.id for example in load_real()}
    targeted_ids = [example.id for example in load_targeted()]
    assert len(targeted_ids) == len(set(targeted_ids))
    assert random_ids.isdisjoint(targeted_ids)
