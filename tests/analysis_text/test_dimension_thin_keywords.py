"""suggest_dimension, is_thin and keywords."""

from __future__ import annotations

import pytest

from analysis.complaints import complaint_phrases, context_kinds, is_thin, keywords, suggest_dimension


@pytest.mark.parametrize(
    ("text", "category", "dimension"),
    [
        ("工作人员把我的身份证随手乱放，个人信息泄露了怎么办", "personnel", "safety"),
        ("The app leaked my personal data", "technology", "safety"),
        ("排队等了两个小时，太慢了", "personnel", "responsiveness"),
        ("大厅又脏又吵，空调也不开", "resources", "comfort"),
        ("系统故障，什么都办不了", "process", "functionality"),
        ("The kiosk is broken and the payment failed", "resources", "functionality"),
        ("柜员说话很难听", "personnel", "comfort"),
        ("流程太繁琐", "process", "responsiveness"),
        ("你们的系统太落后", "technology", "functionality"),
        ("人手不足", "resources", "responsiveness"),
        ("价格太高", "other", None),
        ("", "other", None),
    ],
)
def test_suggest_dimension(text: str, category: str, dimension: str | None) -> None:
    assert suggest_dimension(text, category) == dimension


def test_safety_cue_wins_over_more_numerous_other_cues() -> None:
    assert suggest_dimension("等了很久，排队慢，地面还很滑，老人摔倒了", "resources") == "safety"


def test_category_default_breaks_a_tie_between_cues() -> None:
    assert suggest_dimension("大厅很冷，排队", "personnel") == "comfort"
    assert suggest_dimension("大厅很冷，排队", "process") == "responsiveness"


def test_suggest_dimension_rejects_unknown_category() -> None:
    with pytest.raises(ValueError, match="unknown value 'staff'"):
        suggest_dimension("态度差", "staff")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "太差了",
        "服务太差了，非常非常不满意！再也不想来了！！",
        "Terrible, just terrible. Never again!",
        "😡😡😡",
        "APP闪退",
    ],
)
def test_thin_complaints(text: str) -> None:
    assert is_thin(text)


@pytest.mark.parametrize(
    "text",
    [
        "城南营业厅三号窗口的工作人员态度很差",
        "昨天下午办业务等了两个小时",
        "手机银行转账一直失败",
        "The teller at the Main Street branch was rude to me this morning.",
        "My refund still has not arrived after three weeks",
        "周三上午来的，排队的人太多了",
    ],
)
def test_actionable_complaints_are_not_thin(text: str) -> None:
    assert not is_thin(text)


def test_context_kinds_name_what_is_present() -> None:
    assert context_kinds("昨天在营业厅办开户") == {"where", "when", "what"}
    assert context_kinds("等了3小时") == {"when"}
    assert context_kinds("太差了") == set()


def test_one_character_complaint_words_are_kept() -> None:
    words = keywords("营业厅太挤，大厅好冷，环境脏，服务员态度也差，东西还贵", top_k=10)
    assert {"太挤", "好冷", "环境脏", "态度差", "东西贵"} <= set(words)
    assert "营业厅" in words


def test_one_character_words_survive_a_small_top_k() -> None:
    words = keywords("营业厅的工作人员办理业务速度慢，窗口排队的人很多", top_k=3)
    assert len(words) == 3
    assert "速度慢" in words


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("太慢了", ["太慢"]),
        ("服务差", ["服务差"]),
        ("慢！", ["慢"]),
        ("又热又挤", ["热", "挤"]),
        ("等了很久，很慢", ["很久", "很慢"]),
        ("态度差，脏乱差", ["态度差", "脏乱差"]),
        ("时差和温差", []),
    ],
)
def test_complaint_phrases(text: str, phrases: list[str]) -> None:
    assert complaint_phrases(text) == phrases


def test_english_keywords_are_lower_case_words_without_stopwords() -> None:
    words = keywords("The queue at the Branch was SO slow and the staff didn't care", top_k=5)
    assert words == ["queue", "branch", "slow", "staff", "care"]


def test_keywords_of_empty_text() -> None:
    assert keywords("") == []
    assert keywords("😡") == []


def test_hot_words_are_whole_words_not_fragments_times_or_amounts() -> None:
    # 只开 is a classifier cue in the lexicon ("only one window open"), not a word a reader knows;
    # 昨天下午 and 一个多 say when and how much, not what went wrong.
    text = (
        "昨天下午在人民路营业厅办业务，窗口只开了一个，排了一个多小时的队。"
        "工作人员态度还很冷淡，问什么都不耐烦。"
    )
    words = keywords(text, top_k=10)
    assert {"只开", "昨天下午", "一个多"}.isdisjoint(words)
    assert {"不耐烦", "营业厅", "冷淡", "窗口"} <= set(words)


@pytest.mark.parametrize("text", ["不专业。", "APP闪退，支付失败", "充电桩坏了", "网络异常，办不了"])
def test_compound_lexicon_words_stay_hot_words(text: str) -> None:
    words = keywords(text)
    assert {"不专业", "支付失败", "闪退", "充电桩", "网络异常"} & set(words), words
