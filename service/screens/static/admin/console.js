// The moderator console: queues, decisions, users, articles and (for admins) the policy.
// It speaks only the public REST API, with the HttpOnly session cookie; an API token typed in
// is traded for that cookie (POST /v1/auth/token) and never stored by the page.

import { ApiError, apiClient, append, formatTime, h, pickLanguage, replace, translator } from "/screens/dom.js";
import { TEXTS } from "./texts.js";

const api = apiClient(location.origin);
const QUEUES = ["held", "reported", "rejected", "approved"];
const QUEUE_STATUS = { held: "held", reported: "published", rejected: "rejected", approved: "published" };
const REJECT_REASONS = ["offensive", "spam", "hate_speech", "off_topic", "banned_word", "other"];
const COUNTS_EVERY_MS = 5000;
const LANGUAGE_KEY = "commentmod-console-language";

const state = {
  language: pickLanguage(localStorage.getItem(LANGUAGE_KEY)),
  me: null,
  view: "held", // a queue, or "settings" | "words" | "notices" | "appeals" | "audit"
  filters: { article_id: "", author_id: "", sort: "oldest" },
  items: [],
  cursor: null,
  current: 0,
  selected: new Set(),
  outcome: new Map(), // comment id → {text, error}
  details: new Map(), // comment id → CommentAdminDetail
  users: new Map(), // user id → Promise<UserAdmin>
  rejecting: null,
  counts: null,
  settings: null,
  message: null,
};
let t = translator(TEXTS, state.language);
const app = document.getElementById("app");

// Small helpers ------------------------------------------------------------------------------

function describe(error) {
  if (!(error instanceof ApiError)) return String(error);
  const known = t(`error_${error.code}`, { seconds: error.retryAfter ?? 60 });
  return known === `error_${error.code}` ? error.message : known;
}

function userOf(id) {
  if (!state.users.has(id)) state.users.set(id, api("GET", `/v1/admin/users/${id}`).catch(() => null));
  return state.users.get(id);
}

async function nameOf(actorId) {
  if (actorId === null || actorId === undefined) return t("the_system");
  return (await userOf(actorId))?.display_name ?? t("someone");
}

function field(label, control) {
  return h("label", { class: "field" }, h("span", {}, label), control);
}

/** Marks [start, end) ranges of `body` (offsets in code points, as the API gives them). */
function highlighted(body, ranges) {
  const chars = Array.from(body);
  const marked = new Array(chars.length).fill(false);
  for (const [start, end] of ranges) for (let i = start; i < end && i < chars.length; i++) marked[i] = true;
  const out = [];
  let i = 0;
  while (i < chars.length) {
    let j = i;
    while (j < chars.length && marked[j] === marked[i]) j++;
    const text = chars.slice(i, j).join("");
    out.push(marked[i] ? h("mark", {}, text) : text);
    i = j;
  }
  return out;
}

function wordRanges(body, word) {
  if (!word) return [];
  const chars = Array.from(body.toLowerCase());
  const target = Array.from(word.toLowerCase());
  const ranges = [];
  for (let i = 0; i + target.length <= chars.length; i++) {
    if (target.every((ch, k) => chars[i + k] === ch)) ranges.push([i, i + target.length]);
  }
  return ranges;
}

/** The note the policy wrote when it gave the comment its present reason ("matched 'x'",
 * "toxicity 0.91"). */
function policyNote(detail) {
  const event = [...detail.actions].reverse().find((a) => a.reason === detail.status_reason && a.note);
  return event?.note ?? "";
}

function matchedWord(note) {
  return /^matched '(.*)'$/.exec(note)?.[1] ?? /^matched "(.*)"$/.exec(note)?.[1] ?? "";
}

/** Why the comment is where it is, in words. */
function reasons(item, detail) {
  const out = [];
  const note = detail ? policyNote(detail) : "";
  const reason = item.status_reason;
  if (reason === "toxic" || reason === "toxic_auto_rejected") {
    const [, attribute, score] = /^(\w+) (\d+\.\d+)/.exec(note) ?? [];
    const threshold = state.settings?.hold_thresholds?.[attribute];
    out.push(
      t(`why_${reason}`, {
        attribute: attribute || "toxicity",
        score: score || item.toxicity?.toFixed(2),
        threshold: threshold?.toFixed(2) ?? "?",
      }),
    );
  } else if (reason === "suspect_word" || reason === "banned_word") {
    out.push(t(`why_${reason}`, { word: matchedWord(note) || "…" }));
  } else if (REJECT_REASONS.includes(reason) && item.status === "rejected") {
    out.push(t("why_moderator", { reason: t(`reason_${reason}`) }));
  } else if (reason) {
    out.push(t(`why_${reason}`));
  }
  if (note.endsWith("posted after the warning")) out.push(t("why_acknowledged"));
  if (item.open_reports > 0) {
    const why = [...new Set((detail?.reports ?? []).map((r) => r.reason))].join(", ");
    out.push(t("why_reports", { count: item.open_reports, reasons: why || "…" }));
  }
  return out.join(" · ");
}

// Sign-in ----------------------------------------------------------------------------------

async function start() {
  document.documentElement.lang = state.language;
  document.title = t("title");
  try {
    state.me = await api("GET", "/v1/me");
  } catch (error) {
    if (error.code === "not_authenticated") return showSignIn();
    return replace(app, h("p", { role: "alert", class: "error" }, describe(error)));
  }
  if (!state.me.can_moderate) {
    const staff = ["moderator", "admin"].includes(state.me.role);
    return replace(
      app,
      header(false),
      h("main", {}, h("p", { role: "alert", class: "not-moderator" }, t(staff ? "moderation_withdrawn" : "not_moderator", { name: state.me.display_name }))),
    );
  }
  state.settings = await api("GET", "/v1/admin/settings").catch(() => null);
  render();
  clearInterval(state.poller);
  state.poller = setInterval(() => document.visibilityState === "visible" && refreshCounts(), COUNTS_EVERY_MS);
  await Promise.all([loadQueue(), refreshCounts()]);
}

async function showSignIn() {
  const { providers } = await api("GET", "/v1/auth/providers").catch(() => ({ providers: [] }));
  const token = h("input", { type: "password", name: "token", autocomplete: "off", required: true });
  const error = h("p", { role: "alert", class: "error" });
  const next = `${location.origin}/admin/`;
  replace(
    app,
    header(false),
    h(
      "main",
      { class: "sign-in" },
      h("h1", {}, t("sign_in_heading")),
      h(
        "p",
        { class: "providers" },
        providers.map((p) => {
          const url = new URL(p.login_url);
          if (url.origin !== location.origin) return null; // the service's own login route only
          url.searchParams.set("next", next);
          return h("a", { class: "button", href: url.href }, t("sign_in_with", { provider: t(`provider_${p.name}`) }));
        }),
      ),
      h(
        "form",
        {
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              await api("POST", "/v1/auth/token", { body: { token: token.value } });
              token.value = "";
              start();
            } catch (failure) {
              error.textContent = describe(failure);
            }
          },
        },
        h("p", {}, t("or_token")),
        field(t("api_token"), token),
        h("button", { type: "submit", class: "primary" }, t("sign_in")),
        error,
      ),
    ),
  );
  token.focus();
}

async function signOut() {
  await api("POST", "/v1/auth/logout").catch(() => null);
  location.reload();
}

// The frame ----------------------------------------------------------------------------------

function header(withNav = true) {
  const language = h(
    "select",
    {
      "aria-label": t("language"),
      onchange: () => {
        localStorage.setItem(LANGUAGE_KEY, language.value);
        state.language = language.value;
        t = translator(TEXTS, state.language);
        if (state.me) start();
        else showSignIn();
      },
    },
    h("option", { value: "en", selected: state.language === "en" }, "English"),
    h("option", { value: "ko", selected: state.language === "ko" }, "한국어"),
  );
  return h(
    "header",
    {},
    h("span", { class: "brand" }, t("title")),
    withNav && nav(),
    h(
      "span",
      { class: "account" },
      language,
      state.me && h("span", {}, t("signed_in_as", { name: state.me.display_name, role: t(`role_${state.me.role}`) || state.me.role })),
      state.me && h("button", { type: "button", onclick: signOut }, t("sign_out")),
    ),
  );
}

function nav() {
  const tab = (view, label) =>
    h(
      "button",
      {
        type: "button",
        class: "tab",
        "aria-current": state.view === view ? "page" : false,
        "data-view": view,
        onclick: () => show(view),
      },
      label,
    );
  const common = ["notices", "appeals", "audit"];
  const pages = state.me?.role === "admin" ? ["settings", "words", ...common] : common;
  return h(
    "nav",
    { "aria-label": t("queues") },
    QUEUES.map((queue) =>
      tab(queue, [t(`queue_${queue}`), " ", h("span", { class: "count", "data-count": queue }, state.counts?.[queue] ?? "…")]),
    ),
    h("span", { class: "separator" }),
    pages.map((page) => tab(page, t(`page_${page}`))),
  );
}

function render() {
  const main = h("main", { id: "main" });
  replace(app, header(), main, h("aside", { id: "drawer", hidden: true }));
  if (QUEUES.includes(state.view)) renderQueue(main);
  else if (state.view === "settings") renderSettings(main);
  else if (state.view === "words") renderWords(main);
  else if (state.view === "notices") renderNotices(main);
  else if (state.view === "appeals") renderAppeals(main);
  else renderAudit(main);
}

function show(view) {
  state.view = view;
  state.message = null;
  if (QUEUES.includes(view)) {
    render();
    loadQueue();
  } else render();
}

async function refreshCounts() {
  try {
    const { counts } = await api("GET", "/v1/admin/queues/counts", { query: { article_id: state.filters.article_id } });
    const before = state.counts?.[state.view];
    state.counts = counts;
    for (const queue of QUEUES) {
      const badge = app.querySelector(`[data-count="${queue}"]`);
      if (badge) badge.textContent = counts[queue];
    }
    if (before !== undefined && counts[state.view] > before) showArrivals();
  } catch {
    // the next poll tries again
  }
}

/** Comments arrived in this queue since it was drawn: say so, and let the moderator reload
 * when they are ready (the list never moves under their keys by itself). */
function showArrivals() {
  const bar = app.querySelector("#arrivals");
  if (!bar || bar.childElementCount) return;
  replace(
    bar,
    h("p", { role: "status", class: "arrivals" }, t("arrivals"), " ",
      h("button", { type: "button", onclick: () => { replace(bar); loadQueue(); } }, t("reload"))),
  );
}

// Queues ---------------------------------------------------------------------------------

async function loadQueue({ more = false } = {}) {
  const queue = state.view;
  const asked = (state.asked = {}); // a newer load (other queue, filters) makes this one stale
  state.rejecting = null;
  if (!more) {
    state.items = [];
    state.cursor = null;
    state.current = 0;
    state.selected.clear();
    state.outcome.clear();
  }
  try {
    const page = await api("GET", "/v1/admin/queue", {
      query: { status: queue, ...state.filters, cursor: state.cursor, limit: 20 },
    });
    if (state.asked !== asked) return;
    state.items.push(...page.items);
    state.cursor = page.next_cursor;
    state.message = null;
  } catch (error) {
    state.message = describe(error);
  }
  renderList();
  await Promise.all(state.items.filter((item) => !state.details.has(item.id)).map(loadDetail));
}

async function loadDetail(item) {
  try {
    state.details.set(item.id, await api("GET", `/v1/admin/comments/${item.id}`));
    refreshItem(item);
  } catch {
    // the item shows without its explanation
  }
}

function renderQueue(main) {
  const article = h("input", { name: "article_id", value: state.filters.article_id, size: 16 });
  const author = h("input", { name: "author_id", value: state.filters.author_id, inputmode: "numeric", size: 6 });
  const sort = h(
    "select",
    { name: "sort" },
    ["oldest", "newest", "toxicity", "reports"].map((name) =>
      h("option", { value: name, selected: state.filters.sort === name }, t(`sort_${name}`)),
    ),
  );
  const filters = h(
    "form",
    {
      class: "filters",
      onsubmit: (event) => {
        event.preventDefault();
        state.filters = { article_id: article.value.trim(), author_id: author.value.trim(), sort: sort.value };
        loadQueue();
        refreshCounts();
      },
    },
    field(t("filter_article"), article),
    field(t("filter_author"), author),
    field(t("sort"), sort),
    h("button", { type: "submit" }, t("apply")),
    h(
      "button",
      {
        type: "button",
        onclick: () => {
          state.filters = { article_id: "", author_id: "", sort: "oldest" };
          render();
          loadQueue();
          refreshCounts();
        },
      },
      t("clear"),
    ),
  );
  sort.addEventListener("change", () => filters.requestSubmit());
  append(main, h("h1", { class: "visually-hidden" }, t(`queue_${state.view}`)), filters, h("div", { id: "arrivals" }), h("div", { id: "bulk" }), h("div", { id: "list" }));
}

function renderBulk() {
  const bar = app.querySelector("#bulk");
  if (!bar) return;
  const count = state.selected.size;
  const reason = h(
    "select",
    { "aria-label": t("reject_reason") },
    REJECT_REASONS.map((name) => h("option", { value: name }, t(`reason_${name}`))),
  );
  const all = h("input", {
    type: "checkbox",
    "aria-label": t("select_all"),
    checked: count > 0 && count === undecided().length,
    onchange: () => {
      state.selected = new Set(all.checked ? undecided().map((i) => i.id) : []);
      renderList();
    },
  });
  replace(
    bar,
    h(
      "div",
      { class: "bulk" },
      all,
      h("span", {}, t("selected", { count })),
      h("button", { type: "button", disabled: count === 0, onclick: () => decideMany("approve") }, t("approve_selected")),
      reason,
      h("button", { type: "button", disabled: count === 0, onclick: () => decideMany("reject", reason.value) }, t("reject_selected")),
    ),
  );
}

function undecided() {
  return state.items.filter((item) => !state.outcome.has(item.id));
}

function renderList() {
  const list = app.querySelector("#list");
  if (!list) return;
  renderBulk();
  const parts = [];
  if (state.message) parts.push(h("p", { role: "alert", class: "error" }, state.message));
  if (!state.items.length && !state.message) parts.push(h("p", { class: "empty" }, t("empty_queue")));
  parts.push(h("ol", { class: "items" }, state.items.map(renderItem)));
  if (state.cursor) parts.push(h("button", { type: "button", onclick: () => loadQueue({ more: true }) }, t("load_more")));
  replace(list, ...parts);
}

function renderItem(item, index) {
  const detail = state.details.get(item.id);
  const outcome = state.outcome.get(item.id);
  const spans = (detail?.explanation ?? []).flatMap((model) => model.spans.map((s) => [s.start, s.end]));
  const words = wordRanges(item.body, matchedWord(detail ? policyNote(detail) : ""));
  const current = index === state.current;
  const decided = Boolean(outcome && !outcome.error);
  const node = h(
    "li",
    {
      class: `item${current ? " current" : ""}${outcome ? " decided" : ""}`,
      "data-id": item.id,
      tabindex: -1,
      "aria-current": current ? "true" : false,
      "aria-label": `#${item.id} ${item.author.display_name}`,
      onfocusin: () => {
        if (state.current !== index) moveTo(index, { focus: false });
      },
    },
    h(
      "div",
      { class: "head" },
      h("input", {
        type: "checkbox",
        "aria-label": t("select", { id: item.id }),
        checked: state.selected.has(item.id),
        disabled: decided,
        onchange: (event) => {
          event.target.checked ? state.selected.add(item.id) : state.selected.delete(item.id);
          renderBulk();
        },
      }),
      h("p", { class: "why" }, reasons(item, detail)),
    ),
    h("p", { class: "text" }, highlighted(item.body, [...spans, ...words])),
    item.scores && scoreBars(item.scores),
    h(
      "p",
      { class: "meta" },
      h("span", {}, `${t("model")}: ${item.model_id ?? "—"}`),
      h("span", {}, `${t("article")}: `, h("button", { type: "button", class: "link", onclick: () => openArticle(item.article_id) }, item.article_id)),
      h("span", {}, `${t("posted")}: `, h("time", { datetime: item.created_at }, formatTime(item.created_at, state.language))),
      authorLine(item),
    ),
    outcome && h("p", { class: outcome.error ? "outcome error" : "outcome", role: "status" }, outcome.text),
    !decided &&
      h(
        "div",
        { class: "decide" },
        h("button", { type: "button", class: "approve", onclick: () => decide(item, "approve") }, t("approve")),
        h("button", { type: "button", class: "reject", onclick: () => openReject(item) }, t("reject")),
      ),
    state.rejecting === item.id && rejectForm(item),
  );
  return node;
}

function scoreBars(scores) {
  return h(
    "div",
    { class: "scores", role: "group", "aria-label": t("scores") },
    Object.entries(scores)
      .sort((a, b) => b[1] - a[1])
      .map(([name, value]) =>
        h(
          "span",
          { class: "score" },
          h("span", { class: "name" }, name),
          h("meter", { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 0, value: value.toFixed(3), "aria-label": name }),
          h("span", { class: "value" }, value.toFixed(2)),
        ),
      ),
  );
}

function authorLine(item) {
  const counts = h("span", { class: "counts" });
  userOf(item.author.id).then((user) => {
    if (user) {
      const c = user.comment_counts;
      counts.textContent = t("author_counts", { published: c.published ?? 0, held: c.held ?? 0, rejected: c.rejected ?? 0 });
    }
  });
  return h(
    "span",
    { class: "author" },
    h("button", { type: "button", class: "link", onclick: () => openUser(item.author.id) }, item.author.display_name),
    " ",
    counts,
  );
}

function rejectForm(item) {
  const reason = h(
    "select",
    { name: "reason" },
    REJECT_REASONS.map((name) => h("option", { value: name }, t(`reason_${name}`))),
  );
  const note = h("input", { name: "note", maxlength: 500 });
  return h(
    "form",
    {
      class: "reject-form",
      onkeydown: (event) => {
        if (event.key === "Enter") {
          event.preventDefault(); // Enter confirms from the reason menu too
          event.currentTarget.requestSubmit();
        }
      },
      onsubmit: (event) => {
        event.preventDefault();
        decide(item, "reject", { reason: reason.value, note: note.value || null });
      },
    },
    field(t("reject_reason"), reason),
    field(t("note"), note),
    h("button", { type: "submit", class: "danger" }, t("confirm_reject")),
    h("button", { type: "button", onclick: () => closeReject() }, t("cancel")),
  );
}

function openReject(item) {
  state.rejecting = item.id;
  refreshItem(item);
  app.querySelector(`li.item[data-id="${item.id}"] select[name=reason]`)?.focus();
}

function closeReject() {
  const item = state.items.find((i) => i.id === state.rejecting);
  state.rejecting = null;
  if (item) refreshItem(item, { focus: true });
}

/** Redraws one item; focus inside it stays on the same control (a detail arriving late must
 * not pull the reason menu from under the moderator's fingers). */
function refreshItem(item, { focus = false } = {}) {
  const index = state.items.indexOf(item);
  const node = app.querySelector(`li.item[data-id="${item.id}"]`);
  if (!node) return;
  const active = node.contains(document.activeElement) ? document.activeElement : null;
  const fresh = renderItem(item, index);
  node.replaceWith(fresh);
  const same = active?.name ? fresh.querySelector(`[name="${active.name}"]`) : null;
  if (same) same.focus();
  else if (focus || active) fresh.focus();
}

function moveTo(index, { focus = true } = {}) {
  if (!state.items.length) return;
  const before = state.items[state.current];
  state.current = Math.max(0, Math.min(index, state.items.length - 1));
  if (before) refreshItem(before);
  const now = state.items[state.current];
  refreshItem(now, { focus });
  if (focus) app.querySelector(`li.item[data-id="${now.id}"]`)?.scrollIntoView({ block: "nearest" });
}

async function decide(item, action, { reason = null, note = null } = {}) {
  const body = { expected_status: item.status, note };
  if (action === "reject") body.reason = reason;
  try {
    const after = await api("POST", `/v1/admin/comments/${item.id}/${action}`, { body });
    Object.assign(item, after);
    state.outcome.set(item.id, { text: t("decided", { action: t(`${action === "approve" ? "approved" : "rejected"}_done`) }) });
  } catch (error) {
    if (error.code !== "invalid_transition") {
      state.outcome.set(item.id, { text: describe(error), error: true });
    } else await lostRace(item);
  }
  state.selected.delete(item.id);
  if (state.rejecting === item.id) state.rejecting = null;
  state.users.delete(item.author.id); // their counts moved
  refreshItem(item);
  renderBulk();
  refreshCounts();
  const next = state.items.findIndex((candidate, i) => i > state.items.indexOf(item) && !state.outcome.has(candidate.id));
  moveTo(next === -1 ? state.items.indexOf(item) : next);
}

/** Someone else decided first (409): reload the comment and say who, and what it is now. */
async function lostRace(item) {
  try {
    const detail = await api("GET", `/v1/admin/comments/${item.id}`);
    state.details.set(item.id, detail);
    const last = [...detail.actions].reverse().find((a) => a.to_status);
    Object.assign(item, { status: detail.status, status_reason: detail.status_reason, open_reports: detail.open_reports });
    const name = await nameOf(last?.actor_id);
    state.outcome.set(item.id, { text: t("already_decided", { name, status: t(`queue_${detail.status}`) === `queue_${detail.status}` ? detail.status : t(`queue_${detail.status}`) }), error: true });
  } catch (error) {
    state.outcome.set(item.id, { text: describe(error), error: true });
  }
}

async function decideMany(action, reason = null) {
  const ids = [...state.selected];
  const body = { ids, action, expected_status: QUEUE_STATUS[state.view] };
  if (action === "reject") body.reason = reason;
  try {
    const { results } = await api("POST", "/v1/admin/comments:bulk", { body });
    const lost = [];
    for (const result of results) {
      const item = state.items.find((i) => i.id === result.id);
      if (!item) continue;
      if (result.ok) {
        item.status = result.status;
        state.outcome.set(item.id, { text: t("decided", { action: t(`${action === "approve" ? "approved" : "rejected"}_done`) }) });
      } else lost.push(item);
    }
    await Promise.all(lost.map(lostRace));
    for (const id of ids) state.users.delete(state.items.find((i) => i.id === id)?.author.id);
    state.message = null;
    state.selected.clear();
    renderList();
    const summary = h("p", { role: "status", class: "summary" }, t("bulk_result", { ok: results.length - lost.length, failed: lost.length }));
    app.querySelector("#bulk")?.append(summary);
  } catch (error) {
    state.message = describe(error);
    renderList();
  }
  refreshCounts();
}

// The user drawer and the article view ------------------------------------------------------------

function openDrawer(title, ...content) {
  const drawer = app.querySelector("#drawer");
  const close = h("button", { type: "button", class: "close", onclick: () => closeDrawer() }, t("close"));
  replace(drawer, h("div", { class: "drawer-head" }, h("h2", { id: "drawer-title" }, title), close), ...content);
  drawer.hidden = false;
  drawer.setAttribute("role", "dialog");
  drawer.setAttribute("aria-labelledby", "drawer-title");
  drawer.dataset.returnFocus = document.activeElement?.closest("li.item")?.dataset.id ?? "";
  close.focus();
  return drawer;
}

function closeDrawer() {
  const drawer = app.querySelector("#drawer");
  if (!drawer || drawer.hidden) return false;
  drawer.hidden = true;
  const id = Number(drawer.dataset.returnFocus);
  app.querySelector(`li.item[data-id="${id}"]`)?.focus();
  return true;
}

async function openUser(userId) {
  state.users.delete(userId); // fresh counts and sanctions
  const [user, history] = await Promise.all([
    userOf(userId),
    api("GET", `/v1/admin/users/${userId}/comments`, { query: { limit: 20 } }).catch(() => ({ items: [] })),
  ]);
  if (!user) return;
  const message = h("p", { role: "status", class: "drawer-message" });
  const staff = user.role !== "reader";
  const mayAct = !staff || state.me.role === "admin";
  const sanction = async (method, path, body) => {
    try {
      await api(method, `/v1/admin/users/${userId}${path}`, { body });
      openUser(userId);
    } catch (error) {
      message.textContent = describe(error);
    }
  };
  const reason = h("input", { name: "reason", maxlength: 500 });
  const until = h("input", { type: "date", name: "until", min: new Date(Date.now() + 86400000).toISOString().slice(0, 10) });
  /** Bans and suspensions need a reason (the user is told it); the field says so. */
  const withReason = (then) => {
    if (!reason.value.trim()) {
      message.textContent = t("reason_needed");
      return reason.focus();
    }
    then(reason.value.trim());
  };
  const c = user.comment_counts;
  openDrawer(
    `${t("user")}: ${user.display_name}`,
    h("p", {}, `${t("status")}: ${user.status}${user.suspended_until ? ` (${formatTime(user.suspended_until, state.language)})` : ""}${user.premoderated ? ` · ${t("premoderate")}` : ""} · ${user.role}`),
    h("p", {}, t("author_counts", { published: c.published ?? 0, held: c.held ?? 0, rejected: c.rejected ?? 0 })),
    mayAct
      ? h(
          "form",
          { class: "sanctions-form", onsubmit: (e) => e.preventDefault() },
          field(t("sanction_reason"), reason),
          h("div", { class: "row" },
            user.status === "banned"
              ? h("button", { type: "button", onclick: () => sanction("DELETE", "/ban") }, t("lift_ban"))
              : h("button", { type: "button", class: "danger", onclick: () => withReason((why) => sanction("POST", "/ban", { reason: why })) }, t("ban")),
          ),
          h("div", { class: "row" },
            user.status === "suspended"
              ? h("button", { type: "button", onclick: () => sanction("DELETE", "/suspend") }, t("lift_suspension"))
              : [field(t("suspend_until"), until), h("button", { type: "button", onclick: () => until.value && withReason((why) => sanction("POST", "/suspend", { until: new Date(`${until.value}T00:00`).toISOString(), reason: why })) }, t("suspend"))],
          ),
          h("div", { class: "row" },
            user.premoderated
              ? h("button", { type: "button", onclick: () => sanction("DELETE", "/premoderate") }, t("lift_premoderation"))
              : h("button", { type: "button", onclick: () => sanction("POST", "/premoderate", { reason: reason.value }) }, t("premoderate")),
          ),
        )
      : h("p", {}, t("cannot_sanction_staff")),
    message,
    h("h3", {}, t("sanctions")),
    user.sanctions.length
      ? h("ul", { class: "sanctions" }, user.sanctions.map((s) => h("li", {}, `${formatTime(s.created_at, state.language)} · ${s.action} · ${s.reason}${s.note ? ` (${s.note})` : ""}`)))
      : h("p", {}, t("no_sanctions")),
    h("h3", {}, t("history")),
    h("ul", { class: "history" }, history.items.map((comment) =>
      h("li", {}, h("span", { class: `status ${comment.status}` }, comment.status), " ", comment.body, " ", h("small", {}, `${comment.article_id} · ${formatTime(comment.created_at, state.language)}`)),
    )),
  );
}

async function openArticle(articleId) {
  const message = h("p", { role: "status" });
  let article;
  let counts;
  try {
    [article, { counts }] = await Promise.all([
      api("GET", `/v1/admin/articles/${encodeURIComponent(articleId)}`),
      api("GET", "/v1/admin/queues/counts", { query: { article_id: articleId } }),
    ]);
  } catch (error) {
    state.message = describe(error);
    return renderList();
  }
  const toggle = (name, label) =>
    field(
      label,
      h("input", {
        type: "checkbox",
        checked: article[name],
        onchange: async (event) => {
          try {
            article = await api("PATCH", `/v1/admin/articles/${encodeURIComponent(articleId)}`, { body: { [name]: event.target.checked } });
            message.textContent = t("saved");
          } catch (error) {
            event.target.checked = !event.target.checked;
            message.textContent = describe(error);
          }
        },
      }),
    );
  openDrawer(
    t("article_heading", { id: articleId }),
    h("p", {}, t("article_waiting", counts)),
    toggle("closed", t("article_closed")),
    toggle("premoderated", t("article_premoderated")),
    message,
    h("button", {
      type: "button",
      onclick: () => {
        state.filters.article_id = articleId;
        closeDrawer();
        show("held");
        refreshCounts();
      },
    }, t("show_queue")),
  );
}

// Admin pages --------------------------------------------------------------------------------

function renderSettings(main) {
  const settings = state.settings;
  const message = h("p", { role: "status", class: "message" });
  if (!settings) return append(main, h("p", { class: "error" }, t("error_forbidden")));
  const inputs = Object.entries(settings.hold_thresholds).map(([name, value]) => [
    name,
    h("input", { type: "number", name, min: 0.01, max: 1, step: 0.01, value: value.toFixed(2), required: true }),
  ]);
  const effect = h("ul", { class: "effect", "aria-live": "polite" });
  const total = h("p", { class: "effect-total", "aria-live": "polite" });
  const commenting = h("input", { type: "checkbox", name: "commenting_enabled", checked: settings.commenting_enabled });
  const nudge = h("input", { type: "checkbox", name: "nudge", checked: settings.nudge });
  let timer;
  const preview = async () => {
    const query = Object.fromEntries(inputs.map(([name, input]) => [name, input.value]));
    try {
      const result = await api("GET", "/v1/admin/queues/held/preview", { query });
      replace(effect, result.by_attribute.map((a) =>
        h("li", { "data-attribute": a.attribute }, t("effect", { attribute: a.attribute, now: a.held_now, then: a.held_proposed, value: a.proposed?.toFixed(2) })),
      ));
      total.textContent = t("effect_total", { now: result.held_now, then: result.held_proposed, scored: result.scored });
    } catch (error) {
      total.textContent = describe(error);
    }
  };
  for (const [, input] of inputs) input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(preview, 400); });
  append(
    main,
    h("h1", {}, t("thresholds_heading")),
    h("p", {}, t("thresholds_help")),
    h(
      "form",
      {
        class: "settings",
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            state.settings = await api("PUT", "/v1/admin/settings", {
              body: {
                hold_thresholds: Object.fromEntries(inputs.map(([name, input]) => [name, Number(input.value)])),
                commenting_enabled: commenting.checked,
                nudge: nudge.checked,
              },
            });
            message.textContent = t("saved");
            preview();
          } catch (error) {
            message.textContent = describe(error);
          }
        },
      },
      h("div", { class: "thresholds" }, inputs.map(([name, input]) => field(name, input))),
      total,
      effect,
      field(t("site_switch"), commenting),
      field(t("nudge"), nudge),
      h("button", { type: "submit", class: "primary" }, t("save")),
      message,
    ),
  );
  preview();
}

function renderWords(main) {
  append(main, h("h1", {}, t("words_heading")));
  for (const list of ["banned", "suspect"]) {
    const section = h("section", { "aria-labelledby": `list-${list}` });
    append(main, section);
    const load = async () => {
      const { words } = await api("GET", `/v1/admin/wordlists/${list}`);
      const search = h("input", { type: "search" });
      const adding = h("input", { name: "words" });
      const message = h("p", { role: "status" });
      const items = h("ul", { class: "words" });
      const show = () =>
        replace(items, words.filter((w) => w.includes(search.value.trim().toLowerCase())).map((word) =>
          h("li", {}, word, h("button", {
            type: "button",
            class: "link",
            "aria-label": t("remove", { word }),
            onclick: async () => {
              try {
                await api("DELETE", `/v1/admin/wordlists/${list}/${encodeURIComponent(word)}`);
                load();
              } catch (error) {
                message.textContent = describe(error);
              }
            },
          }, "×")),
        ));
      search.addEventListener("input", show);
      replace(
        section,
        h("h2", { id: `list-${list}` }, t(`list_${list}`), ` (${words.length})`),
        h("form", {
          onsubmit: async (event) => {
            event.preventDefault();
            const asked = adding.value.split(",").map((w) => w.trim()).filter(Boolean);
            if (!asked.length) return;
            try {
              await api("POST", `/v1/admin/wordlists/${list}`, { body: { words: asked } });
              load();
            } catch (error) {
              message.textContent = describe(error);
            }
          },
        }, field(t("add_words"), adding), h("button", { type: "submit" }, t("add"))),
        field(t("search"), search),
        message,
        items,
      );
      show();
    };
    load().catch((error) => append(section, h("p", { class: "error" }, describe(error))));
  }
}

function renderAudit(main) {
  const filters = { comment_id: h("input", { inputmode: "numeric", size: 8 }), author_id: h("input", { inputmode: "numeric", size: 8 }), actor_id: h("input", { inputmode: "numeric", size: 8 }) };
  const rows = h("tbody");
  const more = h("div");
  const message = h("p", { role: "status" });
  let cursor = null;
  const load = async (fresh) => {
    if (fresh) {
      cursor = null;
      rows.replaceChildren();
    }
    try {
      const page = await api("GET", "/v1/admin/audit", {
        query: { limit: 50, cursor, ...Object.fromEntries(Object.entries(filters).map(([k, input]) => [k, input.value.trim()])) },
      });
      cursor = page.next_cursor;
      message.textContent = "";
      for (const event of page.items) {
        const who = h("td", {}, event.actor_id ?? t("the_system"));
        if (event.actor_id !== null) nameOf(event.actor_id).then((name) => (who.textContent = `${name} (#${event.actor_id})`));
        const about = [event.comment_id && `#${event.comment_id}`, event.subject_user_id && `user ${event.subject_user_id}`, event.article_id].filter(Boolean).join(" · ");
        append(rows, h("tr", {},
          h("td", {}, formatTime(event.created_at, state.language)),
          h("td", {}, event.action, event.to_status ? ` → ${event.to_status}` : ""),
          who,
          h("td", {}, about),
          h("td", {}, event.reason, event.note ? ` (${event.note})` : ""),
        ));
      }
      replace(more, cursor && h("button", { type: "button", onclick: () => load(false) }, t("load_more")));
    } catch (error) {
      message.textContent = describe(error);
    }
  };
  append(
    main,
    h("h1", {}, t("audit_heading")),
    h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); load(true); } },
      field(t("filter_comment"), filters.comment_id),
      field(t("filter_author"), filters.author_id),
      field(t("filter_actor"), filters.actor_id),
      h("button", { type: "submit" }, t("apply")),
    ),
    message,
    h("table", { class: "audit" },
      h("thead", {}, h("tr", {}, [t("when"), t("action"), t("who"), t("what"), t("reject_reason")].map((c) => h("th", { scope: "col" }, c)))),
      rows,
    ),
    more,
  );
  load(true);
}

// Legal notices and appeals ------------------------------------------------------------------

/** A page of cards filtered by status, oldest first, each with its own decision form. */
function renderCases(main, { heading, path, statuses, card }) {
  const status = h("select", {}, statuses.map((value) => h("option", { value }, t(`status_${value}`))));
  const list = h("ul", { class: "cases" });
  const more = h("div");
  const message = h("p", { role: "status" });
  let cursor = null;
  const load = async (fresh) => {
    if (fresh) {
      cursor = null;
      list.replaceChildren();
    }
    try {
      const page = await api("GET", path, { query: { status: status.value, limit: 20, cursor } });
      cursor = page.next_cursor;
      if (fresh && !page.items.length) append(list, h("li", {}, t("nothing_here")));
      for (const item of page.items) append(list, card(item, async (done) => {
        await load(true);
        message.textContent = done;
      }, message));
      replace(more, cursor && h("button", { type: "button", onclick: () => load(false) }, t("load_more")));
    } catch (error) {
      message.textContent = describe(error);
    }
  };
  status.onchange = () => {
    message.textContent = "";
    load(true);
  };
  append(main, h("h1", {}, heading), h("div", { class: "filters" }, field(t("status"), status)), message, list, more);
  load(true);
}

function decisionForm(choices, send, message) {
  const choice = h("select", {}, choices.map(([value, label]) => h("option", { value }, label)));
  const explanation = h("textarea", { required: true, rows: 2, maxlength: 5000 });
  const submit = h("button", { type: "submit" }, t("decide"));
  const form = h("form", {
    class: "decide",
    onsubmit: async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        await send(choice.value, explanation.value);
      } catch (error) {
        message.textContent = describe(error);
        submit.disabled = false;
      }
    },
  });
  return { form, choice, explanation, submit };
}

function noticeCard(notice, reloaded, message) {
  const measure = notice.measure;
  const when = (moment) => formatTime(moment, state.language);
  const facts = [
    t(`kind_${notice.kind}`),
    when(notice.created_at),
    measure && (measure.overdue ? t("measure_overdue") : t("measure_until", { date: when(measure.ends_at) })),
    measure?.objected && t("objected"),
    notice.repeat && t("notice_repeat"),
    !notice.decision && notice.kind === "rights_infringement" && notice.comment.status === "published" && t("still_shown"),
  ].filter(Boolean).join(" · ");
  const card = h("li", { class: "case", "aria-label": notice.reference },
    h("p", { class: "meta" }, h("strong", {}, notice.reference), " · ", facts),
    h("blockquote", {}, notice.comment.body),
    h("p", {}, h("strong", {}, t("notice_by", { name: notice.notifier_name, email: notice.notifier_email })), " ", notice.explanation),
    notice.legal_ground && h("p", {}, h("strong", {}, t("legal_ground")), " ", notice.legal_ground),
    notice.objection && h("p", {}, h("strong", {}, t("objection")), " ", notice.objection),
  );
  if (notice.decision) {
    return append(card, h("p", { class: "outcome" }, t(`action_${notice.decision.action}`), " — ", notice.decision.explanation || ""));
  }
  const ground = h("input", { required: true, maxlength: 300, value: notice.legal_ground || "" });
  const decision = decisionForm(
    ["remove", "restore", "no_action"].map((action) => [action, t(`action_${action}`)]),
    async (action, explanation) => {
      await api("POST", `/v1/admin/notices/${encodeURIComponent(notice.reference)}/decision`, {
        body: { action, ground: ground.value, explanation },
      });
      await reloaded(t("notice_done", { reference: notice.reference }));
    },
    message,
  );
  append(decision.form, field(t("decision"), decision.choice), field(t("ground"), ground), field(t("explanation"), decision.explanation), decision.submit);
  return append(card, decision.form);
}

function appealCard(appeal, reloaded, message) {
  const statement = appeal.statement;
  const decider = statement.automated_decision ? t("decided_automatically") : t("decided_by_person");
  const card = h("li", { class: "case", "aria-label": t("appeal_n", { id: appeal.id }) },
    h("p", { class: "meta" }, h("strong", {}, t(`restriction_${statement.restriction}`)), " · ", formatTime(appeal.created_at, state.language), " · ", decider),
    statement.excerpt && h("blockquote", {}, statement.excerpt),
    h("p", {}, statement.facts),
    h("p", {}, h("strong", {}, t("ground")), " ", statement.ground_text),
    h("p", {}, h("strong", {}, t("appeal_says")), " ", appeal.explanation),
  );
  if (appeal.status !== "open") {
    return append(card, h("p", { class: "outcome" }, t(`status_${appeal.status}`), " — ", appeal.decision_explanation || ""));
  }
  const decision = decisionForm(
    [["upheld", t("uphold")], ["reversed", t("reverse")]],
    async (outcome, explanation) => {
      await api("POST", `/v1/admin/appeals/${appeal.id}/decision`, { body: { outcome, explanation } });
      await reloaded(t("appeal_done", { id: appeal.id }));
    },
    message,
  );
  append(decision.form, field(t("decision"), decision.choice), field(t("explanation"), decision.explanation), decision.submit);
  return append(card, decision.form);
}

function renderNotices(main) {
  renderCases(main, { heading: t("page_notices"), path: "/v1/admin/notices", statuses: ["open", "overdue", "decided"], card: noticeCard });
}

function renderAppeals(main) {
  renderCases(main, { heading: t("page_appeals"), path: "/v1/admin/appeals", statuses: ["open", "upheld", "reversed"], card: appealCard });
}

// The keyboard -------------------------------------------------------------------------------

function showHelp() {
  const keys = [["j", "key_j"], ["k", "key_k"], ["a", "key_a"], ["r", "key_r"], ["x", "key_x"], ["u", "key_u"], ["?", "key_help"], ["Esc", "close"]];
  const dialog = h(
    "dialog",
    { "aria-labelledby": "help-title", class: "help" },
    h("h2", { id: "help-title" }, t("help")),
    h("dl", {}, keys.map(([key, text]) => [h("dt", {}, h("kbd", {}, key)), h("dd", {}, t(text))])),
    h("form", { method: "dialog" }, h("button", { class: "primary" }, t("help_close"))),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    if (state.rejecting !== null) return closeReject();
    if (closeDrawer()) return;
  }
  const target = event.target;
  // A dialog on its way out (closed, its close event not yet run) no longer takes the keys.
  const typing = target.closest?.("textarea, select, dialog[open], input:not([type=checkbox])");
  if (event.ctrlKey || event.metaKey || event.altKey || typing) return;
  if (!QUEUES.includes(state.view) || !state.me) return;
  const item = state.items[state.current];
  const handlers = {
    j: () => moveTo(state.current + 1),
    k: () => moveTo(state.current - 1),
    a: () => item && !state.outcome.has(item.id) && decide(item, "approve"),
    r: () => item && !state.outcome.has(item.id) && openReject(item),
    x: () => {
      if (!item || state.outcome.has(item.id)) return;
      state.selected.has(item.id) ? state.selected.delete(item.id) : state.selected.add(item.id);
      refreshItem(item, { focus: true });
      renderBulk();
    },
    u: () => item && openUser(item.author.id),
    "?": showHelp,
  };
  const handler = handlers[event.key];
  if (handler) {
    event.preventDefault();
    handler();
  }
});

start();
