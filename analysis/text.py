"""Chinese/English tokenisation: one-time jieba set-up and typed wrappers around jieba.

Text is segmented with a compact jieba dictionary (:data:`COMPACT_DICT`, built by
:mod:`analysis.compact_dictionary`); keyword extraction alone uses jieba's full dictionary, its IDF
table and its part-of-speech tags, loaded on its first use (in the worker: the chat process segments
complaints but never extracts keywords). Call :func:`init_jieba` once at start-up; every other
function here initialises lazily if nobody did. Lexicon data
files live in ``analysis/lexicon/``: the jieba user dictionary, the stopwords and the ``*.tsv``
term tables whose first column is a term (Chinese terms of two or more characters are added to
jieba so that they stay whole).
"""

from __future__ import annotations

import io
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

# jieba's parts of speech that never name a hot spot on their own: numerals (一个多), time words
# (昨天下午), quantifiers, pronouns, adverbs, prepositions, conjunctions, particles, modal words,
# interjections, onomatopoeia, affixes, directions, lone characters, and "x", jieba's mark for a
# dictionary entry that is no word (只开).
_NOT_CONTENT_TAGS: Final = frozenset(
    "m mq mg t tg q vq r rr rz rg d df dg p c u ul uv ud uj uz ug y e o h k f g zg x".split()
)

_NEGATIONS: Final = frozenset("不没未无")
_BOUND_TAGS: Final = frozenset({"zg", "q", "k", "g"})

COMPACT_DICT: Final = LEXICON_DIR / "compact_dict.txt"

_lock: Final = threading.Lock()
_state: dict[str, bool] = {"ready": False, "full": False, "keywords": False}
# The compact segmenter, once loaded (a list: assigned under the lock, read without it).
_segmenter: list[jieba.Tokenizer] = []


def init_jieba(cache_dir: Path | None = None) -> None:
    """Load the compact segmenter (:data:`COMPACT_DICT`, a few MB and milliseconds); ``cache_dir`` is
    where jieba caches its full dictionary once keyword extraction loads it.

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
        _segmenter.append(_compact_tokenizer())
        _state["ready"] = True


def _compact_tokenizer() -> jieba.Tokenizer:
    """jieba over the compact dictionary: the words the complaint model was trained on, the lexicon's,
    and single characters, with the full dictionary's frequencies and total.

    Route scores are log(frequency / total), so with the same frequencies and total a text whose words
    are all in the compact dictionary is cut exactly as the full one cuts it (every training text is);
    the full dictionary's ~500 000 words would hold about 60 MB in the chat process for good.
    """
    header, _, entries = COMPACT_DICT.read_bytes().partition(b"\n")
    tokenizer = jieba.Tokenizer()
    # jieba's own parser of dictionary files (it takes a binary file object and closes it).
    tokenizer.FREQ, _ = tokenizer.gen_pfdict(io.BytesIO(entries))
    tokenizer.total = int(header.split()[-1])  # "# total N": the full dictionary's total
    tokenizer.initialized = True
    return tokenizer


def ensure_full_jieba() -> None:
    """jieba's full dictionary (cached as :func:`init_jieba` said) with the user dictionary and lexicon
    terms, for keyword extraction and part-of-speech tags: the worker's, never the chat process's."""
    if _state["full"]:
        return
    with _lock:
        if _state["full"]:
            return
        jieba.setLogLevel(logging.WARNING)
        jieba.dt.initialize()
        with USER_DICT.open("rb") as user_dict:  # given a path, jieba leaves the file open
            jieba.dt.load_userdict(user_dict)
        for term in lexicon_terms():
            if len(term) > 1 and has_han(term):
                jieba.dt.add_word(term)
        _state["full"] = True


def _keyword_extraction() -> None:
    """jieba.analyse with the stopwords, loaded on first use: its IDF table and, through jieba.posseg,
    the part-of-speech dictionary hold about 95 MB, which only keyword extraction (in the worker) needs."""
    if _state["keywords"]:
        return
    ensure_full_jieba()
    with _lock:
        if not _state["keywords"]:
            import jieba.analyse as jieba_analyse  # a second or two

            jieba_analyse.set_stop_words(str(STOPWORDS_FILE))
            _state["keywords"] = True


def ensure_jieba() -> None:
    """Load the compact segmenter with default settings unless :func:`init_jieba` already ran."""
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


def cut(text: str, hmm: bool = True, *, full: bool = False) -> list[str]:
    """jieba's precise-mode segmentation of ``text``, as is (punctuation and spaces included).

    ``hmm=False`` skips jieba's guessing of words missing from its dictionary: about a sixth faster.
    ``full`` cuts with jieba's full dictionary (keyword extraction) instead of the compact segmenter.
    """
    if full:
        ensure_full_jieba()
        tokenizer = jieba.dt
    else:
        ensure_jieba()
        tokenizer = _segmenter[0]
    return [str(token) for token in tokenizer.lcut(text, HMM=hmm)]


def clauses(text: str, hmm: bool = True, *, full: bool = False) -> list[list[str]]:
    """Normalised word tokens per clause: jieba words for Chinese runs, lower-case words for Latin runs."""
    result = []
    for clause in _CLAUSE_BREAK.split(normalise(text)):
        tokens = _clause_tokens(clause, hmm, full)
        if tokens:
            result.append(tokens)
    return result


def tokenize(text: str) -> list[str]:
    """Normalised word tokens of the whole text (see :func:`clauses`)."""
    return [token for clause in clauses(text) for token in clause]


def _clause_tokens(clause: str, hmm: bool, full: bool) -> list[str]:
    tokens: list[str] = []
    position = 0
    for run in _HAN_RUN.finditer(clause):
        tokens.extend(_LATIN_WORD.findall(clause[position : run.start()]))
        tokens.extend(cut(run.group(), hmm, full=full))
        position = run.end()
    tokens.extend(_LATIN_WORD.findall(clause[position:]))
    return tokens


def is_content_word(token: str) -> bool:
    """Whether a Chinese token is a whole word that can name a hot spot on its own.

    A dictionary word counts when its part of speech carries content (not 一个多, 昨天下午); a word
    the dictionary lacks, or that the lexicon added as a cue, counts when it is a compound of such
    words, a negation allowed in front (不专业, 支付失败, but not the fragment 只开).
    """
    word = normalise(token)
    tag = _tag_of(word)
    if tag is not None:
        return tag not in _NOT_CONTENT_TAGS
    return _is_content_compound(word)


def _tag_of(word: str) -> str | None:
    """jieba's part of speech for a word of its dictionary or the user dictionary (None: untagged)."""
    _keyword_extraction()
    import jieba.posseg as jieba_posseg  # loaded with jieba.analyse

    tag = jieba.dt.user_word_tag_tab.get(word) or jieba_posseg.dt.word_tag_tab.get(word)
    return None if tag is None else str(tag)


def _fits_compound(piece: str, *, first: bool) -> bool:
    if first and piece in _NEGATIONS:
        return True
    tag = _tag_of(piece)
    if tag is None:
        return False
    if tag not in _NOT_CONTENT_TAGS:
        return True
    # After a first word: a bound morpheme (快递员, 充电桩) or a two-character word jieba files
    # as an adverb but that names a state here (网络异常).
    return not first and (tag in _BOUND_TAGS if len(piece) == 1 else tag == "d")


@cache
def _is_content_compound(word: str) -> bool:
    # Splits of word[:end] into tagged content words; the first piece may be a negation instead.
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(end):
            piece = word[start:end]
            if not reachable[start] or piece == word:
                continue
            if _fits_compound(piece, first=start == 0):
                reachable[end] = True
                break
    return len(word) > 1 and reachable[-1]


def extract_tags(text: str, top_k: int | None = None) -> list[tuple[str, float]]:
    """TF-IDF keywords of ``text`` with their weights (jieba.analyse, stopwords applied), best first."""
    _keyword_extraction()
    import jieba.analyse as jieba_analyse

    tags = jieba_analyse.extract_tags(text, topK=top_k, withWeight=True)
    return [(str(word), float(weight)) for word, weight in tags]
