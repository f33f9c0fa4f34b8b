"""Both languages carry every text; language codes map sensibly."""

from __future__ import annotations

import re

from dialogs.i18n import catalog, language_from_code, t


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert set(zh) == set(en)
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_chinese_is_the_default_and_english_follows_telegram() -> None:
    assert language_from_code(None) == "zh"
    assert language_from_code("zh-hans") == "zh"
    assert language_from_code("en-US") == "en"
    assert language_from_code("ru") == "zh"
    assert language_from_code("ru", default="en") == "en"


def test_placeholders_are_filled() -> None:
    assert t("zh", "progress", number=3, total=14) == "第 3/14 题"
    assert t("en", "progress", number=3, total=14) == "Question 3/14"


def test_one_quotation_style_per_language() -> None:
    # Chinese quotes with 「」, English with “”; a reader sees one style in each language.
    from analysis.digest import _TEXT as DIGEST_TEXT
    from analysis.priorities import QUADRANT_LABELS
    from analysis.report_labels import TEXT as REPORT_TEXT

    zh = [*catalog("zh").values(), *(pair[0] for pair in (*REPORT_TEXT.values(), *DIGEST_TEXT.values()))]
    en = [*catalog("en").values(), *(pair[1] for pair in (*REPORT_TEXT.values(), *DIGEST_TEXT.values()))]
    zh += [labels["zh"] for labels in QUADRANT_LABELS.values()]
    en += [labels["en"] for labels in QUADRANT_LABELS.values()]
    assert [text for text in zh if re.search(r"[“”‘’\"']", text)] == []
    assert [text for text in en if re.search(r"[「」『』\"]|'\S+'", text)] == []
