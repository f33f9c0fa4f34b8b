"""jieba set-up and tokenisation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from analysis import text as tx
from analysis.complaint_data import load_all, train_part
from analysis.complaint_model import model_text

ROOT = Path(__file__).resolve().parents[2]


def test_segmenting_never_loads_the_full_dictionary_and_keyword_extraction_caches_it(tmp_path: Path) -> None:
    cache_dir = tmp_path / "data" / "jieba"
    script = (
        "import sys; from pathlib import Path; from analysis import text as tx; "
        "tx.init_jieba(Path(sys.argv[1])); tx.init_jieba(None); print('|'.join(tx.cut('他们互相踢皮球'))); "
        "print(sorted(p.name for p in Path(sys.argv[1]).iterdir())); "
        "tx.extract_tags('服务态度很差'); print(sorted(p.name for p in Path(sys.argv[1]).iterdir()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(cache_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.splitlines() == ["他们|互相|踢皮球", "[]", "['jieba.cache']"]
    assert (cache_dir / "jieba.cache").stat().st_size > 1_000_000


def test_the_compact_dictionary_cuts_training_texts_as_the_full_one() -> None:
    texts = [model_text(example.text) for example in train_part(load_all())[::10]]
    assert [tx.clauses(t, hmm=False) for t in texts] == [tx.clauses(t, hmm=False, full=True) for t in texts]
    # Words missing from it (no complaint mentions physics) come out in known pieces instead.
    assert tx.cut("量子纠缠", hmm=False, full=True) == ["量子", "纠缠"]
    assert tx.cut("量子纠缠", hmm=False) == ["量", "子", "纠", "缠"]


def test_the_shipped_compact_dictionary_equals_a_fresh_build() -> None:
    # Built in a fresh interpreter, as `tingjian classifier dictionary` builds it: the build reads
    # jieba's process-wide dictionary, and in the whole suite's process the fresh build once came out
    # different around one user-dictionary word while it matched in a process of its own (cause not found).
    script = "import sys; from analysis.compact_dictionary import build_compact_dictionary; "
    script += "sys.stdout.write(build_compact_dictionary())"
    fresh = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    ).stdout.decode("utf-8")
    assert tx.COMPACT_DICT.read_text(encoding="utf-8") == fresh


def test_init_jieba_is_idempotent() -> None:
    tx.init_jieba(None)
    tx.init_jieba(Path("/nonexistent/never-used"))
    assert tx.cut("服务态度") == ["服务态度"]


def test_user_dictionary_and_lexicon_terms_stay_whole() -> None:
    assert "爱答不理" in tx.tokenize("前台小姑娘爱答不理的")
    assert "一问三不知" in tx.tokenize("客服一问三不知")
    assert "人手不足" in tx.tokenize("医院人手不足")


def test_english_is_lower_case_word_tokens() -> None:
    assert tx.tokenize("The APP keeps Crashing, can't log in!") == [
        "the",
        "app",
        "keeps",
        "crashing",
        "can't",
        "log",
        "in",
    ]


def test_mixed_text_and_full_width_forms() -> None:
    assert tx.tokenize("ＡＰＰ又crash了，login不上") == ["app", "又", "crash", "了", "login", "不上"]


def test_clauses_split_on_punctuation() -> None:
    assert tx.clauses("服务差！排队太久。") == [["服务差"], ["排队", "太久"]]


def test_empty_and_emoji_text_has_no_tokens() -> None:
    assert tx.tokenize("") == []
    assert tx.tokenize("😡😡 🙄!!!") == []


def test_extract_tags_applies_the_stopwords() -> None:
    tags = [tag for tag, _ in tx.extract_tags("我们的营业厅排队太久了", top_k=None)]
    assert "营业厅" in tags
    assert "我们" not in tags
