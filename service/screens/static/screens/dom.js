// Shared by the moderator console and the embedded comment box: building DOM without HTML
// strings (no markup is ever parsed from data, so a comment cannot inject any), counting
// characters as the service does, and talking to the REST API.

/** An element with attributes, properties, listeners and children. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (["value", "checked", "disabled", "selected", "hidden"].includes(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  return append(el, ...children);
}

/** Children may be nodes, text, numbers, nested arrays, or null/false (left out). */
export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, ...children);
}

const segmenter = new Intl.Segmenter();

/** The comment as the service stores it: line breaks unified, NFC, trimmed. */
export function normalise(text) {
  return text.replace(/\r\n?/g, "\n").normalize("NFC").trim();
}

/** What draws nothing (moderation.text.IGNORABLE): the service drops a character made only of
 * these (a Hangul filler between words, a braille blank), so the box does not count it either. */
const DRAWS_NOTHING = /^[\p{Default_Ignorable_Code_Point}\u2800\u{1D159}]+$/u;

/** Characters as a reader counts them (extended grapheme clusters), as the service counts. */
export function countCharacters(text) {
  let count = 0;
  for (const { segment } of segmenter.segment(normalise(text))) {
    if (!DRAWS_NOTHING.test(segment)) count += 1;
  }
  return count;
}

export const COMMENT_LIMIT = 250;

/** An answer the API refused: its status and the `{"error", "detail"}` body. */
export class ApiError extends Error {
  constructor(status, body, headers) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error || "network_error";
    this.body = body || {};
    this.retryAfter = Number(headers?.get("Retry-After")) || this.body.retry_after || null;
  }
}

/** JSON over fetch with the session cookie; writes carry `X-Requested-With` (the service's
 * CSRF check) and may carry an `Idempotency-Key`. */
export function apiClient(base) {
  /** `fresh`: past the browser's cache (revalidated), for what the reader was told changed. */
  return async function call(method, path, { body, query, idempotencyKey, fresh = false } = {}) {
    const url = new URL(base + path);
    for (const [name, value] of Object.entries(query || {})) {
      if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
    }
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-Requested-With"] = "commentmod";
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        credentials: "include",
        cache: fresh ? "no-cache" : "default",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, { error: "network_error", detail: "The service cannot be reached." });
    }
    const json = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, json, response.headers);
    return json;
  };
}

/** `ko` or `en`: the one asked for, else the browser's language. */
export function pickLanguage(asked) {
  if (asked === "ko" || asked === "en") return asked;
  return (navigator.languages || [navigator.language]).some((l) => l?.startsWith("ko"))
    ? "ko"
    : "en";
}

/** A translator over `{en: {...}, ko: {...}}`; `{name}` placeholders are filled in. */
export function translator(texts, language) {
  return (key, values = {}) => {
    const text = texts[language]?.[key] ?? texts.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  };
}

export function formatTime(iso, language) {
  return new Intl.DateTimeFormat(language === "ko" ? "ko-KR" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(iso));
}
