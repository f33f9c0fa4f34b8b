"""The compact jieba dictionary complaint texts are segmented with (``analysis/lexicon/compact_dict.txt``).

Its words: every word jieba's full dictionary cuts from the model's training texts (the train parts
only, never a held-out row), the lexicon's terms and the user dictionary's words, and every single
character the full dictionary knows; each with the full dictionary's frequency, and the file starts
with the full dictionary's total. So the training texts are cut exactly as before and the model
needs no other data; the chat process holds ~20 000 words instead of ~500 000 (about 60 MB less).
Rebuilt by `tingjian classifier dictionary` (before `tingjian classifier build`).
"""

from __future__ import annotations

import jieba

from analysis import text as tx
from analysis.complaint_data import load_all, train_part
from analysis.complaint_model import model_text


def build_compact_dictionary() -> str:
    """The compact dictionary file's content: a ``# total N`` line, then ``word frequency`` lines."""
    tx.ensure_full_jieba()
    frequencies = jieba.dt.FREQ
    words = {word for word, frequency in frequencies.items() if len(word) == 1 and frequency}
    words.update(jieba.dt.user_word_tag_tab)
    words.update(term for term in tx.lexicon_terms() if len(term) > 1 and tx.has_han(term))
    for example in train_part(load_all()):
        for clause in tx.clauses(model_text(example.text), hmm=False, full=True):
            words.update(token for token in clause if len(token) > 1 and tx.has_han(token))
    # A word jieba's file format cannot hold (a space) or one it would not use (frequency 0) is left out.
    kept = sorted(word for word in words if frequencies.get(word) and not any(c.isspace() for c in word))
    lines = [f"# total {jieba.dt.total}", *(f"{word} {frequencies[word]}" for word in kept)]
    return "\n".join(lines) + "\n"
