// The Tingjian playground page: Telegram-like chats with the real bot through the emulator's control API.
// Plain browser JavaScript (no build step). All bot text goes through renderRich, which rebuilds a
// whitelist of Telegram's HTML tags with DOM calls and turns everything else into text.
"use strict";

const LONG_POLL_SECONDS = 25;
const MAX_PANES = 4;
const RICH_TAGS = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", blockquote: "blockquote",
};
const SAFE_LINK = /^(https?:|tg:|mailto:)/i;
const AVATAR_COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

const state = {
  info: null,
  people: new Map(), // chat id -> {chat_id, name, language, role}
  chats: new Map(), // chat id -> control-API chat summary
  version: 0,
  panes: [], // {chatId, root, elements: Map(message id -> element), signatures: Map}
  focused: null,
  seen: new Map(), // chat id -> message_count the user has looked at
  pendingPresses: new Map(), // callback query id -> {chatId, button}
};

// --- HTTP ------------------------------------------------------------------------------------
async function request(method, path, body) {
  const options = { method, headers: {} };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || data.description || `HTTP ${response.status}`);
  }
  return data;
}
const getJSON = (path) => request("GET", path);
const postJSON = (path, body) => request("POST", path, body);

// --- rendering helpers -----------------------------------------------------------------------
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Append Telegram-HTML `html` to `target`, keeping only whitelisted formatting. */
function renderRich(target, html) {
  // DOMParser documents are inert: no scripts run and nothing loads while we read them.
  const doc = new DOMParser().parseFromString(html, "text/html");
  copySafe(doc.body, target);
}

function copySafe(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(node.data);
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const safe = safeElement(node);
      copySafe(node, safe || to);
      if (safe) to.append(safe);
    }
  }
}

function safeElement(node) {
  const tag = node.localName;
  if (RICH_TAGS[tag]) return document.createElement(RICH_TAGS[tag]);
  if (tag === "a") {
    const href = node.getAttribute("href") || "";
    if (!SAFE_LINK.test(href)) return el("span");
    const link = el("a");
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }
  if (tag === "tg-spoiler" || (tag === "span" && node.classList.contains("tg-spoiler"))) {
    const spoiler = el("span", "spoiler");
    spoiler.addEventListener("click", () => spoiler.classList.add("revealed"));
    return spoiler;
  }
  return null; // unknown tag: keep its text only
}

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", `#icon-${name}`);
  svg.append(use);
  return svg;
}

function formatTime(unixSeconds) {
  // In the operator's TIMEZONE, like the times in the bot's own texts (tickets, digests).
  const date = new Date(unixSeconds * 1000);
  const timeZone = state.info?.timezone;
  return date.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone });
}

// The first character as a reader sees it: a whole emoji or CJK character, never half a surrogate pair.
const GRAPHEMES = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter("zh", { granularity: "grapheme" }) : null;

function firstCharacter(text) {
  const trimmed = (text || "").trim() || "?";
  if (GRAPHEMES) return GRAPHEMES.segment(trimmed)[Symbol.iterator]().next().value.segment;
  return Array.from(trimmed)[0];
}

function avatar(node, chatId, name) {
  node.textContent = firstCharacter(name).toUpperCase();
  node.style.background = AVATAR_COLORS[Math.abs(chatId) % AVATAR_COLORS.length];
}

function personName(chatId) {
  const person = state.people.get(chatId);
  if (person) return person.name;
  const chat = state.chats.get(chatId);
  return (chat && chat.user && chat.user.first_name) || chat?.title || String(chatId);
}

function personSubtitle(chatId) {
  const person = state.people.get(chatId);
  if (!person) return "";
  if (person.role === "admin") return `管理员视图 · 投诉提醒、工单与周报 · ID ${chatId}`;
  return `${person.language === "en" ? "英文顾客" : "中文顾客"} · ID ${chatId}`;
}

function toast(text, kind = "", from = "") {
  const box = el("div", `toast ${kind}`);
  if (from) box.append(el("div", "toast-from", from));
  box.append(el("div", "toast-text", text));
  document.getElementById("toasts").append(box);
  setTimeout(() => box.remove(), kind === "alert" ? 6000 : 3500);
}

function showError(error) {
  toast(`出错了：${error.message || error}`, "error");
}

// --- sidebar ---------------------------------------------------------------------------------
function renderChatList() {
  const list = document.getElementById("chat-list");
  list.replaceChildren();
  for (const person of state.people.values()) {
    const chat = state.chats.get(person.chat_id);
    const item = el("div", "chat-item");
    item.dataset.chatId = person.chat_id;
    item.setAttribute("role", "button");
    item.tabIndex = 0;
    if (state.focused && state.focused.chatId === person.chat_id) item.classList.add("active");
    const face = el("div", "avatar");
    avatar(face, person.chat_id, person.name);
    const body = el("div", "chat-item-body");
    const name = el("div", "chat-name", person.name);
    if (person.role === "admin") name.append(el("span", "chat-tag", "管理员视图"));
    else if (person.language === "en") name.append(el("span", "chat-tag", "EN"));
    body.append(name, el("div", "chat-preview", (chat && chat.last_text) || "尚无消息"));
    const unread = el("span", "unread");
    const count = chat ? chat.message_count - (state.seen.get(person.chat_id) || 0) : 0;
    unread.textContent = String(count);
    unread.hidden = count <= 0 || isOpen(person.chat_id);
    const split = el("button", "split-open");
    split.append(icon("split"));
    split.type = "button";
    split.title = "并排打开";
    split.setAttribute("aria-label", `并排打开 ${person.name}`);
    split.addEventListener("click", (event) => {
      event.stopPropagation();
      openChat(person.chat_id, { split: true });
    });
    item.append(face, body, unread, split);
    item.addEventListener("click", () => openChat(person.chat_id));
    item.addEventListener("keydown", (event) => {
      if (event.key === "Enter") openChat(person.chat_id);
    });
    list.append(item);
  }
}

async function addCustomer(language) {
  try {
    const person = await postJSON("/_playground/customers", { language });
    state.people.set(person.chat_id, person);
    await refreshChatList();
    openChat(person.chat_id);
  } catch (error) {
    showError(error);
  }
}

async function refreshChatList() {
  const data = await getJSON("/_emulator/chats");
  state.chats = new Map(data.chats.map((chat) => [chat.chat_id, chat]));
  if (data.chats.some((chat) => !state.people.has(chat.chat_id))) {
    // A customer added in another browser tab.
    const info = await getJSON("/_playground/info");
    for (const person of info.people) state.people.set(person.chat_id, person);
  }
  renderChatList();
}

// --- panes -----------------------------------------------------------------------------------
function isOpen(chatId) {
  return state.panes.some((pane) => pane.chatId === chatId);
}

function openChat(chatId, { split = false } = {}) {
  const existing = state.panes.find((pane) => pane.chatId === chatId);
  if (existing) {
    focusPane(existing);
    return;
  }
  if (split || !state.focused) {
    if (state.panes.length >= MAX_PANES) {
      toast(`最多并排 ${MAX_PANES} 个聊天`);
      return;
    }
    focusPane(createPane(chatId));
  } else {
    const pane = state.focused;
    pane.chatId = chatId;
    pane.elements.clear();
    pane.signatures.clear();
    pane.root.querySelector(".messages").replaceChildren();
    pane.stick = true;
    setupPaneHeader(pane);
    focusPane(pane);
  }
  loadPane(state.focused).catch(showError);
}

function createPane(chatId) {
  const root = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
  // `stick`: the window shows the newest message, so it keeps doing so when messages arrive or it resizes.
  const pane = { chatId, root, elements: new Map(), signatures: new Map(), stick: true };
  const box = root.querySelector(".messages");
  box.addEventListener("scroll", () => {
    pane.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  });
  new ResizeObserver(() => {
    if (pane.stick) box.scrollTop = box.scrollHeight;
  }).observe(box);
  root.addEventListener("mousedown", () => focusPane(pane));
  root.querySelector(".pane-close").addEventListener("click", (event) => {
    event.stopPropagation();
    closePane(pane);
  });
  root.querySelector(".composer").addEventListener("submit", (event) => {
    event.preventDefault();
    sendText(pane);
  });
  root.querySelector(".start-button").addEventListener("click", () => sendCommand(pane, "/start"));
  root.querySelector(".menu-button").addEventListener("click", () => toggleCommands(pane));
  root.querySelector(".file-input").addEventListener("change", (event) => sendFile(pane, event.target));
  document.getElementById("panes").append(root);
  state.panes.push(pane);
  setupPaneHeader(pane);
  return pane;
}

function setupPaneHeader(pane) {
  pane.root.dataset.chatId = pane.chatId;
  const name = personName(pane.chatId);
  avatar(pane.root.querySelector(".avatar"), pane.chatId, name);
  pane.root.querySelector(".pane-name").textContent = name;
  pane.root.querySelector(".pane-sub").textContent = personSubtitle(pane.chatId);
  pane.root.querySelector(".text-input").placeholder =
    state.people.get(pane.chatId)?.language === "en" ? "Message…（输入消息）" : "输入消息…";
  pane.root.querySelector(".commands-menu").hidden = true;
  pane.root.querySelector(".start-hint").textContent =
    state.people.get(pane.chatId)?.role === "admin"
      ? "管理员在这里收到严重投诉提醒和周报；发送 /tickets 处理工单，/digest 查看周报。"
      : "顾客可以在这里参加满意度调查、提交投诉并查看处理进度。";
}

function focusPane(pane) {
  state.focused = pane;
  history.replaceState(null, "", `#chat=${pane.chatId}`);
  for (const other of state.panes) other.root.classList.toggle("focused", other === pane);
  renderChatList();
}

function closePane(pane) {
  if (state.panes.length === 1) return; // the last window stays, as in Telegram
  state.panes = state.panes.filter((other) => other !== pane);
  pane.root.remove();
  if (state.focused === pane) focusPane(state.panes[0]);
  renderChatList();
}

async function loadPane(pane) {
  const chatId = pane.chatId;
  const data = await getJSON(`/_emulator/chats/${chatId}/messages`);
  if (pane.chatId !== chatId) return; // switched to another chat meanwhile
  state.chats.set(chatId, data.chat);
  state.seen.set(chatId, data.chat.message_count);
  renderMessages(pane, data.messages);
  renderReplyKeyboard(pane, data.chat.reply_keyboard);
  pane.root.querySelector(".start-box").hidden = data.messages.length > 0;
}

function renderMessages(pane, views) {
  const box = pane.root.querySelector(".messages");
  const wanted = [];
  for (const view of views) {
    if (view.deleted) continue; // deleted messages disappear, as in Telegram
    const signature = JSON.stringify(view);
    let node = pane.elements.get(view.message_id);
    if (!node || pane.signatures.get(view.message_id) !== signature) {
      const replaced = messageElement(pane, view);
      if (node) {
        replaced.querySelector(".bubble").classList.add("just-edited");
        node.replaceWith(replaced);
      }
      node = replaced;
      pane.elements.set(view.message_id, node);
      pane.signatures.set(view.message_id, signature);
    }
    wanted.push(node);
  }
  wanted.forEach((node, index) => {
    if (box.children[index] !== node) box.insertBefore(node, box.children[index] || null);
  });
  while (box.children.length > wanted.length) box.lastElementChild.remove();
  if (pane.stick) box.scrollTop = box.scrollHeight;
}

function messageElement(pane, view) {
  const wrap = el("div", `message ${view.from_bot ? "incoming" : "outgoing"}`);
  wrap.dataset.messageId = view.message_id;
  const bubble = el("div", "bubble");
  const kind = view.media_kind;
  if (view.file && (kind === "photo" || kind === "sticker")) {
    const image = el("img", "photo");
    image.src = view.file.url;
    image.alt = kind === "photo" ? "图片" : "贴纸";
    image.addEventListener("load", () => {
      const box = pane.root.querySelector(".messages");
      if (pane.stick) box.scrollTop = box.scrollHeight;
    });
    image.addEventListener("click", () => openLightbox(view.file.url));
    bubble.append(image);
  } else if (view.file) {
    const link = el("a", "file-link", view.file.filename || (kind === "voice" ? "语音消息" : "文件"));
    link.href = view.file.url;
    link.download = view.file.filename || "";
    bubble.append(link);
  }
  if (view.contact) {
    bubble.append(el("div", "contact-card", `${view.contact.first_name || ""} ${view.contact.phone_number}`));
  }
  const body = view.text ?? view.caption;
  if (body) {
    const content = el("span", "content");
    if (view.from_bot && (view.parse_mode || "").toLowerCase() === "html") renderRich(content, body);
    else content.textContent = view.text !== null ? view.plain_text ?? body : body;
    bubble.append(content);
  } else if (view.file && (kind === "photo" || kind === "sticker")) {
    bubble.classList.add("media-only");
  }
  bubble.append(el("span", "meta", `${view.edited ? "已编辑 " : ""}${formatTime(view.date)}`));
  wrap.append(bubble);
  if (view.buttons && view.buttons.length) wrap.append(inlineKeyboard(pane, view));
  return wrap;
}

function inlineKeyboard(pane, view) {
  const keyboard = el("div", "inline-keyboard");
  for (const row of view.buttons) {
    const line = el("div", "keyboard-row");
    for (const spec of row) {
      const button = el("button", "inline-button", spec.text);
      button.type = "button";
      button.title = spec.text;
      if (spec.url) {
        button.classList.add("url");
        button.addEventListener("click", () => {
          if (SAFE_LINK.test(spec.url)) window.open(spec.url, "_blank", "noopener");
        });
      } else {
        button.addEventListener("click", () => pressInline(pane, view.message_id, spec, button));
      }
      line.append(button);
    }
    keyboard.append(line);
  }
  return keyboard;
}

function renderReplyKeyboard(pane, rows) {
  const box = pane.root.querySelector(".reply-keyboard");
  box.replaceChildren();
  box.hidden = !rows || !rows.length;
  for (const row of rows || []) {
    const line = el("div", "keyboard-row");
    for (const spec of row) {
      // Shown as the bot labelled it, as Telegram does (the label brings its own 📱).
      const button = el("button", "reply-button", spec.text);
      button.type = "button";
      button.addEventListener("click", () => act(pane, () => postJSON(`/_emulator/chats/${pane.chatId}/press`, { button: spec.text })));
      line.append(button);
    }
    box.append(line);
  }
}

function openLightbox(url) {
  const shade = el("div", "lightbox");
  const image = el("img");
  image.src = url;
  image.alt = "图片";
  shade.append(image);
  shade.addEventListener("click", () => shade.remove());
  document.body.append(shade);
}

// --- acting as the user ----------------------------------------------------------------------
async function act(pane, action) {
  pane.stick = true; // what the user just did should be in view
  try {
    const result = await action();
    pane.root.querySelector(".start-box").hidden = true;
    await loadPane(pane);
    return result;
  } catch (error) {
    showError(error);
    return null;
  }
}

function sendCommand(pane, text) {
  pane.root.querySelector(".commands-menu").hidden = true;
  return act(pane, () => postJSON(`/_emulator/chats/${pane.chatId}/messages`, { text }));
}

function sendText(pane) {
  const input = pane.root.querySelector(".text-input");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  sendCommand(pane, text);
}

function sendFile(pane, input) {
  const file = input.files && input.files[0];
  input.value = "";
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  const caption = pane.root.querySelector(".text-input");
  if (caption.value.trim()) {
    form.append("caption", caption.value.trim());
    caption.value = "";
  }
  act(pane, () => request("POST", `/_playground/chats/${pane.chatId}/media`, form));
}

async function pressInline(pane, messageId, spec, button) {
  button.classList.add("pending");
  const result = await act(pane, () =>
    postJSON(`/_emulator/chats/${pane.chatId}/press`, {
      button: spec.callback_data ?? spec.text,
      message_id: messageId,
    }),
  );
  if (result && result.callback_query_id) {
    state.pendingPresses.set(result.callback_query_id, { chatId: pane.chatId, button });
    await showCallbackAnswers(pane.chatId);
  } else {
    button.classList.remove("pending");
  }
}

/** Show the bot's answers (toasts or alerts) to this page's presses in a chat. */
async function showCallbackAnswers(chatId) {
  const waiting = [...state.pendingPresses.entries()].filter(([, press]) => press.chatId === chatId);
  if (!waiting.length) return;
  const data = await getJSON(`/_emulator/callback_answers?chat_id=${chatId}`);
  const answers = new Map(data.answers.map((answer) => [answer.id, answer]));
  for (const [queryId, press] of waiting) {
    const answer = answers.get(queryId);
    if (!answer || !answer.answered) continue;
    state.pendingPresses.delete(queryId);
    press.button.classList.remove("pending");
    if (answer.answer_text) {
      toast(answer.answer_text, answer.show_alert ? "alert" : "", `${state.info.bot.name} · ${personName(chatId)}`);
    }
  }
}

async function toggleCommands(pane) {
  const menu = pane.root.querySelector(".commands-menu");
  if (!menu.hidden) {
    menu.hidden = true;
    return;
  }
  try {
    const data = await getJSON(`/_playground/chats/${pane.chatId}/commands`);
    menu.replaceChildren();
    if (!data.commands.length) menu.append(el("div", "command-item", "机器人尚未设置命令"));
    for (const command of data.commands) {
      const item = el("button", "command-item");
      item.type = "button";
      item.append(el("span", "command-name", `/${command.command}`), el("span", "command-desc", command.description));
      item.addEventListener("click", () => sendCommand(pane, `/${command.command}`));
      menu.append(item);
    }
    menu.hidden = false;
  } catch (error) {
    showError(error);
  }
}

// --- live updates ----------------------------------------------------------------------------
async function applyChanges(changedChats) {
  await refreshChatList();
  for (const pane of state.panes) {
    if (changedChats.includes(pane.chatId)) await loadPane(pane);
  }
  for (const chatId of new Set([...state.pendingPresses.values()].map((press) => press.chatId))) {
    if (changedChats.includes(chatId)) await showCallbackAnswers(chatId);
  }
  renderChatList();
}

/** Long-poll the emulator's `changes`; a request is open at all times, so there is no busy polling. */
async function watchChanges() {
  const banner = document.getElementById("connection");
  for (;;) {
    try {
      const data = await getJSON(`/_emulator/changes?since=${state.version}&timeout=${LONG_POLL_SECONDS}`);
      banner.hidden = true;
      if (data.version !== state.version) {
        state.version = data.version;
        await applyChanges(data.chats);
      }
    } catch (error) {
      banner.hidden = false;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

async function start() {
  state.info = await getJSON("/_playground/info");
  document.title = `${state.info.bot.name} · 本地体验`;
  for (const person of state.info.people) state.people.set(person.chat_id, person);
  const chats = await getJSON("/_emulator/chats");
  state.version = chats.version;
  state.chats = new Map(chats.chats.map((chat) => [chat.chat_id, chat]));
  // #chat=<id> opens that chat first (a bookmark of the admin view, for example).
  const wanted = Number((/chat=(\d+)/.exec(window.location.hash) || [])[1]);
  const firstCustomer = state.info.people.find((person) => person.role === "customer");
  openChat(state.people.has(wanted) ? wanted : (firstCustomer || state.info.people[0]).chat_id);
  for (const id of ["add-customer", "add-customer-en"]) {
    const button = document.getElementById(id);
    button.addEventListener("click", () => addCustomer(button.dataset.language));
  }
  document.body.dataset.ready = "true";
  watchChanges();
}

start().catch(showError);
