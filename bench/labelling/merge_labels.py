"""Join labellers' batch files with the drawn texts into ``analysis/data/complaints/labelled.csv``.

Usage: python bench/labelling/merge_labels.py --pool pool.csv --out analysis/data/complaints/labelled.csv \
    batch_1.labels.csv=labeller-a batch_2.labels.csv=labeller-b ...

Each batch file has ``id,label,secondary,clear``; the pool (from make_pool.py) ``id,source,text``;
the name after ``=`` says who labelled the batch (kept in the ``labeller`` column).
Rows are checked (known id, valid label, secondary different from the label and not ``other``) and
written in pool order; an id labelled twice is an error.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

LABELS = ("personnel", "process", "technology", "resources", "other")


def read_labels(batches: list[str]) -> dict[str, dict[str, str]]:
    """Labels by id from every batch file (``path=labeller``), validated."""
    labels: dict[str, dict[str, str]] = {}
    for batch in batches:
        name, _, labeller = batch.partition("=")
        path = Path(name)
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                where = f"{path.name}:{number}"
                label, secondary = row["label"].strip(), (row.get("secondary") or "").strip()
                if label not in LABELS:
                    raise SystemExit(f"{where}: label {label!r} is not one of {LABELS}")
                if secondary in (label, "other") or (secondary and secondary not in LABELS):
                    secondary = ""  # a secondary equal to the label, or 'other', names no second cause
                if row["id"] in labels:
                    raise SystemExit(f"{where}: id {row['id']} labelled twice")
                clear = "1" if (row.get("clear") or "").strip() == "1" and not secondary else "0"
                labels[row["id"]] = {"label": label, "secondary": secondary, "clear": clear, "by": labeller}
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("batches", nargs="+", help="batch label files, each as path=labeller")
    args = parser.parse_args()
    labels = read_labels(args.batches)
    with args.pool.open(encoding="utf-8", newline="") as handle:
        pool = list(csv.DictReader(handle))
    unknown = set(labels) - {row["id"] for row in pool}
    if unknown:
        raise SystemExit(f"{len(unknown)} labelled ids are not in the pool, e.g. {sorted(unknown)[:3]}")
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "source", "text", "label", "secondary", "clear", "labeller"])
        for row in pool:
            if row["id"] in labels:
                got = labels[row["id"]]
                labelled = [got["label"], got["secondary"], got["clear"], got["by"]]
                writer.writerow([row["id"], row["source"], row["text"], *labelled])
    print(f"{len(labels)} labelled rows written to {args.out}")


if __name__ == "__main__":
    main()
