"""The playground's chat page as a person uses it, through selenium: click, type, read, wait."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

T = TypeVar("T")
# Messages are re-rendered when the bot edits them, so an element found a moment ago may be gone.
RETRYABLE = (StaleElementReferenceException, NoSuchElementException, ElementClickInterceptedException)


def _literal(text: str) -> str:
    """An XPath string literal for any text (quotes included)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


class ChatPage:
    """One browser tab on the playground page."""

    def __init__(self, driver: webdriver.Chrome, url: str, timeout: float = 20.0) -> None:
        self.driver = driver
        self.url = url
        self.timeout = timeout

    def until(self, condition: Callable[[webdriver.Chrome], T], what: str) -> T:
        """Wait for ``condition`` to return something truthy, re-trying over re-rendered elements."""
        wait = WebDriverWait(self.driver, self.timeout, ignored_exceptions=RETRYABLE)
        return wait.until(condition, message=f"{what} (page shows: {self._visible_tail()!r})")

    def _visible_tail(self) -> str:
        try:
            texts = [p.text[-300:] for p in self.driver.find_elements(By.CSS_SELECTOR, ".pane .messages")]
        except StaleElementReferenceException:
            return "(re-rendering)"
        return " | ".join(texts)

    # --- navigation ------------------------------------------------------------------------------
    def open(self) -> None:
        """Load the page and wait until it is wired up."""
        self.driver.get(self.url)
        self.until(lambda d: d.find_element(By.CSS_SELECTOR, "body[data-ready='true']"), "the page to start")

    def _click(self, css: str) -> None:
        """Click an element that the page may be re-rendering right now (the chat list often is)."""

        def click(driver: webdriver.Chrome) -> bool:
            driver.find_element(By.CSS_SELECTOR, css).click()
            return True

        self.until(click, f"a clickable {css}")

    def switch_to(self, chat_id: int) -> None:
        """Click a chat in the list (it replaces the focused window)."""
        self._click(f".chat-item[data-chat-id='{chat_id}'] .chat-name")
        self.until(lambda d: d.find_element(By.CSS_SELECTOR, f".pane[data-chat-id='{chat_id}']"), "the chat")

    def open_beside(self, chat_id: int) -> None:
        """Open a chat in a window beside the others (the ⧉ button)."""
        self._click(f".chat-item[data-chat-id='{chat_id}'] .split-open")
        self.until(lambda d: d.find_element(By.CSS_SELECTOR, f".pane[data-chat-id='{chat_id}']"), "the pane")

    def _pane(self, chat_id: int) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, f".pane[data-chat-id='{chat_id}']")

    # --- reading -----------------------------------------------------------------------------
    def chat_text(self, chat_id: int) -> str:
        """Everything the chat window shows, as text."""
        return str(self._pane(chat_id).find_element(By.CSS_SELECTOR, ".messages").text)

    def last_message(self, chat_id: int) -> str:
        """The text of the newest message in the chat window."""
        bubbles = self._pane(chat_id).find_elements(By.CSS_SELECTOR, ".message .bubble")
        return str(bubbles[-1].text) if bubbles else ""

    def wait_for_text(self, chat_id: int, text: str) -> None:
        """Wait until the chat window shows ``text``."""
        self.until(lambda d: text in self.chat_text(chat_id), f"{text!r} in chat {chat_id}")

    def latest_keyboard_text(self, chat_id: int) -> str:
        """Text of the newest message that has inline buttons ('' if none)."""
        messages = self._pane(chat_id).find_elements(
            By.XPATH, ".//div[contains(@class, 'message')][.//button[contains(@class, 'inline-button')]]"
        )
        return str(messages[-1].find_element(By.CSS_SELECTOR, ".bubble").text) if messages else ""

    def button_labels(self, chat_id: int) -> list[str]:
        """Visible labels of all inline buttons in the chat window."""
        buttons = self._pane(chat_id).find_elements(By.CSS_SELECTOR, ".inline-button")
        return [str(b.text) for b in buttons]

    # --- acting ------------------------------------------------------------------------------
    def press(self, chat_id: int, label: str) -> None:
        """Click the newest inline button labelled ``label`` (waiting until it is there)."""
        path = f".//button[contains(@class, 'inline-button') and normalize-space(.)={_literal(label)}]"

        def click(_: webdriver.Chrome) -> bool:
            buttons = self._pane(chat_id).find_elements(By.XPATH, path)
            if not buttons:
                return False
            buttons[-1].click()
            return True

        self.until(click, f"button {label!r} in chat {chat_id}")

    def click_start(self, chat_id: int) -> None:
        """The 开始 button of a chat that has no messages yet."""
        self._pane(chat_id).find_element(By.CSS_SELECTOR, ".start-button").click()

    def type(self, chat_id: int, text: str) -> None:
        """Type into the message field and press Enter."""
        field = self._pane(chat_id).find_element(By.CSS_SELECTOR, ".text-input")
        field.send_keys(text)
        field.send_keys(Keys.ENTER)

    def attach(self, chat_id: int, path: Path) -> None:
        """Pick a file with the 📎 file picker."""
        self._pane(chat_id).find_element(By.CSS_SELECTOR, ".file-input").send_keys(str(path))

    def fonts_loaded(self) -> None:
        """Wait until web fonts (the served CJK font) are ready, e.g. before a screenshot."""
        self.driver.execute_async_script("document.fonts.ready.then(() => arguments[0]());")
