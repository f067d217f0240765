//! Sessions that last and travel: the journal is saved in localStorage after every run and
//! replayed on load; "Share" puts it, compressed, in a link's fragment; "Export" gives a
//! docker-compose.yml and a psql script for a real Citus cluster of the same shape.
//!
//! Compression uses the browser's own deflate (CompressionStream), so it costs the page nothing.

use super::app::{now_ms, AppState};
use crate::viz::export;
use crate::viz::journal::{Action, Journal, MAX_SAVED_BYTES};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

/// Where the session is kept.
pub const SESSION_KEY: &str = "shardscope.session";
/// Where a session is kept aside when a shared link replaces it.
pub const BEFORE_LINK_KEY: &str = "shardscope.session.before-link";
/// Where a saved session that cannot be read is kept aside, so it is not lost.
pub const UNREADABLE_KEY: &str = "shardscope.session.unreadable";
/// The longest share link the app makes or opens (characters of the fragment).
pub const MAX_LINK_CHARS: usize = 100_000;
/// The fragment that carries a shared session.
const FRAGMENT: &str = "#session=";

#[wasm_bindgen(inline_js = r#"
const toBase64Url = (bytes) => {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
export async function deflate_b64(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return toBase64Url(new Uint8Array(await new Response(stream).arrayBuffer()));
}
export async function inflate_b64(b64, limit) {
  let bin;
  try {
    bin = atob(b64.replace(/-/g, "+").replace(/_/g, "/"));
  } catch (e) {
    throw "it is not a ShardScope link (its session part has characters a link never has)";
  }
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        reader.cancel().catch(() => {});
        throw "too large";
      }
      parts.push(value);
    }
  } catch (e) {
    if (e === "too large") throw `it holds a session larger than ${Math.round(limit / 1024)} KB`;
    throw "it is damaged or cut short";
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch (e) {
    throw "it is damaged or cut short";
  }
}
export function take_session_fragment(prefix) {
  const hash = window.location.hash;
  if (!hash.startsWith(prefix)) return null;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  return hash.slice(prefix.length);
}
export function page_address() {
  return window.location.origin + window.location.pathname + window.location.search;
}
export function download_text(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
export async function copy_text(text) {
  try { await navigator.clipboard.writeText(text); return true; } catch (e) { return false; }
}
export function next_task() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn deflate_b64(text: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn inflate_b64(b64: &str, limit: f64) -> Result<JsValue, JsValue>;
    fn take_session_fragment(prefix: &str) -> Option<String>;
    fn page_address() -> String;
    fn download_text(name: &str, text: &str);
    async fn copy_text(text: &str) -> JsValue;
    async fn next_task();
}

/// This browser's localStorage, where the app keeps what survives a reload.
pub(super) fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub(super) fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub(super) fn store(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

fn js_message(err: JsValue) -> String {
    err.as_string()
        .unwrap_or_else(|| "the browser could not read it".to_string())
}

/// A message about the session, shown under the top bar until dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// A session kept aside when a link replaced it can be brought back.
    pub offers_previous: bool,
}

impl Notice {
    pub fn say(text: impl Into<String>) -> Self {
        Notice {
            text: text.into(),
            offers_previous: false,
        }
    }
}

thread_local! {
    static SAVE_QUEUED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs come in bursts (a pasted script, a lesson, a hundred INSERTs), and writing the whole
/// journal after each would cost every run its size: it is written once a burst is over, and
/// at once when the page is hidden or reloaded (`restore` listens for that).
pub fn save_soon(state: AppState) {
    if SAVE_QUEUED.with(|q| q.replace(true)) {
        return;
    }
    set_timeout(
        move || {
            SAVE_QUEUED.with(|q| q.set(false));
            save(state);
        },
        std::time::Duration::from_millis(250),
    );
}

/// Keeps the journal in localStorage; says so once when it no longer fits (what was saved
/// before stays saved).
pub fn save(state: AppState) {
    if state.replaying.get_untracked().is_some() {
        return;
    }
    let saved = state.journal.with_value(Journal::to_saved);
    let fits = saved.len() <= MAX_SAVED_BYTES && store(SESSION_KEY, &saved);
    if !fits && !state.save_refused.get_value() {
        state.save_refused.set_value(true);
        state.notice.set(Some(Notice::say(format!(
            "This session is now too large to keep across a reload ({} KB). \
             What was saved before this point is still saved; Export takes all of it.",
            saved.len().div_ceil(1024)
        ))));
    }
}

/// Starts the page's session: a shared link's session if the address has one, else the
/// session saved in this browser, replayed statement by statement.
pub fn restore(state: AppState) {
    // A reload or a closed tab must not lose the runs of a burst still waiting to be saved.
    let flush = window_event_listener(leptos::ev::pagehide, move |_| {
        if SAVE_QUEUED.with(|q| q.replace(false)) {
            save(state);
        }
    });
    std::mem::forget(flush);
    let fragment = take_session_fragment(FRAGMENT);
    spawn_local(async move {
        let saved = load(SESSION_KEY);
        if let Some(fragment) = fragment {
            match open_link(&fragment).await {
                Ok(journal) => {
                    let kept_aside = saved
                        .filter(|s| {
                            !s.is_empty() && Journal::from_saved(s).ok().as_ref() != Some(&journal)
                        })
                        .is_some_and(|s| store(BEFORE_LINK_KEY, &s));
                    let runs = journal.len();
                    replay(state, journal).await;
                    state.notice.set(Some(Notice {
                        text: format!(
                            "Opened a shared session: {runs} run{} replayed.{}",
                            plural(runs),
                            if kept_aside {
                                " Your own session was kept aside."
                            } else {
                                ""
                            }
                        ),
                        offers_previous: kept_aside,
                    }));
                    return;
                }
                Err(why) => state.notice.set(Some(Notice::say(format!(
                    "The shared link could not be opened: {why}. {}",
                    if saved.is_some() {
                        "Your saved session is used instead."
                    } else {
                        "The cluster starts fresh."
                    }
                )))),
            }
        }
        let Some(saved) = saved.filter(|s| !s.is_empty()) else {
            return;
        };
        match Journal::from_saved(&saved) {
            Ok(journal) if journal.is_empty() => {}
            Ok(journal) => {
                let runs = journal.len();
                replay(state, journal).await;
                if state.notice.get_untracked().is_none() {
                    state.notice.set(Some(Notice::say(format!(
                        "Your session was restored: {runs} run{} replayed.",
                        plural(runs)
                    ))));
                }
            }
            Err(why) => {
                store(UNREADABLE_KEY, &saved);
                state.notice.set(Some(Notice::say(format!(
                    "Your saved session could not be read: {why}. It was kept aside in this \
                     browser's storage as {UNREADABLE_KEY}, and the cluster starts fresh."
                ))));
                save(state);
            }
        }
    });
}

async fn open_link(fragment: &str) -> Result<Journal, String> {
    if fragment.len() > MAX_LINK_CHARS {
        return Err(format!(
            "it is too long ({} KB; the limit is {} KB)",
            fragment.len().div_ceil(1024),
            MAX_LINK_CHARS / 1024
        ));
    }
    let text = inflate_b64(fragment, MAX_SAVED_BYTES as f64)
        .await
        .map_err(js_message)?
        .as_string()
        .unwrap_or_default();
    Journal::from_saved(&text).map_err(|e| e.to_string())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Runs a journal through the console as if typed, painting between slices of it and saying
/// how far it got; the journal is saved once at the end.
pub async fn replay(state: AppState, journal: Journal) {
    let total = journal.len();
    state.replaying.set(Some((0, total)));
    let mut slice_start = now_ms();
    for (done, action) in journal.actions().iter().enumerate() {
        match action {
            Action::Run(text) => {
                state.run_sql(text);
            }
            Action::Cancel(session) => state.cancel(*session),
        }
        if now_ms() - slice_start > 40.0 {
            state.replaying.set(Some((done + 1, total)));
            next_task().await;
            slice_start = now_ms();
        }
    }
    state.replaying.set(None);
    save(state);
}

/// Brings back the session a shared link replaced.
fn bring_back_previous(state: AppState) {
    let Some(saved) = load(BEFORE_LINK_KEY) else {
        state.notice.set(Some(Notice::say(
            "There is no earlier session in this browser's storage.",
        )));
        return;
    };
    match Journal::from_saved(&saved) {
        Ok(journal) => spawn_local(async move {
            state.start_over();
            let runs = journal.len();
            replay(state, journal).await;
            if let Some(s) = storage() {
                let _ = s.remove_item(BEFORE_LINK_KEY);
            }
            state.notice.set(Some(Notice::say(format!(
                "Your own session is back: {runs} run{} replayed.",
                plural(runs)
            ))));
        }),
        Err(why) => state.notice.set(Some(Notice::say(format!(
            "The earlier session could not be read: {why}."
        )))),
    }
}

/// The replay progress and the session's messages, under the top bar.
#[component]
pub fn SessionNotice() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="session-notice" role="status" aria-live="polite">
            {move || {
                state
                    .replaying
                    .get()
                    .map(|(done, total)| {
                        view! {
                            <p class="replaying">
                                {format!("Replaying your session: {done} of {total} runs…")}
                            </p>
                        }
                    })
            }}
            {move || {
                state
                    .notice
                    .get()
                    .map(|notice| {
                        let previous = notice
                            .offers_previous
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        on:click=move |_| bring_back_previous(state)
                                    >
                                        "Bring back my session"
                                    </button>
                                }
                            });
                        view! {
                            <p class="notice">
                                <span>{notice.text}</span>
                                {previous}
                                <button
                                    type="button"
                                    class="dismiss"
                                    aria-label="Dismiss this message"
                                    on:click=move |_| state.notice.set(None)
                                >
                                    "×"
                                </button>
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// What the Share and Export buttons opened.
#[derive(Clone, Debug, PartialEq)]
enum Sheet {
    Share { url: String, copied: bool },
    Export { compose: String, script: String },
}

/// Share and Export, in the top bar, with the sheet each opens.
#[component]
pub fn SessionButtons() -> impl IntoView {
    let state = expect_context::<AppState>();
    let sheet = RwSignal::new(None::<Sheet>);
    let share = move |_| {
        let saved = state.journal.with_value(Journal::to_saved);
        spawn_local(async move {
            let encoded = match deflate_b64(&saved).await {
                Ok(v) => v.as_string().unwrap_or_default(),
                Err(e) => {
                    state.notice.set(Some(Notice::say(format!(
                        "No link could be made: {}.",
                        js_message(e)
                    ))));
                    return;
                }
            };
            if encoded.len() > MAX_LINK_CHARS {
                state.notice.set(Some(Notice::say(format!(
                    "This session is too large to share as a link ({} KB; the limit is {} KB). \
                     Export gives all of it as a script.",
                    encoded.len().div_ceil(1024),
                    MAX_LINK_CHARS / 1024
                ))));
                return;
            }
            let url = format!("{}{FRAGMENT}{encoded}", page_address());
            let copied = copy_text(&url).await.as_bool().unwrap_or(false);
            sheet.set(Some(Sheet::Share { url, copied }));
        });
    };
    let export = move |_| {
        let nodes = state.with_cluster(|c| c.nodes());
        let initial = crate::cluster::Cluster::new().nodes();
        let script = state
            .journal
            .with_value(|j| export::script(j, &initial, &nodes));
        sheet.set(Some(Sheet::Export {
            compose: export::compose(&nodes),
            script,
        }));
    };
    let close = move || sheet.set(None);
    view! {
        <button
            type="button"
            class="share"
            title="A link that opens this session for someone else"
            on:click=share
        >
            "Share"
        </button>
        <button
            type="button"
            class="export"
            title="A docker-compose.yml for a real Citus 13.2 cluster of this shape, and this session as a psql script"
            on:click=export
        >
            "Export"
        </button>
        {move || sheet.get().map(|s| view! { <SheetView sheet=s close=close /> })}
    }
}

/// One exported file: its name, its text to read, and a button to download it.
#[component]
fn ExportedFile(name: &'static str, id: &'static str, text: String) -> impl IntoView {
    let download = text.clone();
    view! {
        <h3 id=id>{name}</h3>
        <pre class="export-text" aria-labelledby=id tabindex="0">
            {text}
        </pre>
        <button type="button" on:click=move |_| download_text(name, &download)>
            {format!("Download {name}")}
        </button>
    }
}

#[component]
fn SheetView(sheet: Sheet, close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            close();
        }
    };
    // Focus moves into the dialog, so the keyboard (and Escape) works there at once.
    let close_button: NodeRef<leptos::html::Button> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });
    let (title, body) = match sheet {
        Sheet::Share { url, copied } => (
            "Share this session",
            view! {
                <p>
                    {if copied {
                        "The link is copied. Whoever opens it gets this session, replayed on their own cluster."
                    } else {
                        "Copy this link. Whoever opens it gets this session, replayed on their own cluster."
                    }}
                </p>
                <label for="share-url">"Link"</label>
                <textarea id="share-url" class="share-url" readonly rows="4">
                    {url}
                </textarea>
            }
            .into_any(),
        ),
        Sheet::Export { compose, script } => {
            (
                "Take this session to a real Citus cluster",
                view! {
                    <p>
                        "Start the cluster with " <code>"docker compose up -d --wait"</code>
                        ", then replay the session with "
                        <code>
                            {format!("psql -h 127.0.0.1 -p 9700 -U postgres -f {}", export::SCRIPT_FILE)}
                        </code> "."
                    </p>
                    <ExportedFile name=export::COMPOSE_FILE id="export-compose" text=compose />
                    <ExportedFile name=export::SCRIPT_FILE id="export-script" text=script />
                }
                .into_any(),
            )
        }
    };
    view! {
        <div class="sheet-backdrop" on:click=move |_| close()>
            <div
                class="sheet"
                role="dialog"
                aria-modal="true"
                aria-labelledby="sheet-title"
                on:click=|ev| ev.stop_propagation()
                on:keydown=on_keydown
            >
                <h2 id="sheet-title">{title}</h2>
                {body}
                <button
                    type="button"
                    class="close-sheet"
                    node_ref=close_button
                    on:click=move |_| close()
                >
                    "Close"
                </button>
            </div>
        </div>
    }
}
