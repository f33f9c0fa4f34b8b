"""Chinese/English tokenisation: one-time jieba set-up and typed wrappers around jieba.

Call :func:`init_jieba` once at start-up (it costs 1–2 s); every other function here
initialises lazily if nobody did. Lexicon data files live in ``analysis/lexicon/``: the
jieba user dictionary, the stopwords and the ``*.tsv`` term tables whose first column is a
term (Chinese terms of two or more characters are added to jieba so that they stay whole).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import cache
from pathlib import Path
from typing import Final

import jieba

LEXICON_DIR: Final = Path(__file__).with_name("lexicon")
USER_DICT: Final = LEXICON_DIR / "userdict.txt"
STOPWORDS_FILE: Final = LEXICON_DIR / "stopwords.txt"

_HAN_RUN: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_WORD: Final = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Clause boundaries: a phrase rule or an n-gram never spans one of these.
_CLAUSE_BREAK: Final = re.compile(r"[,.;:!?。！？；：、，…\n\r\t()（）\[\]【】「」“”\"~～]+")

_lock: Final = threading.Lock()
_state: dict[str, bool] = {"ready": False}


def init_jieba(cache_dir: Path | None = None) -> None:
    """Load jieba's dictionary (cached in ``cache_dir``), the user dictionary, lexicon terms and stopwords.

    Idempotent: later calls, whatever their ``cache_dir``, do nothing. ``None`` keeps jieba's
    default cache location (the system temp folder).
    """
    with _lock:
        if _state["ready"]:
            return
        # jieba logs its dictionary loading at DEBUG on its own stderr handler.
        jieba.setLogLevel(logging.WARNING)
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
        jieba.dt.initialize()
        jieba.dt.load_userdict(str(USER_DICT))
        for term in lexicon_terms():
            if len(term) > 1 and has_han(term):
                jieba.dt.add_word(term)
        # Imported here: importing jieba.analyse loads its IDF table (about a second).
        import jieba.analyse as jieba_analyse

        jieba_analyse.set_stop_words(str(STOPWORDS_FILE))
        _state["ready"] = True


def ensure_jieba() -> None:
    """Initialise jieba with default settings unless :func:`init_jieba` already ran."""
    if not _state["ready"]:
        init_jieba(None)


def read_table(name: str) -> list[list[str]]:
    """Rows of a tab-separated lexicon file, without blank lines and ``#`` comments."""
    rows = []
    for line in (LEXICON_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([cell.strip() for cell in line.split("\t")])
    return rows


def read_words(name: str) -> frozenset[str]:
    """The words of a one-word-per-line lexicon file (first column of a table), normalised."""
    return frozenset(normalise(row[0]) for row in read_table(name))


@cache
def lexicon_terms() -> tuple[str, ...]:
    """Every term in the first column of the ``*.tsv`` lexicon tables."""
    terms: list[str] = []
    for path in sorted(LEXICON_DIR.glob("*.tsv")):
        terms.extend(normalise(row[0]) for row in read_table(path.name))
    return tuple(terms)


@cache
def stopwords() -> frozenset[str]:
    """Function words (Chinese and English) that carry no complaint content."""
    return read_words(STOPWORDS_FILE.name)


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), straight apostrophes, lower case."""
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()


def has_han(text: str) -> bool:
    """Whether the text contains a Chinese character."""
    return _HAN_RUN.search(text) is not None


def cut(text: str, hmm: bool = True) -> list[str]:
    """jieba's precise-mode segmentation of ``text``, as is (punctuation and spaces included).

    ``hmm=False`` skips jieba's guessing of words missing from its dictionary: about a sixth faster.
    """
    ensure_jieba()
    return [str(token) for token in jieba.dt.lcut(text, HMM=hmm)]


def clauses(text: str, hmm: bool = True) -> list[list[str]]:
    """Normalised word tokens per clause: jieba words for Chinese runs, lower-case words for Latin runs."""
    result = []
    for clause in _CLAUSE_BREAK.split(normalise(text)):
        tokens = _clause_tokens(clause, hmm)
        if tokens:
            result.append(tokens)
    return result


def tokenize(text: str) -> list[str]:
    """Normalised word tokens of the whole text (see :func:`clauses`)."""
    return [token for clause in clauses(text) for token in clause]


def _clause_tokens(clause: str, hmm: bool = True) -> list[str]:
    tokens: list[str] = []
    position = 0
    for run in _HAN_RUN.finditer(clause):
        tokens.extend(_LATIN_WORD.findall(clause[position : run.start()]))
        tokens.extend(cut(run.group(), hmm))
        position = run.end()
    tokens.extend(_LATIN_WORD.findall(clause[position:]))
    return tokens


def extract_tags(text: str, top_k: int | None = None) -> list[tuple[str, float]]:
    """TF-IDF keywords of ``text`` with their weights (jieba.analyse, stopwords applied), best first."""
    ensure_jieba()
    import jieba.analyse as jieba_analyse

    tags = jieba_analyse.extract_tags(text, topK=top_k, withWeight=True)
    return [(str(word), float(weight)) for word, weight in tags]
