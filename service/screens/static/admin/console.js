// The moderator console: queues, decisions, users, articles and (for admins) the policy.
// It speaks only the public REST API, with the HttpOnly session cookie; an API token typed in
// is traded for that cookie (POST /v1/auth/token) and never stored by the page.

import { ApiError, apiClient, append, formatTime, h, pickLanguage, replace, translator } from "/screens/dom.js";
import { TEXTS } from "./texts.js";

const api = apiClient(location.origin);
const QUEUES = ["held", "reported", "rejected", "approved"];
const QUEUE_STATUS = { held: "held", reported: "published", rejected: "rejected", approved: "published" };
const REJECT_REASONS = ["offensive", "spam", "hate_speech", "off_topic", "banned_word", "other"];
const COUNTS_FALLBACK_MS = 60_000;
/** The counts follow the queues' events (`GET /v1/admin/events`); this poll only covers a
 * stream that is down. */
const LANGUAGE_KEY = "commentmod-console-language";

const state = {
  language: pickLanguage(localStorage.getItem(LANGUAGE_KEY)),
  me: null,
  view: "held", // a queue, or "settings" | "words" | "quality" | "campaigns" | "notices" | "appeals" | "audit"
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
  period: null, // the model-quality report's {from, to} days, as the date inputs write them
  reportAsked: null,
  opener: null, // what opened the drawer, focused again when it closes
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
  const actor = await userOf(actorId);
  if (!actor) return t("someone");
  return actor.status === "erased" ? t("deleted_account") : actor.display_name;
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

/** The domains a link check named ("links: example.com, shop.example.net"). */
function linkedDomains(note) {
  const listed = /^links: (.*)$/.exec(note)?.[1] ?? "";
  return listed.split(",").map((domain) => domain.trim()).filter(Boolean);
}

/** Why a spam check held or rejected the comment, from the note it wrote. */
function spamReason(item, note) {
  const reason = item.status_reason;
  if (reason === "link" || reason === "link_denied") {
    const key = reason === "link_denied" ? "why_link_denied" : item.status === "rejected" ? "why_link_rejected" : "why_link_held";
    return t(key, { domains: linkedDomains(note).join(", ") || "…" });
  }
  if (reason === "coordinated") {
    const [, campaign, accounts, minutes] = /^(?:campaign (\d+): )?(\d+) accounts posted it within (\d+) min/.exec(note) ?? [];
    if (!accounts) return t("why_coordinated_unknown");
    return t(campaign ? "why_coordinated_campaign" : "why_coordinated", { campaign, accounts, minutes });
  }
  if (reason === "history") {
    const [, rejected, decided, days] = /^(\d+) of (\d+) rejected in (\d+) days/.exec(note) ?? [];
    return rejected ? t("why_history", { rejected, decided, days }) : t("why_history_unknown");
  }
  if (reason === "external") {
    return t(item.status === "rejected" ? "why_external_rejected" : "why_external_held", { said: note || t("no_reason_given") });
  }
  if (reason === "external_unavailable") return t("why_external_unavailable", { error: note || "…" });
  return null;
}

const SPAM_REASONS = ["link", "link_denied", "coordinated", "history", "external", "external_unavailable"];

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
  } else if (SPAM_REASONS.includes(reason)) {
    out.push(spamReason(item, note));
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
  state.poller = setInterval(() => document.visibilityState === "visible" && refreshCounts(), COUNTS_FALLBACK_MS);
  listenToQueues();
  await Promise.all([loadQueue(), refreshCounts()]);
}

/** A queue moved somewhere (a comment held, reported, decided): the counts are read again,
 * once for a flurry of events. The browser reconnects a dropped stream by itself. */
function listenToQueues() {
  state.live?.close();
  if (typeof EventSource === "undefined") return;
  const live = new EventSource(`${location.origin}/v1/admin/events`, { withCredentials: true });
  let timer = null;
  live.addEventListener("queues", () => {
    clearTimeout(timer);
    timer = setTimeout(() => document.visibilityState === "visible" && refreshCounts(), 300);
  });
  state.live = live;
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
  const common = ["campaigns", "notices", "appeals", "audit"];
  const pages = state.me?.role === "admin" ? ["settings", "words", "quality", ...common] : common;
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
  else if (state.view === "quality") renderQuality(main);
  else if (state.view === "notices") renderNotices(main);
  else if (state.view === "appeals") renderAppeals(main);
  else if (state.view === "campaigns") renderCampaigns(main);
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
    // the next event, or the fallback poll, tries again
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
  const note = detail ? policyNote(detail) : "";
  const words = [matchedWord(note), ...linkedDomains(note)].flatMap((word) => wordRanges(item.body, word));
  const current = index === state.current;
  const decided = Boolean(outcome && !outcome.error);
  const node = h(
    "li",
    {
      class: `item${current ? " current" : ""}${outcome ? " decided" : ""}`,
      "data-id": item.id,
      tabindex: -1,
      "aria-current": current ? "true" : false,
      "aria-label": `#${item.id} ${authorName(item)}`,
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
      item.likes + item.dislikes > 0 &&
        h("span", {}, h("button", { type: "button", class: "link", onclick: () => openReactions(item.id) },
          t("reaction_counts", { likes: item.likes, dislikes: item.dislikes }))),
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
    h("button", { type: "button", class: "link", onclick: () => openUser(item.author.id) }, authorName(item)),
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
  state.opener = document.activeElement;
  close.focus();
  return drawer;
}

function closeDrawer() {
  const drawer = app.querySelector("#drawer");
  if (!drawer || drawer.hidden) return false;
  drawer.hidden = true;
  const id = Number(drawer.dataset.returnFocus);
  const item = app.querySelector(`li.item[data-id="${id}"]`);
  if (item) item.focus();
  else if (state.opener?.isConnected) state.opener.focus();
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
  const erased = user.status === "erased";
  openDrawer(
    `${t("user")}: ${erased ? t("deleted_account") : user.display_name}`,
    h("p", {}, `${t("status")}: ${user.status}${user.suspended_until ? ` (${formatTime(user.suspended_until, state.language)})` : ""}${user.premoderated ? ` · ${t("premoderate")}` : ""} · ${user.role}`),
    h("p", {}, t("author_counts", { published: c.published ?? 0, held: c.held ?? 0, rejected: c.rejected ?? 0 })),
    user.history && recordLine(user.history),
    user.caps_today && capsLine(user.caps_today),
    erased && h("p", {}, t("account_erased")),
    mayAct && !erased
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
      : !erased && h("p", {}, t("cannot_sanction_staff")),
    state.me.role === "admin" && !erased && user.id !== state.me.id && eraseForm(user, message),
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

/** A deleted account has no name: it is said as such. */
function authorName(comment) {
  return comment.author.deleted ? t("deleted_account") : comment.author.display_name;
}

/** An admin erases an account on a request received by other means: how the request came is
 * kept in the audit log (a reference, not the requester's details); a confirmation first. */
function eraseForm(user, message) {
  const reason = h("input", { name: "erase_reason", maxlength: 200 });
  const comments = h("select", { name: "erase_comments" },
    h("option", { value: "anonymize" }, t("erase_keep")),
    h("option", { value: "delete" }, t("erase_delete")),
  );
  const erase = () => {
    const why = reason.value.trim();
    if (!why) {
      message.textContent = t("erase_reason_needed");
      return reason.focus();
    }
    if (!confirm(t("confirm_erase"))) return;
    api("POST", `/v1/admin/users/${user.id}/erase`, { body: { comments: comments.value, reason: why } })
      .then(async (report) => {
        await openUser(user.id);
        const held = report.held_back.length;
        const said = app.querySelector(".drawer-message");
        if (said) said.textContent = held ? `${t("erased")} ${t("erased_held_back", { count: held })}` : t("erased");
      })
      .catch((error) => { message.textContent = describe(error); });
  };
  return h("form", { class: "erase-form", "aria-label": t("erase_title"), onsubmit: (e) => e.preventDefault() },
    h("h3", {}, t("erase_title")),
    field(t("erase_reason"), reason),
    field(t("erase_comments"), comments),
    h("button", { type: "button", class: "danger", onclick: erase }, t("erase")),
  );
}

/** The rejection rate the history check weighs, and whether it holds the user now. */
function recordLine(history) {
  const percent = new Intl.NumberFormat(state.language === "ko" ? "ko-KR" : "en-GB", { style: "percent" }).format(history.rejected_rate);
  return h(
    "p",
    { class: "record" },
    history.decided
      ? t("record_rate", { rejected: history.rejected, decided: history.decided, days: history.days, percent })
      : t("record_none", { days: history.days }),
    history.holds && [" · ", h("strong", { class: "holds" }, t("record_holds"))],
  );
}

/** What the user has used of the daily caps today, against the caps in force. */
function capsLine(used) {
  const caps = state.settings?.daily_caps ?? {};
  const of = (count, limit) => (limit === null || limit === undefined ? String(count) : t("cap_of", { count, limit }));
  const parts = [
    t("cap_used_comments", { used: of(used.comments ?? 0, caps.comments) }),
    t("cap_used_replies", { used: of(used.replies ?? 0, caps.replies) }),
    ...Object.entries(used)
      .filter(([key]) => key.startsWith("article:"))
      .map(([key, count]) => t("cap_used_article", { article: key.slice("article:".length), used: of(count, caps.per_article) })),
  ];
  return h("p", { class: "caps" }, t("caps_today", { caps: parts.join(" · ") }));
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

/** A comment, its scores and every action on it (from the model-quality report's misses). */
async function openComment(commentId) {
  let detail;
  try {
    detail = await api("GET", `/v1/admin/comments/${commentId}`);
  } catch (error) {
    return openDrawer(t("comment_n", { id: commentId }), h("p", { role: "alert", class: "error" }, describe(error)));
  }
  const spans = detail.explanation.flatMap((model) => model.spans.map((s) => [s.start, s.end]));
  const when = (moment) => formatTime(moment, state.language);
  openDrawer(
    t("comment_n", { id: commentId }),
    h("p", {}, h("span", { class: `status ${detail.status}` }, detail.status), " ", reasons(detail, detail)),
    h("p", { class: "text" }, highlighted(detail.body, spans)),
    detail.scores && scoreBars(detail.scores),
    h("p", { class: "meta" },
      h("span", {}, `${t("model")}: ${detail.model_id ?? "—"}`),
      h("span", {}, `${t("article")}: ${detail.article_id}`),
      h("span", {}, `${t("posted")}: ${when(detail.created_at)}`),
      h("span", {}, authorName(detail)),
    ),
    h("h3", {}, t("comment_actions")),
    h("ul", { class: "history" }, detail.actions.map((a) =>
      h("li", {}, `${when(a.created_at)} · ${a.action}${a.to_status ? ` → ${a.to_status}` : ""}${a.reason ? ` · ${a.reason}` : ""}${a.note ? ` (${a.note})` : ""}`),
    )),
  );
}

/** A comment's reactions over time: per minute, hour or day, with how many came from accounts
 * that do not rank (new, or banned since), and the newest with their accounts' ages. */
async function openReactions(commentId) {
  let timeline;
  try {
    timeline = await api("GET", `/v1/admin/comments/${commentId}/reactions`);
  } catch (error) {
    return openDrawer(t("reactions_of", { id: commentId }), h("p", { role: "alert", class: "error" }, describe(error)));
  }
  const when = (moment) => formatTime(moment, state.language);
  openDrawer(
    t("reactions_of", { id: commentId }),
    h("p", {}, t("reaction_totals", timeline)),
    h("table", { class: "timeline" },
      h("caption", {}, t(`reactions_per_${timeline.bucket_minutes}`)),
      h("thead", {}, h("tr", {}, ["reaction_time", "reaction_likes", "reaction_dislikes", "reaction_unranked"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, timeline.buckets.map((b) =>
        h("tr", { class: b.unranked > (b.likes + b.dislikes) / 2 ? "suspicious" : "" },
          h("td", {}, when(b.start)), h("td", {}, b.likes), h("td", {}, b.dislikes), h("td", {}, b.unranked)),
      )),
    ),
    h("h3", {}, t("reactions_newest")),
    h("ul", { class: "history" }, timeline.recent.map((r) =>
      h("li", {}, `${when(r.created_at)} · ${t(`reaction_${r.kind}`)} · ${r.display_name} · ${t("account_age", { hours: r.account_age_hours })}${r.ranked ? "" : ` · ${t("not_ranked")}`}`),
    )),
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
    h("h1", { id: "thresholds-heading" }, t("thresholds_heading")),
    h("p", {}, t("thresholds_help")),
    h(
      "form",
      {
        class: "settings",
        "aria-labelledby": "thresholds-heading",
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
    spamChecks(),
  );
  preview();
}

// The spam checks' settings: one form per group, each saved with a PUT of that group alone ------

const HISTORY_DEFAULTS = { days: 30, min_decided: 5, rejected_rate: 0.3 };
const EXTERNAL_DEFAULTS = { url: "", timeout_ms: 300, on_failure: "hold" };

function spamChecks() {
  return h(
    "section",
    { class: "spam", "aria-labelledby": "spam-heading" },
    h("h2", { id: "spam-heading" }, t("spam_heading")),
    h("p", {}, t("spam_help")),
    settingsGroup("links", t("links_heading"), linksGroup),
    settingsGroup("repeats", t("repeats_heading"), repeatsGroup),
    settingsGroup("daily_caps", t("caps_heading"), capsGroup),
    settingsGroup("history_hold", t("history_heading"), historyGroup),
    settingsGroup("cooldown", t("cooldown_heading"), cooldownGroup),
    settingsGroup("external_moderation", t("external_heading"), externalGroup),
  );
}

/** A group's section: `build(settings, save)` gives its controls, the PUT body they make and
 * what follows the form; a save redraws the group from the settings the service answered
 * (domains as it normalised them), a refusal shows the service's words and keeps the input. */
function settingsGroup(name, heading, build) {
  const id = `group-${name}`;
  const section = h("section", { class: "spam-group", "aria-labelledby": id, "data-group": name });
  const draw = (said = "") => {
    const message = h("p", { role: "status", class: "message" }, said);
    const save = async (changes, done = t("saved")) => {
      message.className = "message";
      message.textContent = "";
      try {
        state.settings = await api("PUT", "/v1/admin/settings", { body: changes });
        const focused = section.contains(document.activeElement);
        draw(done);
        if (focused) section.querySelector("button[type=submit]")?.focus();
      } catch (error) {
        message.className = "message error";
        message.textContent = describe(error);
      }
    };
    const { controls, body, after } = build(state.settings, save);
    replace(
      section,
      h("h3", { id }, heading),
      h("form", { class: "spam-form", onsubmit: (event) => { event.preventDefault(); save(body()); } },
        controls,
        h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("save"))),
      ),
      message,
      after,
    );
  };
  draw();
  return section;
}

function numberInput(name, value, { min, max, step = 1, required = true } = {}) {
  return h("input", { type: "number", name, min, max, step, value: value ?? "", required });
}

function checkbox(label, checked, onchange) {
  const box = h("input", { type: "checkbox", checked, onchange: onchange && ((event) => onchange(event.target.checked)) });
  return { box, label: h("label", { class: "check" }, box, h("span", {}, label)) };
}

/** Domains as typed, one a line (spaces and commas also separate them). */
function domainLines(text) {
  return text.split(/[\s,]+/).map((domain) => domain.trim()).filter(Boolean);
}

function linksGroup(settings) {
  const links = settings.links ?? {};
  const action = h("select", { name: "links_action" }, ["allow", "hold", "hold_for_new_commenters", "reject"].map((value) =>
    h("option", { value, selected: links.action === value }, t(`link_action_${value}`)),
  ));
  const allow = h("textarea", { name: "allow_domains", rows: 4, value: (links.allow_domains ?? []).join("\n"), spellcheck: "false" });
  const deny = h("textarea", { name: "deny_domains", rows: 4, value: (links.deny_domains ?? []).join("\n"), spellcheck: "false" });
  const trusted = numberInput("trusted_after", links.trusted_after, { min: 0, max: 1000 });
  return {
    controls: [field(t("links_action"), action), field(t("allow_domains"), allow), field(t("deny_domains"), deny), field(t("trusted_after"), trusted)],
    body: () => ({
      links: { action: action.value, allow_domains: domainLines(allow.value), deny_domains: domainLines(deny.value), trusted_after: Number(trusted.value) },
    }),
  };
}

function repeatsGroup(settings) {
  const repeats = settings.repeats ?? {};
  const hours = numberInput("same_account_hours", repeats.same_account_hours, { min: 0, max: 720 });
  const accounts = numberInput("coordinated_accounts", repeats.coordinated_accounts, { min: 0, max: 1000 });
  const minutes = numberInput("coordinated_window_minutes", repeats.coordinated_window_minutes, { min: 1, max: 10080 });
  const similarity = numberInput("similarity", repeats.similarity?.toFixed(2), { min: 0.5, max: 1, step: 0.01 });
  return {
    controls: [
      field(t("same_account_hours"), hours),
      field(t("coordinated_accounts"), accounts),
      field(t("coordinated_window_minutes"), minutes),
      field(t("similarity"), similarity),
    ],
    body: () => ({
      repeats: {
        same_account_hours: Number(hours.value),
        coordinated_accounts: Number(accounts.value),
        coordinated_window_minutes: Number(minutes.value),
        similarity: Number(similarity.value),
      },
    }),
  };
}

/** Each cap a number, or none: the "no cap" box, or an empty field, means null. */
function capsGroup(settings) {
  const caps = settings.daily_caps ?? {};
  const rows = ["comments", "replies", "per_article", "reactions"].map((name) => {
    const label = t(`cap_${name}`);
    const input = numberInput(`cap_${name}`, caps[name], { min: 1, max: 10000, required: false });
    input.disabled = caps[name] === null || caps[name] === undefined;
    const off = h("input", {
      type: "checkbox",
      "aria-label": t("no_cap_for", { what: label }),
      checked: input.disabled,
      onchange: (event) => {
        input.disabled = event.target.checked;
        if (!input.disabled) input.focus();
      },
    });
    return { name, input, off, node: h("div", { class: "row" }, field(label, input), h("label", { class: "check" }, off, h("span", { "aria-hidden": "true" }, t("no_cap")))) };
  });
  return {
    controls: rows.map((row) => row.node),
    body: () => ({
      daily_caps: Object.fromEntries(rows.map(({ name, input, off }) => [name, off.checked || input.value === "" ? null : Number(input.value)])),
    }),
  };
}

/** Null turns the check off; its fields keep what was last set (or the product's defaults). */
function historyGroup(settings) {
  const rule = settings.history_hold ?? HISTORY_DEFAULTS;
  const days = numberInput("history_days", rule.days, { min: 1, max: 365 });
  const decided = numberInput("history_min_decided", rule.min_decided, { min: 1, max: 1000 });
  const rate = numberInput("history_rejected_rate", rule.rejected_rate.toFixed(2), { min: 0.01, max: 1, step: 0.01 });
  const inputs = [days, decided, rate];
  const enable = (on) => inputs.forEach((input) => (input.disabled = !on));
  const on = checkbox(t("history_on"), settings.history_hold !== null && settings.history_hold !== undefined, enable);
  enable(on.box.checked);
  return {
    controls: [
      on.label,
      field(t("history_days"), days),
      field(t("history_min_decided"), decided),
      field(t("history_rejected_rate"), rate),
    ],
    body: () => ({
      history_hold: on.box.checked
        ? { days: Number(days.value), min_decided: Number(decided.value), rejected_rate: Number(rate.value) }
        : null,
    }),
  };
}

function cooldownGroup(settings) {
  const minutes = numberInput("new_account_cooldown_minutes", settings.new_account_cooldown_minutes ?? 0, { min: 0, max: 43200 });
  const hours = numberInput("ranking_min_account_age_hours", settings.reactions?.ranking_min_account_age_hours ?? 24, { min: 0, max: 720 });
  const burst = numberInput("burst_reactions", settings.reactions?.burst_reactions ?? 0, { min: 0, max: 10000 });
  const within = numberInput("burst_minutes", settings.reactions?.burst_minutes ?? 10, { min: 1, max: 10080 });
  return {
    controls: [
      field(t("cooldown_minutes"), minutes),
      field(t("ranking_age_hours"), hours),
      field(t("burst_reactions"), burst),
      field(t("burst_minutes"), within),
    ],
    body: () => ({
      new_account_cooldown_minutes: Number(minutes.value),
      reactions: {
        ranking_min_account_age_hours: Number(hours.value),
        burst_reactions: Number(burst.value) >= 2 ? Number(burst.value) : null,
        burst_minutes: Number(within.value),
      },
    }),
  };
}

/** The hook's address, its time-out and what a failure does; the secret is never shown back,
 * so it is asked for when the hook is first set and may be left empty after. Removing the hook
 * takes a second click. Its record of answers follows the form. */
function externalGroup(settings, save) {
  const hook = settings.external_moderation;
  const current = hook ?? EXTERNAL_DEFAULTS;
  const url = h("input", { type: "url", name: "external_url", value: current.url, required: true, size: 48, placeholder: "https://" });
  const secret = h("input", { type: "password", name: "external_secret", autocomplete: "new-password", required: !hook, minlength: 16, maxlength: 200 });
  const timeout = numberInput("external_timeout_ms", current.timeout_ms, { min: 50, max: 5000 });
  const failure = h("select", { name: "external_on_failure" }, ["hold", "pass"].map((value) =>
    h("option", { value, selected: current.on_failure === value }, t(`on_failure_${value}`)),
  ));
  const removal = h("div", { class: "row" });
  const askRemove = () =>
    replace(removal, h("button", { type: "button", onclick: () => {
      replace(removal,
        h("span", { class: "warning" }, t("external_remove_warning")),
        h("button", { type: "button", class: "danger", onclick: () => save({ external_moderation: null }, t("external_removed")) }, t("external_remove_confirm")),
        h("button", { type: "button", onclick: () => { askRemove(); removal.querySelector("button")?.focus(); } }, t("cancel")),
      );
      removal.querySelector("button.danger")?.focus();
    } }, t("external_remove")));
  if (hook) askRemove();
  return {
    controls: [
      h("p", { class: "help" }, t("external_help")),
      !hook && h("p", { class: "empty" }, t("external_none")),
      field(t("external_url"), url),
      field(t(hook ? "external_secret_kept" : "external_secret"), secret),
      field(t("external_timeout"), timeout),
      field(t("external_on_failure"), failure),
    ],
    body: () => ({
      external_moderation: {
        url: url.value.trim(),
        timeout_ms: Number(timeout.value),
        on_failure: failure.value,
        ...(secret.value ? { secret: secret.value } : {}),
      },
    }),
    after: [removal, externalOutcomes()],
  };
}

const OUTCOMES = ["publish", "hold", "reject", "failed_held", "failed_passed"];

/** The hook's answers per day, newest first: a receiver that keeps failing shows here. */
function externalOutcomes() {
  const section = h("section", { class: "outcomes", "aria-labelledby": "outcomes-heading" },
    h("h4", { id: "outcomes-heading" }, t("outcomes_heading")),
    h("p", { class: "loading" }, t("loading")),
  );
  api("GET", "/v1/admin/external-moderation/outcomes")
    .then(({ days }) => {
      const rows = Object.entries(days).sort(([a], [b]) => (a < b ? 1 : -1));
      section.lastChild.replaceWith(
        rows.length
          ? h("table", { class: "audit" },
              h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("outcome_day")), OUTCOMES.map((name) => h("th", { scope: "col" }, t(`outcome_${name}`))))),
              h("tbody", {}, rows.map(([day, counts]) =>
                h("tr", { "data-day": day }, h("th", { scope: "row" }, day), OUTCOMES.map((name) => h("td", {}, counts[name] ?? 0))),
              )),
            )
          : h("p", { class: "empty" }, t("outcomes_empty")),
      );
    })
    .catch((error) => section.lastChild.replaceWith(h("p", { class: "error" }, describe(error))));
  return section;
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

// The model-quality report ---------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
const CHART = { width: 520, height: 280, left: 56, right: 16, top: 24, bottom: 48 };

/** An SVG element, built as `h` builds HTML ones: attributes and children, no markup parsed. */
function svg(tag, attributes = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) el.setAttribute(key, String(value));
  }
  return append(el, ...children);
}

/** A day as `<input type=date>` writes it, in the browser's time zone. */
function dayOf(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The start of a local day, `days` later, as the API reads a time (a bare day would be UTC's). */
function startOfDay(day, days = 0) {
  if (!day) return "";
  const moment = new Date(`${day}T00:00`);
  moment.setDate(moment.getDate() + days);
  return Number.isNaN(moment.getTime()) ? day : moment.toISOString();
}

const share = (value) => (value === null || value === undefined ? "—" : value.toFixed(2));
const area = (value) => (value === null || value === undefined ? "—" : value.toFixed(3));

function renderQuality(main) {
  if (!state.period) {
    const before = new Date();
    before.setDate(before.getDate() - 30);
    state.period = { from: dayOf(before), to: dayOf(new Date()) };
  }
  const from = h("input", { type: "date", name: "from", value: state.period.from });
  const to = h("input", { type: "date", name: "to", value: state.period.to });
  const report = h("div", { id: "quality" });
  const load = async () => {
    state.period = { from: from.value, to: to.value };
    const asked = (state.reportAsked = {}); // a newer period makes this answer stale
    replace(report, h("p", { class: "loading", role: "status" }, t("loading")));
    try {
      const body = await api("GET", "/v1/admin/model-quality", {
        query: { from: startOfDay(from.value), to: startOfDay(to.value, 1) }, // `to` takes in its whole day
      });
      if (state.reportAsked === asked) replace(report, qualityReport(body));
    } catch (error) {
      const detail = error instanceof ApiError && error.body.detail ? error.body.detail : describe(error);
      if (state.reportAsked === asked) replace(report, h("p", { role: "alert", class: "error" }, detail));
    }
  };
  append(
    main,
    h("h1", {}, t("quality_heading")),
    h("p", {}, t("quality_help")),
    h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); load(); } },
      field(t("period_from"), from),
      field(t("period_to"), to),
      h("button", { type: "submit" }, t("show_report")),
    ),
    report,
  );
  load();
}

function qualityReport(report) {
  if (!report.models.length) return h("p", { class: "empty" }, t("quality_empty"));
  const thresholds = Object.entries(report.thresholds).map(([name, value]) => `${name} ${value.toFixed(2)}`).join(", ");
  return [
    h("p", { class: "meta" },
      h("span", {}, t("quality_period", { start: formatTime(report.start, state.language), end: formatTime(report.end, state.language) })),
      h("span", {}, t("quality_thresholds", { thresholds })),
    ),
    report.models.map((model, index) => modelCard(model, index, report.thresholds.toxicity)),
  ];
}

/** One model on one language: its figures (a shadow's beside the served models' on the same
 * comments), the chart, and the comments the model in use let through. */
function modelCard(model, index, hold) {
  const id = `model-${index}`;
  const same = model.served_on_same_comments;
  const columns = same ? [model, same] : [model];
  const row = (name, label, cell) =>
    h("tr", { "data-figure": name }, h("th", { scope: "row" }, label), columns.map((c) => h("td", {}, cell(c))));
  return h(
    "article",
    { class: "model", "aria-labelledby": id, "data-model": model.model_id, "data-role": model.role, "data-language": model.language },
    h("h2", { id }, model.model_id, " ", h("span", { class: "tags" }, `${t(`model_${model.role}`)} · ${model.language}`)),
    h("table", { class: "figures" },
      h("thead", {}, h("tr", {}, h("td"), h("th", { scope: "col" }, t("this_model")), same && h("th", { scope: "col" }, t("served_same")))),
      h("tbody", {},
        row("labelled", t("labelled"), (c) => c.labelled),
        row("abusive", t("abusive"), (c) => c.abusive),
        row("roc_auc", t("roc_auc"), (c) => area(c.roc_auc)),
        row("held", t("held_in_force"), (c) => c.at_thresholds_in_force.held),
        row("precision", t("precision_in_force"), (c) => share(c.at_thresholds_in_force.precision)),
        row("recall", t("recall_in_force"), (c) => share(c.at_thresholds_in_force.recall)),
      ),
    ),
    qualityChart(model, hold, id),
    h("p", { class: "legend" },
      ["precision", "recall"].map((name) => h("span", {}, h("span", { class: `swatch ${name}` }), t(name))),
      hold !== undefined && h("span", {}, h("span", { class: "swatch marker" }), t("chart_hold_legend")),
    ),
    h("details", {},
      h("summary", {}, t("by_threshold")),
      h("table", { class: "audit" },
        h("thead", {}, h("tr", {}, [t("threshold"), t("held"), t("precision"), t("recall")].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, model.by_threshold.map((r) =>
          h("tr", {}, h("td", {}, r.threshold.toFixed(2)), h("td", {}, r.held), h("td", {}, share(r.precision)), h("td", {}, share(r.recall))),
        )),
      ),
    ),
    missesTable(model.misses),
  );
}

/** Precision and recall against the threshold: one path each, broken where a figure is null
 * (nothing held, or nothing abusive), with a dot on each point and a line at the hold threshold. */
function qualityChart(model, hold, id) {
  const { width, height, left, right, top, bottom } = CHART;
  const x = (value) => (left + value * (width - left - right)).toFixed(1);
  const y = (value) => (height - bottom - value * (height - top - bottom)).toFixed(1);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const series = ["precision", "recall"].map((name) => {
    const points = model.by_threshold.map((r) => (r[name] === null ? null : [x(r.threshold), y(r[name])]));
    const d = points.map((p, i) => p && `${points[i - 1] ? "L" : "M"}${p[0]} ${p[1]}`).filter(Boolean).join(" ");
    return svg("g", { class: name },
      svg("path", { class: `series ${name}`, "data-series": name, d }),
      points.filter(Boolean).map(([cx, cy]) => svg("circle", { class: `dot ${name}`, cx, cy, r: 2.5 })),
    );
  });
  const inForce = model.at_thresholds_in_force;
  const description = [
    t("chart_desc"),
    hold !== undefined && t("chart_desc_hold", { value: hold.toFixed(2), precision: share(inForce.precision), recall: share(inForce.recall) }),
  ].filter(Boolean).join(" ");
  return svg(
    "svg",
    { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-desc` },
    svg("title", { id: `${id}-title` }, t("chart_title", { model: model.model_id, language: model.language })),
    svg("desc", { id: `${id}-desc` }, description),
    ticks.map((tick) => [
      svg("line", { class: "grid", x1: left, x2: width - right, y1: y(tick), y2: y(tick) }),
      svg("text", { class: "tick", x: left - 6, y: Number(y(tick)) + 4, "text-anchor": "end" }, tick.toFixed(2)),
      svg("text", { class: "tick", x: x(tick), y: height - bottom + 16, "text-anchor": "middle" }, tick.toFixed(2)),
    ]),
    svg("line", { class: "axis", x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }),
    svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: height - bottom }),
    svg("text", { class: "label", x: (left + width - right) / 2, y: height - 10, "text-anchor": "middle" }, t("chart_x")),
    svg("text", { class: "label", transform: `translate(16 ${(top + height - bottom) / 2}) rotate(-90)`, "text-anchor": "middle" }, t("chart_y")),
    hold !== undefined &&
      svg("g", { class: "marker", "data-threshold": hold },
        svg("line", { x1: x(hold), x2: x(hold), y1: top, y2: height - bottom }),
        svg("text", { x: x(hold), y: top - 8, "text-anchor": "middle" }, t("chart_hold", { value: hold.toFixed(2) })),
      ),
    series,
  );
}

function missesTable(misses) {
  return h("section", { class: "misses" },
    h("h3", {}, t("misses_heading")),
    h("p", {}, t("misses_summary", { count: misses.count, held: misses.held })),
    misses.lowest.length > 0 &&
      h("table", { class: "audit" },
        h("caption", {}, t("misses_lowest", { shown: misses.lowest.length })),
        h("thead", {}, h("tr", {}, [t("comment"), t("score"), t("would_hold")].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, misses.lowest.map((miss) =>
          h("tr", { "data-comment": miss.comment_id },
            h("td", {}, h("button", { type: "button", class: "link", onclick: () => openComment(miss.comment_id) }, `#${miss.comment_id}`)),
            h("td", {}, miss.score.toFixed(3)),
            h("td", {}, t(miss.held ? "yes" : "no")),
          ),
        )),
      ),
  );
}

// Legal notices and appeals ------------------------------------------------------------------

/** A page of cards filtered by status, oldest first, each with its own decision form. */
function renderCases(main, { heading, help, path, statuses, query = (status) => ({ status }), card }) {
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
      const page = await api("GET", path, { query: { ...query(status.value), limit: 20, cursor } });
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
  append(main, h("h1", {}, heading), help && h("p", {}, help), h("div", { class: "filters" }, field(t("status"), status)), message, list, more);
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

// Campaigns -----------------------------------------------------------------------------------

/** How old an account is ("2 hours old"): what gives a campaign's accounts away. */
function accountAge(createdAt, now = Date.now()) {
  const minutes = Math.floor((now - Date.parse(createdAt)) / 60000);
  if (minutes < 1) return t("age_new");
  if (minutes < 60) return minutes === 1 ? t("age_minute") : t("age_minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return hours === 1 ? t("age_hour") : t("age_hours", { n: hours });
  const days = Math.floor(hours / 24);
  return days === 1 ? t("age_day") : t("age_days", { n: days });
}

/** A status in words, or as the API wrote it where there are none. */
function statusWord(prefix, status) {
  const word = t(`${prefix}_${status}`);
  return word === `${prefix}_${status}` ? status : word;
}

/** Why one item of a many-item action was refused (`invalid_transition`), in words. */
function errorWord(code) {
  for (const key of [`refusal_${code}`, `error_${code}`]) {
    const word = t(key);
    if (word !== key) return word;
  }
  return code;
}

function renderCampaigns(main) {
  renderCases(main, {
    heading: t("campaigns_heading"),
    help: t("campaigns_help"),
    path: "/v1/admin/campaigns",
    statuses: ["open", "resolved"],
    query: (status) => ({ resolved: status === "resolved" }),
    card: (campaign) => campaignCard(campaign),
  });
}

/** One campaign: its comments, its accounts with their ages, its articles, and the one action
 * that ends it (after a confirm step), whose outcome then shows on the card. */
function campaignCard(campaign) {
  const card = h("li", { class: "case campaign", "aria-label": t("campaign_n", { id: campaign.id }), "data-campaign": campaign.id });
  const when = (moment) => formatTime(moment, state.language);
  let confirming = false;
  let outcome = null; // {text, refused: [..]} once the action ran
  const end = async (note, button) => {
    button.disabled = true;
    try {
      const ended = await api("POST", `/v1/admin/campaigns/${campaign.id}/reject-and-ban`, { body: { note: note || null } });
      const refused = [
        ...ended.comments.filter((r) => !r.ok).map((r) => t("refused_comment", { id: r.id, error: errorWord(r.error) })),
        ...ended.accounts.filter((r) => !r.ok).map((r) => t("refused_account", { id: r.user_id, error: errorWord(r.error) })),
      ];
      outcome = {
        text: t("reject_and_ban_done", {
          rejected: ended.comments.filter((r) => r.ok).length,
          banned: ended.accounts.filter((r) => r.ok).length,
          refused: refused.length,
        }),
        refused,
      };
      campaign = (await api("GET", `/v1/admin/campaigns/${campaign.id}`).catch(() => null)) ?? campaign;
    } catch (error) {
      outcome = { text: describe(error), refused: [], error: true };
    }
    confirming = false;
    draw();
    card.querySelector(".outcome")?.focus();
  };
  const confirmForm = () => {
    const note = h("input", { name: "note", maxlength: 500 });
    const submit = h("button", { type: "submit", class: "danger" }, t("reject_and_ban_confirm"));
    return h(
      "form",
      { class: "reject-form", onsubmit: (event) => { event.preventDefault(); end(note.value.trim(), submit); } },
      h("p", { class: "warning" }, t("reject_and_ban_warning", { comments: campaign.up_count, accounts: campaign.accounts.filter((a) => a.status !== "banned").length })),
      field(t("note"), note),
      submit,
      h("button", { type: "button", onclick: () => { confirming = false; draw(); card.querySelector("button.danger")?.focus(); } }, t("cancel")),
    );
  };
  const draw = () => {
    const open = !campaign.resolved_at;
    replace(
      card,
      h("h2", {}, t("campaign_n", { id: campaign.id })),
      h("p", { class: "meta" },
        h("span", { class: "counts" }, t("campaign_counts", { count: campaign.comment_count, up: campaign.up_count })),
        h("span", {}, t("campaign_seen", { first: when(campaign.created_at), last: when(campaign.updated_at) })),
        campaign.resolved_at && h("span", {}, t("campaign_resolved_at", { when: when(campaign.resolved_at) })),
      ),
      h("h3", {}, t("campaign_comments")),
      h("ul", { class: "campaign-comments" }, campaign.comments.map((comment) =>
        h("li", { "data-comment": comment.id },
          h("span", { class: `status ${comment.status}` }, statusWord("comment_status", comment.status)),
          " ",
          h("span", { class: "text" }, comment.body),
          " ",
          h("small", {}, comment.author_name, " · ",
            h("button", { type: "button", class: "link", onclick: () => openArticle(comment.article_id) }, comment.article_id),
            " · ", when(comment.created_at)),
        ),
      )),
      h("h3", {}, t("campaign_accounts")),
      h("ul", { class: "campaign-accounts" }, campaign.accounts.map((account) =>
        h("li", { "data-user": account.id },
          h("button", { type: "button", class: "link", onclick: () => openUser(account.id) }, account.status === "erased" ? t("deleted_account") : account.display_name),
          " · ",
          h("span", { class: "age" }, h("time", { datetime: account.created_at, title: when(account.created_at) }, accountAge(account.created_at))),
          account.status !== "active" && [" · ", h("span", { class: `status ${account.status}` }, statusWord("account_status", account.status))],
        ),
      )),
      h("h3", {}, t("campaign_articles")),
      h("ul", { class: "campaign-articles" }, campaign.articles.map((article) =>
        h("li", {}, h("button", { type: "button", class: "link", onclick: () => openArticle(article) }, article)),
      )),
      outcome && h("div", { class: outcome.error ? "outcome error" : "outcome", role: "status", tabindex: -1 },
        h("p", {}, outcome.text),
        outcome.refused.length > 0 && h("ul", { class: "refused" }, outcome.refused.map((line) => h("li", {}, line))),
      ),
      open && !confirming &&
        h("div", { class: "decide" },
          h("button", { type: "button", class: "danger", onclick: () => { confirming = true; draw(); card.querySelector("input[name=note]")?.focus(); } }, t("reject_and_ban")),
        ),
      open && confirming && confirmForm(),
    );
  };
  draw();
  return card;
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
