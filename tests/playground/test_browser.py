"""The playground page in headless Chromium: a survey by clicks, a complaint worked by the admin view.

Leaves test-artifacts/playground-chat.png (customer and admin side by side) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.playground import ADMIN_ID
from emulator import DEFAULT_TOKEN
from tests.playground.chat_page import ChatPage
from tests.playground.process import Playground
from tests.support.survey_steps import THANKS_ZH, responses_of, stored_answers

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CUSTOMER = 100001  # 顾客 1, created with the playground
QUESTIONS = 16
PART_1 = "昨天下午在人民路营业厅办业务，窗口只开了一个，"
PART_2 = "排了一个多小时的队，人手不够。工作人员态度还很冷淡，问什么都不耐烦。"
RESOLUTION = "已增派人手，排队时间已缩短到 15 分钟以内。"


def queue_photo(path: Path) -> Path:
    """A picture of a long queue in front of one open counter (drawn, so it is a real PNG)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 220), "#f3efe6")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 120, 90), fill="#3390ec")  # the one open counter
    draw.rectangle((140, 20, 240, 90), fill="#9aa0a6")
    draw.rectangle((260, 20, 340, 90), fill="#9aa0a6")
    for n in range(9):
        draw.ellipse((50 + n * 32, 120, 74 + n * 32, 144), fill="#e07b39")
        draw.rectangle((54 + n * 32, 146, 70 + n * 32, 190), fill="#e07b39")
    image.save(path, "PNG")
    return path


def answer_survey_by_clicking(page: ChatPage) -> None:
    """Start from the empty chat and answer every question with option 4 (9 on the 0–10 scale)."""
    page.click_start(CUSTOMER)
    page.press(CUSTOMER, "📝 参加满意度调查")
    for number in range(1, QUESTIONS + 1):
        progress = f"第 {number}/{QUESTIONS} 题"
        page.until(lambda _, p=progress: p in page.latest_keyboard_text(CUSTOMER), progress)
        four = [label for label in page.button_labels(CUSTOMER) if label.startswith("4 · ")]
        page.press(CUSTOMER, four[-1] if four else "9")
        page.until(lambda _, p=progress: p not in page.latest_keyboard_text(CUSTOMER), f"{progress} answered")
    page.wait_for_text(CUSTOMER, THANKS_ZH)


def file_complaint_with_a_photo(page: ChatPage, photo: Path) -> str:
    """A severe complaint in two messages and a photo from the file picker; returns its ticket number."""
    page.type(CUSTOMER, "/complain")
    page.wait_for_text(CUSTOMER, "请告诉我们发生了什么")
    page.type(CUSTOMER, PART_1)
    page.until(lambda _: "✅ 说完了" in page.button_labels(CUSTOMER), "the done button")
    page.attach(CUSTOMER, photo)
    page.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".message.outgoing img.photo"), "the photo")
    page.type(CUSTOMER, PART_2)
    for label, next_step in (
        ("✅ 说完了", "哪方面的问题"),  # the classifier is unsure: one tap between the two likeliest
        ("🏢 资源配置（人手、设施、网点）", "影响的是服务的"),
        ("👍 对，就是这个", "影响有多大"),
        ("严重：造成了损失或危险", "需要我们的工作人员联系您吗"),
        ("不用了", "请核对您的投诉内容"),
        ("📨 提交", "投诉已提交"),
    ):
        page.press(CUSTOMER, label)
        page.until(lambda _, n=next_step: n in page.chat_text(CUSTOMER), f"{next_step} after {label}")
    ticket = re.search(r"工单号：(TJ-\S+)", page.chat_text(CUSTOMER))
    assert ticket, page.chat_text(CUSTOMER)
    return ticket.group(1)


def resolve_as_admin(page: ChatPage, ticket: str) -> None:
    """Switch to the admin view, see the alert, open the ticket, acknowledge and resolve it."""
    page.switch_to(ADMIN_ID)
    page.wait_for_text(ADMIN_ID, f"新的严重投诉 {ticket}")
    page.type(ADMIN_ID, "/tickets")
    page.press(ADMIN_ID, ticket)
    page.wait_for_text(ADMIN_ID, f"🎫 {ticket}")
    assert PART_1 in page.chat_text(ADMIN_ID)
    page.press(ADMIN_ID, "✅ 受理")
    toast = page.until(lambda d: d.find_element(By.CSS_SELECTOR, ".toast .toast-text").text, "a toast")
    assert ticket in toast and "处理中" in toast  # the bot's callback answer, shown as Telegram does
    page.wait_for_text(ADMIN_ID, f"🎫 {ticket} · 处理中")  # the card turned in place
    page.press(ADMIN_ID, "📎 查看附件")
    page.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".message.incoming img.photo"), "the attachment")
    page.press(ADMIN_ID, "✔️ 标记已解决")
    page.wait_for_text(ADMIN_ID, "解决说明")
    page.type(ADMIN_ID, RESOLUTION)


async def test_survey_complaint_and_resolution_in_the_browser(
    playground: Playground, browser: webdriver.Chrome, engine: AsyncEngine, tmp_path: Path
) -> None:
    page = ChatPage(browser, playground.url)
    page.open()
    assert "顾客 1" in browser.find_element(By.ID, "chat-list").text

    answer_survey_by_clicking(page)
    summary = page.last_message(CUSTOMER)
    assert "本次服务是否满足了您的需求？ — 4 · 满意" in summary
    scored = await stored_answers(engine, CUSTOMER)
    assert len(scored) == QUESTIONS and set(scored.values()) == {4.0, 9.0}
    assert await responses_of(engine, CUSTOMER) == ["completed"]

    ticket = file_complaint_with_a_photo(page, queue_photo(tmp_path / "排队.png"))
    resolve_as_admin(page, ticket)

    page.switch_to(CUSTOMER)
    page.wait_for_text(CUSTOMER, "有新进展：已解决")
    assert "有新进展：处理中" in page.chat_text(CUSTOMER) and "15 分钟以内" in page.chat_text(CUSTOMER)
    assert "5 ⭐" in page.button_labels(CUSTOMER)

    page.open_beside(ADMIN_ID)
    page.fonts_loaded()
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "playground-chat.png"))


async def test_bot_html_is_rendered_from_a_whitelist_and_user_text_stays_text(
    playground: Playground, browser: webdriver.Chrome
) -> None:
    page = ChatPage(browser, playground.url)
    page.open()
    browser.find_element(By.ID, "add-customer").click()
    pane = page.until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".pane.focused:not([data-chat-id='100001'])"),
        "a new customer",
    )
    chat_id = int(pane.get_attribute("data-chat-id") or 0)
    page.type(chat_id, "<b>不是粗体</b> & <i>")
    page.wait_for_text(chat_id, "<b>不是粗体</b> & <i>")

    async with aiohttp.ClientSession() as http:
        info = await (await http.get(f"{playground.url}_playground/info")).json()
        hostile = (
            '<b>粗体</b> <i>斜体</i> <a href="javascript:alert(1)">坏链接</a> '
            '<a href="https://example.com/">好链接</a> &lt;script&gt;alert(2)&lt;/script&gt;'
        )
        sent = await http.post(
            f"{info['bot_api']}/bot{DEFAULT_TOKEN}/sendMessage",
            json={"chat_id": chat_id, "text": hostile, "parse_mode": "HTML"},
        )
        assert (await sent.json())["ok"]
    page.wait_for_text(chat_id, "坏链接")
    bubble = pane.find_elements(By.CSS_SELECTOR, ".message.incoming .bubble")[-1]
    assert bubble.find_element(By.CSS_SELECTOR, "b").text == "粗体"
    assert bubble.find_element(By.CSS_SELECTOR, "i").text == "斜体"
    links = {a.text: a.get_attribute("href") for a in bubble.find_elements(By.CSS_SELECTOR, "a")}
    assert links == {"好链接": "https://example.com/"}  # the javascript: link is text only
    assert "<script>alert(2)</script>" in bubble.text
    assert not bubble.find_elements(By.CSS_SELECTOR, "script")
    outgoing = pane.find_elements(By.CSS_SELECTOR, ".message.outgoing .bubble")[-1]
    assert not outgoing.find_elements(By.CSS_SELECTOR, "b, i")


# Characters the served font covers (its unicode-range), and emoji, in an element's own text (its
# placeholder for a text field): DevTools reports the fonts of an element's own text nodes.
CJK = "[\\u2e80-\\u2fdf\\u3000-\\u9fff\\uf900-\\ufaff\\ufe30-\\ufe4f\\uff00-\\uffef]"
COUNT_JS = (
    "const e = arguments[0];"
    "const text = e.tagName === 'INPUT' ? e.placeholder"
    "  : [...e.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.data).join('');"
    "const count = (pattern) => (text.match(pattern) || []).length;"
    f"return [count(/{CJK}/gu), count(/\\p{{Extended_Pictographic}}/gu)];"
)


def glyph_sources(browser: webdriver.Chrome, element: WebElement) -> tuple[int, int, int, int]:
    """(CJK characters, glyphs drawn with the served Noto Sans CJK, emoji, glyphs from an emoji font)
    of ``element``'s own text, as Chromium rendered it (DevTools: CSS.getPlatformFontsForNode)."""
    cjk, emoji = browser.execute_script(COUNT_JS, element)
    if not cjk and not emoji:
        return 0, 0, 0, 0
    browser.execute_script("window.__probe = arguments[0];", element)
    probe = browser.execute_cdp_cmd("Runtime.evaluate", {"expression": "window.__probe"})
    browser.execute_cdp_cmd("DOM.getDocument", {"depth": -1, "pierce": True})
    node = browser.execute_cdp_cmd("DOM.requestNode", {"objectId": probe["result"]["objectId"]})["nodeId"]
    fonts = browser.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    served = sum(f["glyphCount"] for f in fonts if f["familyName"].startswith("Noto Sans CJK"))
    emoji_font = sum(f["glyphCount"] for f in fonts if "Emoji" in f["familyName"])
    return cjk, served, emoji, emoji_font


def assert_drawn_with_the_served_fonts(browser: webdriver.Chrome, css: str) -> None:
    """Every CJK character under ``css`` drawn by the served font (it may draw the odd space or digit
    beside them too), none left to a font without it (an empty box); every emoji in colour."""
    browser.execute_cdp_cmd("DOM.enable", {})
    browser.execute_cdp_cmd("CSS.enable", {})
    elements = browser.find_elements(By.CSS_SELECTOR, css)
    assert elements, css
    for element in elements:
        for part in (element, *element.find_elements(By.CSS_SELECTOR, "*")):
            cjk, served, emoji, emoji_font = glyph_sources(browser, part)
            assert served >= cjk, (css, part.text, cjk, served)
            assert emoji_font >= emoji, (css, part.text, emoji, emoji_font)


def test_the_page_draws_chinese_and_emoji_with_its_own_fonts_where_the_machine_has_no_cjk_font(
    playground: Playground, browser_without_cjk_fonts: webdriver.Chrome
) -> None:
    browser = browser_without_cjk_fonts
    page = ChatPage(browser, playground.url)
    page.open()
    browser.find_element(By.ID, "add-customer").click()
    pane = page.until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".pane.focused:not([data-chat-id='100001'])"), "new pane"
    )
    chat_id = int(pane.get_attribute("data-chat-id") or 0)
    page.fonts_loaded()
    # The page's own chrome: header, buttons, chat list, avatars, window title, start box, placeholder.
    for css in (
        ".brand",
        ".pill",
        ".chat-item .chat-name",
        ".chat-item .avatar",
        ".pane.focused .avatar",
        ".pane.focused .pane-title",
        ".pane.focused .start-text",
        ".pane.focused .start-button",
        ".pane.focused .text-input",
        ".sidebar-foot",
    ):
        assert_drawn_with_the_served_fonts(browser, css)

    # The bot's messages and buttons, up to the phone step's share button and the summary.
    page.click_start(chat_id)
    page.wait_for_text(chat_id, "您好")
    page.type(chat_id, "/complain")
    page.wait_for_text(chat_id, "请告诉我们发生了什么")
    page.type(chat_id, "营业厅的自助机坏了，打印不出凭条，系统一直报错。")
    for label in ("✅ 说完了", "👍 对，就是这个", "👍 对，就是这个", "轻微：有点不方便", "📞 需要联系我"):
        page.press(chat_id, label)
    page.wait_for_text(chat_id, "请发送您的手机号码")
    share = page.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".pane.focused .reply-button"), "share")
    assert [button.text for button in share] == ["📱 分享我的手机号"]  # one 📱, as the bot labelled it
    page.press(chat_id, "不留号码")
    page.wait_for_text(chat_id, "请核对您的投诉内容")
    page.fonts_loaded()
    for css in (".pane.focused .bubble", ".pane.focused .inline-button"):
        assert_drawn_with_the_served_fonts(browser, css)
    # Message times in the operator's TIMEZONE, as in the bot's own texts (tickets), not the browser's.
    with urllib.request.urlopen(f"{playground.url}_emulator/chats/{chat_id}/messages") as reply:
        last = json.load(reply)["messages"][-1]
    sent = dt.datetime.fromtimestamp(last["date"], ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
    shown = browser.find_elements(By.CSS_SELECTOR, ".pane.focused .message .meta")[-1].text
    assert shown.endswith(sent), (shown, sent)
    zone = browser.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert zone != "Asia/Shanghai"  # so the times above are not the browser's own
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "playground-without-cjk-fonts.png"))
