"""Agreement of two independent labellings of the same complaints: Cohen's kappa and raw agreement.

Usage: python bench/labelling/kappa.py analysis/data/complaints/labelled.csv \
    analysis/data/complaints/second_labelling.csv
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analysis.complaint_evaluation import cohen_kappa  # noqa: E402


def _labels(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row["label"] for row in csv.DictReader(handle)}


def main() -> None:
    first, second = _labels(Path(sys.argv[1])), _labels(Path(sys.argv[2]))
    ids = [i for i in second if i in first]
    a, b = [first[i] for i in ids], [second[i] for i in ids]
    agreement = sum(x == y for x, y in zip(a, b, strict=True)) / len(ids)
    print(
        f"{len(ids)} items labelled twice: agreement {agreement:.3f}, Cohen's kappa {cohen_kappa(a, b):.3f}"
    )
    disagreements = Counter((x, y) for x, y in zip(a, b, strict=True) if x != y)
    for (x, y), n in disagreements.most_common():
        print(f"  first {x:<10} second {y:<10} {n}")


if __name__ == "__main__":
    main()
