// The comment box under an article:
//   <script type="module" src="https://comments.example.com/embed.js"></script>
//   <commentmod-thread article-id="AEN20261127001" lang="ko"></commentmod-thread>
// Everything lives in a shadow root (no global CSS in or out) and is styled from a constructed
// stylesheet, so the host page's CSP needs no 'unsafe-inline'. Themable with the
// --commentmod-* custom properties (see STYLE).

import {
  COMMENT_LIMIT,
  ApiError,
  apiClient,
  countCharacters,
  formatTime,
  h,
  pickLanguage,
  replace,
  translator,
} from "./screens/dom.js";

const SERVICE = new URL(".", import.meta.url).href.replace(/\/$/, "");
const PAGE_SIZE = 20;
const SORTS = ["newest", "best", "replies", "oldest"];
const EDIT_WINDOW_MS = 5 * 60 * 1000; // the service's default COMMENTMOD_EDIT_WINDOW
const REPORT_REASONS = ["spam", "abuse", "off_topic", "misinformation", "other"];

const TEXTS = {
  en: {
    heading: "Comments",
    count: "{count} comments",
    count_one: "1 comment",
    prompt_connect: "Log in to Twitter or Facebook account to connect.",
    prompt_write: "To write comments, please log in to one of the accounts.",
    provider_twitter: "Log in with X (Twitter)",
    provider_facebook: "Log in with Facebook",
    signed_in_as: "Signed in as {name}",
    sign_out: "Sign out",
    delete_account: "Delete my account",
    leave_text: "Your name, picture, linked accounts, sessions and notifications are deleted at once. This cannot be undone.",
    leave_export: "Download my data first",
    leave_anonymize: "Keep my comments, shown as from a deleted account",
    leave_delete: "Delete my comments too (replies to them stay)",
    leave_confirm: "Delete my account",
    left: "Your account was deleted.",
    left_held_back: "Comments under an open legal notice or appeal ({count}) are deleted once it is settled.",
    deleted_account: "Deleted account",
    deleted_comment: "This comment was deleted.",
    comment: "Comment",
    reply_to: "Reply to {name}",
    placeholder: "Share your thoughts",
    counter: "{count}/250자",
    over_limit: "Your comment is {count} characters; the limit is 250. Shorten it to post.",
    post: "Post",
    reply: "Reply",
    cancel: "Cancel",
    save: "Save",
    edit: "Edit",
    delete: "Delete",
    confirm_delete: "Delete this comment?",
    report: "Report",
    report_reason: "Why are you reporting this comment?",
    send_report: "Send report",
    reported: "Thank you. Moderators will look at it.",
    reason_spam: "Spam",
    reason_abuse: "Abuse or harassment",
    reason_off_topic: "Off topic",
    reason_misinformation: "Misinformation",
    reason_other: "Something else",
    load_more: "Load more",
    new_comments_one: "1 new comment — show",
    new_comments: "{count} new comments — show",
    view_replies_one: "View 1 reply",
    view_replies: "View {count} replies",
    hide_replies: "Hide replies",
    more_replies: "More replies",
    sort_label: "Sort by",
    sort_newest: "Newest",
    sort_oldest: "Oldest",
    sort_best: "Most liked",
    sort_replies: "Most replies",
    badge_staff: "Staff",
    badge_journalist: "Journalist",
    featured: "Editors' pick",
    pinned: "Pinned",
    mute: "Mute",
    confirm_mute: "Hide every comment by {name}? They will not be told.",
    muted: "You muted {name}: their comments are hidden from you.",
    undo: "Undo",
    unmuted: "{name}'s comments are shown again.",
    profile_of: "Comments by {name}",
    profile_totals: "{comments} comments · {likes} likes received",
    profile_hidden: "This reader keeps their comment history private.",
    profile_empty: "No published comments yet.",
    close: "Close",
    hide_history: "Hide my comment history",
    show_history: "Show my comment history",
    history_hidden: "Your comment history is hidden from other readers.",
    history_shown: "Your comment history is public again.",
    no_comments: "No comments yet. Be the first.",
    awaiting_review: "Awaiting review: only you can see this comment until a moderator approves it.",
    not_published: "Not published: {reason}",
    blocked: "Hidden from readers for now after a notice that it infringes someone's rights. You can object; a moderator then decides.",
    edited: "edited",
    replies: "Replies to {name}",
    published: "Your comment is published.",
    held: "Thanks. Your comment is awaiting review.",
    rejected: "Your comment was not published.",
    nudge_title: "Before you post",
    nudge_text:
      "The language in this comment might break our community guidelines. Edit it, or post it as it is: a moderator will review it before anyone else sees it.",
    nudge_edit: "Edit",
    nudge_post_anyway: "Post anyway",
    login_error: "Signing in did not work. Please try again.",
    login_error_account_barred:
      "This account was deleted while it was barred from commenting; it cannot sign in again until the bar ends.",
    // Every refusal, in words.
    error_comment_too_long: "Your comment is {length} characters; the limit is 250.",
    error_comment_empty: "Write something before posting.",
    error_comment_invalid_characters: "Your comment contains characters that cannot be posted.",
    error_rate_limited: "You are posting too fast. Try again in {seconds} seconds.",
    error_duplicate_comment: "You already posted this comment.",
    error_daily_limit_comments: "You can post up to {limit} comments a day.",
    error_daily_limit_replies: "You can post up to {limit} replies a day.",
    error_daily_limit_per_article: "You can post up to {limit} comments on this article a day.",
    error_daily_limit_resets: "You can post again after {time}.",
    error_account_too_new: "New accounts can comment after a short wait: try again in {minutes} minutes.",
    error_account_too_new_one: "New accounts can comment after a short wait: try again in 1 minute.",
    error_article_closed: "Comments on this article are closed.",
    error_user_banned: "Your account is banned from commenting.",
    error_user_suspended: "Your account is suspended from commenting until {until}.",
    error_user_suspended_indefinitely: "Your account is suspended from commenting.",
    error_commenting_disabled: "Commenting is switched off for now. Please try again later.",
    error_not_authenticated: "Please sign in to comment.",
    error_csrf_failed: "This page is not allowed to post comments here.",
    error_parent_unavailable: "The comment you are replying to is no longer available.",
    error_edit_window_closed: "Comments can be edited only for a few minutes after posting.",
    error_already_reported: "You have already reported this comment.",
    error_cannot_report_own: "You cannot report your own comment.",
    error_own_comment: "You cannot react to your own comment.",
    error_daily_limit_reactions: "You can like or dislike up to {limit} comments a day.",
    like: "Like",
    dislike: "Dislike",
    reactions: "Reactions",
    error_comment_not_found: "This comment is no longer available.",
    error_database_unavailable: "Comments are unavailable right now. Please try again shortly.",
    error_network_error: "The comment service cannot be reached. Check your connection.",
    error_other: "Something went wrong: {detail}",
  },
  ko: {
    heading: "댓글",
    count: "댓글 {count}개",
    count_one: "댓글 1개",
    prompt_connect: "트위터 또는 페이스북 계정으로 로그인하세요.",
    prompt_write: "댓글을 쓰려면 계정 중 하나로 로그인해 주세요.",
    provider_twitter: "X(트위터)로 로그인",
    provider_facebook: "페이스북으로 로그인",
    signed_in_as: "{name} 님으로 로그인됨",
    sign_out: "로그아웃",
    delete_account: "회원 탈퇴",
    leave_text: "이름, 사진, 연결된 계정, 로그인 세션과 알림이 바로 삭제됩니다. 되돌릴 수 없습니다.",
    leave_export: "먼저 내 데이터 내려받기",
    leave_anonymize: "내 댓글은 '탈퇴한 회원'의 댓글로 남기기",
    leave_delete: "내 댓글도 삭제하기 (답글은 남습니다)",
    leave_confirm: "탈퇴하기",
    left: "탈퇴가 완료되었습니다.",
    left_held_back: "법적 신고나 이의 제기가 진행 중인 댓글 {count}개는 처리가 끝나면 삭제됩니다.",
    deleted_account: "탈퇴한 회원",
    deleted_comment: "삭제된 댓글입니다.",
    comment: "댓글",
    reply_to: "{name} 님에게 답글",
    placeholder: "의견을 남겨 주세요",
    counter: "{count}/250자",
    over_limit: "댓글이 {count}자입니다. 250자 이하로 줄여야 게시할 수 있습니다.",
    post: "게시",
    reply: "답글",
    cancel: "취소",
    save: "저장",
    edit: "수정",
    delete: "삭제",
    confirm_delete: "이 댓글을 삭제할까요?",
    report: "신고",
    report_reason: "이 댓글을 신고하는 이유는 무엇인가요?",
    send_report: "신고하기",
    reported: "감사합니다. 운영자가 확인하겠습니다.",
    reason_spam: "스팸",
    reason_abuse: "욕설·괴롭힘",
    reason_off_topic: "주제와 무관",
    reason_misinformation: "허위 정보",
    reason_other: "기타",
    load_more: "더 보기",
    new_comments_one: "새 댓글 1개 — 보기",
    new_comments: "새 댓글 {count}개 — 보기",
    view_replies_one: "답글 1개 보기",
    view_replies: "답글 {count}개 보기",
    hide_replies: "답글 숨기기",
    more_replies: "답글 더 보기",
    sort_label: "정렬",
    sort_newest: "최신순",
    sort_oldest: "과거순",
    sort_best: "공감순",
    sort_replies: "답글순",
    badge_staff: "운영진",
    badge_journalist: "기자",
    featured: "에디터 추천",
    pinned: "고정된 댓글",
    mute: "차단",
    confirm_mute: "{name} 님의 댓글을 모두 숨길까요? 상대방에게는 알리지 않습니다.",
    muted: "{name} 님을 차단했습니다. 이제 이 독자의 댓글이 보이지 않습니다.",
    undo: "되돌리기",
    unmuted: "{name} 님의 댓글이 다시 보입니다.",
    profile_of: "{name} 님의 댓글",
    profile_totals: "댓글 {comments}개 · 받은 공감 {likes}개",
    profile_hidden: "이 독자는 댓글 기록을 공개하지 않습니다.",
    profile_empty: "아직 게시된 댓글이 없습니다.",
    close: "닫기",
    hide_history: "내 댓글 기록 숨기기",
    show_history: "내 댓글 기록 공개하기",
    history_hidden: "내 댓글 기록이 다른 독자에게 보이지 않습니다.",
    history_shown: "내 댓글 기록이 다시 공개됩니다.",
    no_comments: "아직 댓글이 없습니다. 첫 댓글을 남겨 보세요.",
    awaiting_review: "검토 대기 중: 운영자가 승인할 때까지 본인에게만 보입니다.",
    not_published: "게시되지 않음: {reason}",
    blocked: "권리 침해 신고에 따라 임시로 다른 독자에게 가려졌습니다(임시조치). 이의를 제기하면 운영자가 결정합니다.",
    edited: "수정됨",
    replies: "{name} 님의 댓글에 대한 답글",
    published: "댓글이 게시되었습니다.",
    held: "감사합니다. 댓글이 검토를 기다리고 있습니다.",
    rejected: "댓글이 게시되지 않았습니다.",
    nudge_title: "게시하기 전에",
    nudge_text:
      "이 댓글의 표현이 커뮤니티 가이드라인에 어긋날 수 있습니다. 수정하거나 그대로 게시할 수 있으며, 그대로 게시하면 운영자가 검토한 뒤에 다른 사람에게 보입니다.",
    nudge_edit: "수정",
    nudge_post_anyway: "그래도 게시",
    login_error: "로그인하지 못했습니다. 다시 시도해 주세요.",
    login_error_account_barred:
      "댓글 작성이 제한된 상태에서 탈퇴한 계정이라 제한 기간이 끝날 때까지 다시 로그인할 수 없습니다.",
    error_comment_too_long: "댓글이 {length}자입니다. 250자까지 쓸 수 있습니다.",
    error_comment_empty: "내용을 입력한 뒤 게시해 주세요.",
    error_comment_invalid_characters: "게시할 수 없는 문자가 들어 있습니다.",
    error_rate_limited: "너무 빨리 게시하고 있습니다. {seconds}초 뒤에 다시 시도해 주세요.",
    error_duplicate_comment: "이미 같은 댓글을 올렸습니다.",
    error_daily_limit_comments: "하루 최대 {limit}개의 댓글을 작성할 수 있습니다.",
    error_daily_limit_replies: "하루 최대 {limit}개의 답글을 작성할 수 있습니다.",
    error_daily_limit_per_article: "이 기사에는 하루 최대 {limit}개의 댓글을 작성할 수 있습니다.",
    error_daily_limit_resets: "{time} 이후에 다시 작성할 수 있습니다.",
    error_account_too_new: "새 계정은 잠시 후 댓글을 작성할 수 있습니다. {minutes}분 후 다시 시도해 주세요.",
    error_account_too_new_one: "새 계정은 잠시 후 댓글을 작성할 수 있습니다. 1분 후 다시 시도해 주세요.",
    error_article_closed: "이 기사는 댓글이 마감되었습니다.",
    error_user_banned: "이 계정은 댓글 작성이 금지되었습니다.",
    error_user_suspended: "이 계정은 {until}까지 댓글 작성이 정지되었습니다.",
    error_user_suspended_indefinitely: "이 계정은 댓글 작성이 정지되었습니다.",
    error_commenting_disabled: "지금은 댓글 작성이 중단되었습니다. 잠시 후 다시 시도해 주세요.",
    error_not_authenticated: "댓글을 쓰려면 로그인해 주세요.",
    error_csrf_failed: "이 페이지에서는 댓글을 게시할 수 없습니다.",
    error_parent_unavailable: "답글을 달려는 댓글을 더 이상 볼 수 없습니다.",
    error_edit_window_closed: "댓글은 게시 후 몇 분 안에만 수정할 수 있습니다.",
    error_already_reported: "이미 신고한 댓글입니다.",
    error_cannot_report_own: "본인 댓글은 신고할 수 없습니다.",
    error_own_comment: "본인 댓글에는 공감할 수 없습니다.",
    error_daily_limit_reactions: "하루 최대 {limit}개의 댓글에 공감 또는 비공감할 수 있습니다.",
    like: "공감",
    dislike: "비공감",
    reactions: "공감/비공감",
    error_comment_not_found: "더 이상 볼 수 없는 댓글입니다.",
    error_database_unavailable: "지금은 댓글을 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.",
    error_network_error: "댓글 서비스에 연결할 수 없습니다. 연결을 확인해 주세요.",
    error_other: "문제가 생겼습니다: {detail}",
  },
};

const STYLE = `
:host {
  display: block;
  font: var(--commentmod-font, 1rem/1.5 system-ui, sans-serif);
  color: var(--commentmod-text, #1d1d1f);
  background: var(--commentmod-background, transparent);
  --accent: var(--commentmod-accent, #0b57d0);
  --muted: var(--commentmod-muted, #5f6368);
  --border: var(--commentmod-border, #d0d4da);
  --danger: var(--commentmod-danger, #b3261e);
  --radius: var(--commentmod-radius, 6px);
}
* { box-sizing: border-box; }
h2 { font-size: 1.15em; margin: 0 0 .75em; }
p { margin: .25em 0; }
button, .button {
  font: inherit; cursor: pointer; border-radius: var(--radius); padding: .35em .9em;
  border: 1px solid var(--border); background: transparent; color: inherit; text-decoration: none;
  display: inline-block;
}
button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
.comment.deleted > .body { color: var(--muted); font-style: italic; }
button:disabled { opacity: .5; cursor: not-allowed; }
button:focus-visible, a:focus-visible, textarea:focus-visible, select:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px;
}
button.link { border: none; padding: .1em .3em; color: var(--muted); }
.providers { display: flex; gap: .5em; flex-wrap: wrap; margin: .5em 0 1em; }
.who { display: flex; justify-content: space-between; align-items: center; color: var(--muted); }
form.write { margin: .5em 0 1.25em; }
label.visually-hidden, .visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}
textarea {
  width: 100%; min-height: 5.5em; font: inherit; padding: .5em; resize: vertical;
  border: 1px solid var(--border); border-radius: var(--radius); color: inherit; background: transparent;
}
.bar { display: flex; justify-content: space-between; align-items: center; gap: 1em; margin-top: .35em; }
.counter { color: var(--muted); font-variant-numeric: tabular-nums; }
.counter.over { color: var(--danger); font-weight: 600; }
.message { margin: .5em 0; }
.error { color: var(--danger); }
ol.comments, ol.replies { list-style: none; padding: 0; margin: 0; }
ol.replies { margin-left: 1.5em; border-left: 2px solid var(--border); padding-left: .75em; }
li.comment { padding: .75em 0; border-top: 1px solid var(--border); }
ol.replies li.comment { border-top: none; padding-bottom: .25em; }
.meta { color: var(--muted); font-size: .9em; display: flex; gap: .75em; flex-wrap: wrap; }
.author { font-weight: 600; color: var(--commentmod-text, #1d1d1f); }
button.author.link { padding: 0; color: var(--commentmod-text, #1d1d1f); font-weight: 600; }
dialog.profile { max-width: 36em; max-height: 80vh; overflow: auto; }
.tag { font-size: .85em; padding: 0 .45em; border-radius: var(--radius); border: 1px solid var(--border); }
.tag.badge, .tag.featured { border-color: var(--accent); color: var(--accent); }
li.comment.pinned, li.comment.featured { background: var(--commentmod-highlight, rgb(11 87 208 / .04)); }
.body { white-space: pre-wrap; overflow-wrap: anywhere; margin: .25em 0; }
.notice { font-size: .9em; color: var(--muted); background: var(--commentmod-notice, #f1f3f4); padding: .25em .5em; border-radius: var(--radius); }
.actions { display: flex; gap: .25em; flex-wrap: wrap; }
.reactions { display: flex; gap: .5em; font-size: .9em; color: var(--muted); }
button.reaction { padding: .1em .6em; }
button.reaction[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); font-weight: 600; }
dialog { border: 1px solid var(--border); border-radius: var(--radius); max-width: 28em; color: inherit; background: var(--commentmod-dialog, #fff); }
dialog::backdrop { background: rgb(0 0 0 / .35); }
dialog .actions { justify-content: flex-end; margin-top: 1em; }
select { font: inherit; padding: .25em; }
`;

/** The reader's own clock time of a moment ("00:00"), as a daily cap's reset is told. */
function clockTime(iso, language) {
  return new Intl.DateTimeFormat(language === "ko" ? "ko-KR" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(iso));
}

const sheet = new CSSStyleSheet();
sheet.replaceSync(STYLE);

class CommentThread extends HTMLElement {
  static observedAttributes = ["article-id", "lang", "api"];

  constructor() {
    super();
    this.attachShadow({ mode: "open" }).adoptedStyleSheets = [sheet];
    this.content = h("div");
    this.shadowRoot.append(this.content); // dialogs sit beside it and outlive a redraw
    this.generation = 0;
    this.comments = new Map();
    this.order = []; // the comments that start a conversation, in the page's order
    this.threads = new Map(); // comment id -> { ids, cursor, open }: its replies as loaded
    this.cursor = null;
    this.sort = "newest";
    this.me = null;
    this.message = null;
    this.replyingTo = null;
    this.editing = null;
  }

  connectedCallback() {
    this.scheduleLoad();
  }

  disconnectedCallback() {
    this.live?.close();
    this.live = null;
  }

  /** The article's live events: the count as it changes, and comments published since the
   * list was loaded, announced ("3 new comments — show") rather than pushed into the list
   * under the reader's eyes. EventSource reconnects by itself after a drop. */
  listen() {
    this.live?.close();
    this.pending = new Set();
    if (typeof EventSource === "undefined") return;
    const live = new EventSource(`${this.base}/v1/articles/${encodeURIComponent(this.articleId)}/events`);
    live.addEventListener("count", (event) => {
      this.count = JSON.parse(event.data).count;
      this.render();
    });
    live.addEventListener("comment.created", (event) => {
      const { id, parent_id: parentId } = JSON.parse(event.data);
      if (this.comments.has(id)) return;
      if (parentId) {
        const parent = this.comments.get(parentId);
        const thread = this.threads.get(parentId);
        if (parent && !thread?.ids.includes(id)) parent.reply_count = (parent.reply_count || 0) + 1;
      } else {
        this.pending.add(id);
      }
      this.render();
    });
    this.live = live;
  }

  /** Whether the live stream carries the count: then it alone sets it (its event may come
   * before or after the answer to the reader's own post). */
  hearsCounts() {
    return this.live?.readyState === EventSource.OPEN;
  }

  /** Shows the comments announced live: the list starts again from its first page. */
  async showNew() {
    this.pending.clear();
    await this.changeSort(this.sort, { fresh: true });
    this.shadowRoot.querySelector("ol.comments li.comment")?.setAttribute("tabindex", "-1");
    this.shadowRoot.querySelector("ol.comments li.comment")?.focus();
  }

  attributeChangedCallback(_, before, after) {
    if (this.isConnected && before !== after) this.scheduleLoad();
  }

  /** One load for the attributes set together (a template sets them all at once). */
  scheduleLoad() {
    if (this.loadPending) return;
    this.loadPending = true;
    queueMicrotask(() => {
      this.loadPending = false;
      this.load();
    });
  }

  get articleId() {
    return this.getAttribute("article-id") || "";
  }

  async load() {
    const generation = ++this.generation; // an older load still in flight drops its answers
    this.language = pickLanguage(this.getAttribute("lang"));
    this.t = translator(TEXTS, this.language);
    this.base = (this.getAttribute("api") || SERVICE).replace(/\/$/, "");
    this.api = apiClient(this.base);
    this.comments.clear();
    this.order = [];
    this.threads.clear();
    this.cursor = null;
    this.replyingTo = this.editing = this.draftKey = this.editDraft = null;
    this.draft = "";
    const loginError = new URL(location.href).searchParams.get("login_error");
    const loginText = loginError === "account_barred" ? "login_error_account_barred" : "login_error";
    this.message = loginError ? { text: this.t(loginText), error: true } : null;
    this.render();
    const [me, providers, count] = await Promise.all([
      this.api("GET", "/v1/me").catch(() => null),
      this.api("GET", "/v1/auth/providers").catch(() => ({ providers: [] })),
      this.api("GET", `/v1/articles/${encodeURIComponent(this.articleId)}/comments/count`).catch(
        () => null,
      ),
    ]);
    if (generation !== this.generation) return;
    this.me = me;
    this.providers = providers.providers;
    this.count = count?.count ?? null;
    this.listen();
    await this.loadMore(generation);
  }

  async loadMore(generation = this.generation, { fresh = false } = {}) {
    try {
      const page = await this.api("GET", `/v1/articles/${encodeURIComponent(this.articleId)}/comments`, {
        query: { limit: PAGE_SIZE, cursor: this.cursor, sort: this.sort, top_level: true },
        fresh,
      });
      if (generation !== this.generation) return;
      for (const comment of page.items) this.remember(comment);
      this.cursor = page.next_cursor;
    } catch (error) {
      this.message = { text: this.describe(error), error: true };
    }
    this.render();
  }

  /** Another order: the list starts again from its first page (a cursor continues only the
   * order it came from). */
  async changeSort(sort, { fresh = false } = {}) {
    this.sort = sort;
    const generation = ++this.generation;
    this.comments.clear();
    this.order = [];
    this.threads.clear();
    this.cursor = null;
    await this.loadMore(generation, { fresh });
    this.shadowRoot.querySelector("select[name=sort]")?.focus();
  }

  /** Opens a comment's replies (their first page when none is loaded yet), or closes them. */
  async toggleReplies(comment) {
    const thread = this.threads.get(comment.id);
    if (thread?.open) {
      thread.open = false;
      this.render();
      return;
    }
    if (thread) {
      thread.open = true;
      this.render();
      return;
    }
    await this.moreReplies(comment.id);
  }

  async moreReplies(parentId) {
    const thread = this.threads.get(parentId) || { ids: [], cursor: null, open: true };
    try {
      const page = await this.api("GET", `/v1/comments/${parentId}/replies`, {
        query: { limit: PAGE_SIZE, cursor: thread.cursor },
      });
      for (const reply of page.items) {
        if (!this.comments.has(reply.id)) thread.ids.push(reply.id);
        this.comments.set(reply.id, reply);
      }
      thread.cursor = page.next_cursor;
      thread.open = true;
      this.threads.set(parentId, thread);
    } catch (error) {
      this.message = { text: this.describe(error), error: true };
    }
    this.render();
  }

  remember(comment, { first = false } = {}) {
    if (comment.parent_id) {
      // a reply just written: at the end of its open thread
      const thread = this.threads.get(comment.parent_id) || { ids: [], cursor: null, open: true };
      if (!this.comments.has(comment.id)) thread.ids.push(comment.id);
      thread.open = true;
      this.threads.set(comment.parent_id, thread);
      this.comments.set(comment.id, comment);
      return;
    }
    if (!this.comments.has(comment.id)) {
      if (first) this.order.unshift(comment.id);
      else this.order.push(comment.id);
    }
    this.comments.set(comment.id, comment);
  }

  /** A refusal in the reader's words, with the numbers it carries. */
  describe(error) {
    if (!(error instanceof ApiError)) return this.t("error_other", { detail: String(error) });
    const body = error.body;
    switch (error.code) {
      case "comment_too_long":
        return this.t("error_comment_too_long", { length: body.length ?? "" });
      case "rate_limited":
        return this.t("error_rate_limited", { seconds: error.retryAfter ?? 60 });
      case "daily_limit_reached": {
        const scope = ["comments", "replies", "per_article", "reactions"].includes(body.scope) ? body.scope : "comments";
        const limit = this.t(`error_daily_limit_${scope}`, { limit: body.limit ?? "" });
        const resets = body.resets_at ? this.t("error_daily_limit_resets", { time: clockTime(body.resets_at, this.language) }) : "";
        return [limit, resets].filter(Boolean).join(" ");
      }
      case "account_too_new": {
        const minutes = Math.max(1, Math.ceil((body.retry_after ?? error.retryAfter ?? 60) / 60));
        return minutes === 1 ? this.t("error_account_too_new_one") : this.t("error_account_too_new", { minutes });
      }
      case "user_suspended":
        return body.until
          ? this.t("error_user_suspended", { until: formatTime(body.until, this.language) })
          : this.t("error_user_suspended_indefinitely");
      case "service_unavailable":
        return this.t("error_database_unavailable");
      default: {
        const text = this.t(`error_${error.code}`);
        return text === `error_${error.code}` ? this.t("error_other", { detail: error.message }) : text;
      }
    }
  }

  say(text, error = false) {
    this.message = { text, error };
    this.render();
  }

  // Writing ----------------------------------------------------------------------------------

  async post(textarea, { acknowledge = false, key }) {
    const body = textarea.value;
    const parentId = this.replyingTo;
    try {
      const comment = await this.api("POST", `/v1/articles/${encodeURIComponent(this.articleId)}/comments`, {
        body: { body, parent_id: parentId, acknowledge_toxicity: acknowledge },
        idempotencyKey: key,
      });
      this.remember(comment, { first: true });
      this.pending?.delete(comment.id); // announced live before the answer came
      this.replyingTo = null;
      this.draft = "";
      this.draftKey = null;
      if (comment.status === "published" && !this.hearsCounts()) this.count = (this.count ?? 0) + 1;
      this.say(this.t(comment.status === "published" ? "published" : comment.status === "held" ? "held" : "rejected"));
    } catch (error) {
      if (error.code === "toxic_comment") {
        this.draft = body;
        this.nudge(() => this.post(textarea, { acknowledge: true, key: crypto.randomUUID() }));
        return;
      }
      this.draft = body;
      this.say(this.describe(error), true);
    }
  }

  /** The warning on a comment that may break the guidelines: back to editing, or `postAnyway`. */
  nudge(postAnyway) {
    const dialog = h(
      "dialog",
      { "aria-labelledby": "nudge-title", "aria-describedby": "nudge-text" },
      h("h2", { id: "nudge-title" }, this.t("nudge_title")),
      h("p", { id: "nudge-text" }, this.t("nudge_text")),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: () => dialog.close("edit") }, this.t("nudge_edit")),
        h(
          "button",
          { type: "button", class: "primary", onclick: () => dialog.close("post") },
          this.t("nudge_post_anyway"),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (dialog.returnValue === "post") postAnyway();
      else this.shadowRoot.querySelector("textarea")?.focus();
    });
    this.shadowRoot.append(dialog);
    dialog.showModal();
  }

  writeForm({ parent = null } = {}) {
    const t = this.t;
    const label = parent ? t("reply_to", { name: this.authorName(parent) }) : t("comment");
    const textarea = h("textarea", { name: "body", "aria-label": label, placeholder: t("placeholder") });
    textarea.value = this.draft || "";
    const counter = h("span", { class: "counter", "aria-live": "polite" });
    const why = h("p", { class: "error", role: "status" });
    const submit = h("button", { type: "submit", class: "primary" }, t("post"));
    const update = () => {
      const count = countCharacters(textarea.value);
      counter.textContent = t("counter", { count });
      const over = count > COMMENT_LIMIT;
      counter.classList.toggle("over", over);
      why.textContent = over ? t("over_limit", { count }) : "";
      submit.disabled = over || count === 0;
      this.draft = textarea.value;
    };
    textarea.addEventListener("input", () => {
      this.draftKey = null; // another text is another request
      update();
    });
    update();
    return h(
      "form",
      {
        class: "write",
        onsubmit: (event) => {
          event.preventDefault();
          // One key per draft: a post retried after a lost answer is not stored twice.
          this.draftKey ||= crypto.randomUUID();
          if (!submit.disabled) this.post(textarea, { key: this.draftKey });
        },
      },
      textarea,
      why,
      h(
        "div",
        { class: "bar" },
        counter,
        h(
          "span",
          { class: "actions" },
          parent && h("button", { type: "button", onclick: () => { this.replyingTo = null; this.draft = ""; this.render(); } }, t("cancel")),
          submit,
        ),
      ),
    );
  }

  // Own comments and reports -----------------------------------------------------------------

  async saveEdit(comment, textarea, acknowledge = false) {
    try {
      const edited = await this.api("PATCH", `/v1/comments/${comment.id}`, {
        body: { body: textarea.value, acknowledge_toxicity: acknowledge },
      });
      this.comments.set(comment.id, edited);
      this.editing = null;
      this.message = null;
      this.render();
    } catch (error) {
      if (error.code === "toxic_comment") this.nudge(() => this.saveEdit(comment, textarea, true));
      else this.say(this.describe(error), true);
    }
  }

  async remove(comment) {
    if (!confirm(this.t("confirm_delete"))) return;
    try {
      await this.api("DELETE", `/v1/comments/${comment.id}`);
      this.comments.delete(comment.id);
      this.order = this.order.filter((id) => id !== comment.id);
      for (const thread of this.threads.values()) thread.ids = thread.ids.filter((id) => id !== comment.id);
      const parent = comment.parent_id && this.comments.get(comment.parent_id);
      if (parent && comment.status === "published") parent.reply_count = Math.max(0, (parent.reply_count || 0) - 1);
      if (comment.status === "published" && !this.hearsCounts()) this.count = Math.max(0, (this.count ?? 1) - 1);
      this.render();
    } catch (error) {
      this.say(this.describe(error), true);
    }
  }

  /** Hides the author's comments from this reader, here and on every page after. */
  async mute(comment) {
    const name = this.authorName(comment);
    if (!confirm(this.t("confirm_mute", { name }))) return;
    try {
      await this.api("PUT", `/v1/me/muted/${comment.author.id}`);
      const theirs = (id) => this.comments.get(id)?.author.id === comment.author.id;
      this.order = this.order.filter((id) => !theirs(id));
      for (const thread of this.threads.values()) thread.ids = thread.ids.filter((id) => !theirs(id));
      this.message = { text: this.t("muted", { name }), action: { label: this.t("undo"), run: () => this.unmute(comment.author.id, name) } };
      this.render();
      this.shadowRoot.querySelector(".message button")?.focus();
    } catch (error) {
      this.say(this.describe(error), true);
    }
  }

  async unmute(userId, name) {
    try {
      await this.api("DELETE", `/v1/me/muted/${userId}`);
      this.comments.clear();
      this.order = [];
      this.threads.clear();
      this.cursor = null;
      this.message = { text: this.t("unmuted", { name }) };
      await this.loadMore();
    } catch (error) {
      this.say(this.describe(error), true);
    }
  }

  /** A commenter's public page in a dialog: their totals and latest comments. */
  async showProfile(comment) {
    const t = this.t;
    const name = this.authorName(comment);
    let found;
    try {
      found = await this.api("GET", `/v1/users/${comment.author.id}/comments`, { query: { limit: 10 } });
    } catch (error) {
      this.say(this.describe(error), true);
      return;
    }
    const body = found.hidden
      ? h("p", {}, t("profile_hidden"))
      : [
          h("p", { class: "meta" }, t("profile_totals", { comments: found.totals.comments, likes: found.totals.likes_received })),
          found.items.length
            ? h("ol", { class: "comments" }, found.items.map((item) => h("li", { class: "comment" },
                h("p", { class: "meta" }, h("time", { datetime: item.created_at }, formatTime(item.created_at, this.language))),
                h("p", { class: "body" }, item.body),
              )))
            : h("p", {}, t("profile_empty")),
        ];
    const dialog = h(
      "dialog",
      { "aria-labelledby": "profile-title", class: "profile" },
      h("h2", { id: "profile-title" }, t("profile_of", { name })),
      body,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => dialog.close() }, t("close"))),
    );
    dialog.addEventListener("close", () => dialog.remove());
    this.shadowRoot.append(dialog);
    dialog.showModal();
  }

  async toggleHistory() {
    const hidden = !this.me.history_hidden;
    try {
      await this.api("PUT", "/v1/me/history", { body: { hidden } });
      this.me = { ...this.me, history_hidden: hidden };
      this.say(this.t(hidden ? "history_hidden" : "history_shown"));
    } catch (error) {
      this.say(this.describe(error), true);
    }
  }

  report(comment) {
    const t = this.t;
    const reason = h(
      "select",
      { "aria-label": t("report_reason") },
      REPORT_REASONS.map((name) => h("option", { value: name }, t(`reason_${name}`))),
    );
    const dialog = h(
      "dialog",
      { "aria-label": t("report") },
      h("form", { method: "dialog" },
        h("p", {}, h("label", {}, t("report_reason"), h("br"), reason)),
        h("div", { class: "actions" },
          h("button", { value: "cancel" }, t("cancel")),
          h("button", { value: "send", class: "primary" }, t("send_report")),
        ),
      ),
    );
    dialog.addEventListener("close", async () => {
      dialog.remove();
      if (dialog.returnValue !== "send") return;
      try {
        await this.api("POST", `/v1/comments/${comment.id}/reports`, { body: { reason: reason.value } });
        this.say(t("reported"));
      } catch (error) {
        this.say(this.describe(error), true);
      }
    });
    this.shadowRoot.append(dialog);
    dialog.showModal();
  }

  // Rendering --------------------------------------------------------------------------------

  render() {
    const t = this.t;
    const root = this.content;
    const keepFocus = this.shadowRoot.activeElement?.name === "body";
    const heading = this.count === null || this.count === undefined
      ? t("heading")
      : this.count === 1 ? t("count_one") : t("count", { count: this.count });
    const parts = [h("h2", {}, heading)];
    if (this.me) {
      parts.push(
        h("p", { class: "who" },
          t("signed_in_as", { name: this.me.display_name }),
          h("span", {},
            h("button", { type: "button", class: "link", onclick: () => this.signOut() }, t("sign_out")),
            h("button", { type: "button", class: "link", onclick: () => this.toggleHistory() }, t(this.me.history_hidden ? "show_history" : "hide_history")),
            h("button", { type: "button", class: "link", onclick: () => this.leave() }, t("delete_account")),
          ),
        ),
      );
      if (this.replyingTo === null && this.editing === null) parts.push(this.writeForm());
    } else if (this.providers) {
      const back = new URL(location.href);
      back.searchParams.delete("login_error");
      parts.push(
        h("p", {}, t("prompt_connect")),
        h("p", {}, t("prompt_write")),
        h("p", { class: "providers" },
          this.providers.map((provider) => {
            const login = new URL(provider.login_url);
            if (!["https:", "http:"].includes(login.protocol)) return null;
            login.searchParams.set("next", back.href);
            return h("a", { class: "button", href: login.href }, t(`provider_${provider.name}`));
          }),
        ),
      );
    }
    if (this.message) {
      const action = this.message.action;
      parts.push(h("p", { class: `message${this.message.error ? " error" : ""}`, role: this.message.error ? "alert" : "status" },
        this.message.text,
        action && " ",
        action && h("button", { type: "button", class: "link", onclick: action.run }, action.label),
      ));
    }
    const top = this.order.map((id) => this.comments.get(id));
    const waiting = this.pending?.size || 0;
    parts.push(h("p", { class: "live", role: "status" },
      waiting > 0 && h("button", { type: "button", onclick: () => this.showNew() },
        waiting === 1 ? t("new_comments_one") : t("new_comments", { count: waiting })),
    ));
    if (top.length || this.sort !== "newest") {
      parts.push(
        h("p", { class: "sort" },
          h("label", {}, t("sort_label"), " ",
            h("select", { name: "sort", onchange: (event) => this.changeSort(event.target.value) },
              SORTS.map((name) => h("option", { value: name, selected: name === this.sort }, t(`sort_${name}`))),
            ),
          ),
        ),
      );
    }
    parts.push(
      top.length
        ? h("ol", { class: "comments" }, top.map((c) => this.renderComment(c)))
        : this.providers && h("p", { class: "empty" }, t("no_comments")),
    );
    if (this.cursor) parts.push(h("button", { type: "button", onclick: () => this.loadMore() }, t("load_more")));
    replace(root, ...parts);
    if (keepFocus) root.querySelector("textarea")?.focus();
  }

  renderComment(comment) {
    const t = this.t;
    const replyList = () => this.renderThread(comment);
    if (comment.status === "deleted") {
      return h("li", { class: "comment deleted", "data-id": comment.id },
        h("p", { class: "body" }, t("deleted_comment")),
        replyList(),
      );
    }
    const own = this.me && comment.author.id === this.me.id;
    const editable = own && Date.now() - Date.parse(comment.created_at) < EDIT_WINDOW_MS;
    let body;
    if (this.editing === comment.id) {
      const textarea = h("textarea", { "aria-label": t("edit") });
      textarea.value = this.editDraft ?? comment.body; // a refused edit keeps its text
      textarea.addEventListener("input", () => (this.editDraft = textarea.value));
      body = h("form", { onsubmit: (e) => { e.preventDefault(); this.saveEdit(comment, textarea); } },
        textarea,
        h("div", { class: "actions" },
          h("button", { type: "button", onclick: () => { this.editing = null; this.render(); } }, t("cancel")),
          h("button", { type: "submit", class: "primary" }, t("save")),
        ),
      );
    } else {
      body = h("p", { class: "body" }, comment.body);
    }
    const highlight = comment.pinned ? " pinned" : comment.featured ? " featured" : "";
    return h(
      "li",
      { class: `comment${highlight}`, "data-id": comment.id },
      h("p", { class: "meta" },
        comment.author.id
          ? h("button", { type: "button", class: "author link", onclick: () => this.showProfile(comment) }, this.authorName(comment))
          : h("span", { class: "author" }, this.authorName(comment)),
        ["staff", "journalist"].includes(comment.author.badge) && h("span", { class: "tag badge" }, t(`badge_${comment.author.badge}`)),
        comment.pinned && h("span", { class: "tag pinned" }, t("pinned")),
        comment.featured && h("span", { class: "tag featured" }, t("featured")),
        h("time", { datetime: comment.created_at }, formatTime(comment.created_at, this.language)),
        comment.edited_at && h("span", {}, t("edited")),
      ),
      comment.status === "held" && h("p", { class: "notice" }, t("awaiting_review")),
      comment.status === "rejected" && h("p", { class: "notice" }, t("not_published", { reason: comment.status_reason || "" })),
      comment.status === "blocked" && h("p", { class: "notice" }, t("blocked")),
      body,
      comment.status === "published" && this.reactionBar(comment, own),
      this.me && this.editing !== comment.id && h("p", { class: "actions" },
        comment.status === "published" && !comment.parent_id &&
          h("button", { type: "button", class: "link", onclick: () => { this.replyingTo = comment.id; this.draft = ""; this.render(); } }, t("reply")),
        editable && h("button", { type: "button", class: "link", onclick: () => { this.editing = comment.id; this.editDraft = null; this.render(); } }, t("edit")),
        own && h("button", { type: "button", class: "link", onclick: () => this.remove(comment) }, t("delete")),
        !own && h("button", { type: "button", class: "link", onclick: () => this.report(comment) }, t("report")),
        !own && comment.author.id && h("button", { type: "button", class: "link", onclick: () => this.mute(comment) }, t("mute")),
      ),
      this.replyingTo === comment.id && this.writeForm({ parent: comment }),
      replyList(),
    );
  }

  /** A comment's replies: the button that opens or closes them ("View 4 replies"), and when
   * open, the loaded ones oldest first with "More replies" while there are more. */
  renderThread(comment) {
    if (comment.parent_id) return null;
    const t = this.t;
    const thread = this.threads.get(comment.id);
    const loaded = thread ? thread.ids.length : 0;
    const count = Math.max(comment.reply_count || 0, loaded);
    if (count === 0) return null;
    const open = thread?.open && (loaded > 0 || thread.cursor);
    const label = open ? t("hide_replies") : count === 1 ? t("view_replies_one") : t("view_replies", { count });
    return [
      h("button", { type: "button", class: "link thread", "aria-expanded": String(Boolean(open)), onclick: () => this.toggleReplies(comment) }, label),
      open && h("ol", { class: "replies", "aria-label": t("replies", { name: this.authorName(comment) }) },
        thread.ids.map((id) => this.renderComment(this.comments.get(id)))),
      open && thread.cursor && h("button", { type: "button", class: "link", onclick: () => this.moreReplies(comment.id) }, t("more_replies")),
    ];
  }

  /** Likes and dislikes (공감/비공감) with their counts: buttons for a signed-in reader on
   * another's comment (pressed when theirs), plain counts otherwise. */
  reactionBar(comment, own) {
    const t = this.t;
    const one = (kind, count) => {
      const text = `${t(kind)} ${count}`;
      if (!this.me || own) return h("span", {}, text);
      return h("button", {
        type: "button",
        class: "reaction",
        "aria-pressed": String(comment.my_reaction === kind),
        onclick: () => this.react(comment, kind),
      }, text);
    };
    return h("p", { class: "reactions", role: "group", "aria-label": t("reactions") },
      one("like", comment.likes ?? 0), one("dislike", comment.dislikes ?? 0));
  }

  /** The same kind again takes the reaction back; the other kind changes it. */
  async react(comment, kind) {
    const takingBack = comment.my_reaction === kind;
    try {
      const state = await this.api(
        takingBack ? "DELETE" : "PUT",
        `/v1/comments/${comment.id}/reaction`,
        takingBack ? {} : { body: { kind } },
      );
      const { likes, dislikes, my_reaction } = state;
      this.comments.set(comment.id, { ...comment, likes, dislikes, my_reaction });
      this.render();
    } catch (error) {
      this.say(this.describe(error), true);
    }
  }

  authorName(comment) {
    return comment.author.deleted ? this.t("deleted_account") : comment.author.display_name;
  }

  leave() {
    const t = this.t;
    const choice = (value, label, checked) =>
      h("p", {}, h("label", {}, h("input", { type: "radio", name: "comments", value, checked }), " ", label));
    const dialog = h(
      "dialog",
      { "aria-label": t("delete_account") },
      h("form", { method: "dialog" },
        h("h3", {}, t("delete_account")),
        h("p", {}, t("leave_text")),
        h("p", {}, h("a", { href: `${this.base}/v1/me/export`, target: "_blank", rel: "noopener" }, t("leave_export"))),
        choice("anonymize", t("leave_anonymize"), true),
        choice("delete", t("leave_delete"), false),
        h("div", { class: "actions" },
          h("button", { value: "cancel" }, t("cancel")),
          h("button", { value: "leave", class: "danger" }, t("leave_confirm")),
        ),
      ),
    );
    dialog.addEventListener("close", async () => {
      dialog.remove();
      if (dialog.returnValue !== "leave") return;
      const comments = dialog.querySelector("input[name=comments]:checked").value;
      try {
        const report = await this.api("DELETE", "/v1/me", { body: { comments } });
        this.me = null;
        await this.load();
        const held = report.held_back.length;
        this.say(held ? `${t("left")} ${t("left_held_back", { count: held })}` : t("left"));
      } catch (error) {
        this.say(this.describe(error), true);
      }
    });
    this.shadowRoot.append(dialog);
    dialog.showModal();
  }

  async signOut() {
    try {
      await this.api("POST", "/v1/auth/logout");
    } catch {
      // an expired session is signed out already
    }
    this.me = null;
    this.load();
  }
}

if (!customElements.get("commentmod-thread")) customElements.define("commentmod-thread", CommentThread);
