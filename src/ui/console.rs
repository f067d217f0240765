//! The psql-like console: a multi-line editor, Ctrl/Cmd+Enter to run, Up/Down history, and the
//! transcript as plain text (text nodes only, never HTML built from user data).

use super::app::{now_ms, AppState, Progress};
use crate::viz::history::{caret_on_first_line, caret_on_last_line, History};
use crate::viz::transcript::{echo_preview, Kind, Part};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

/// Keeps the DOM small when many runs pile up.
const MAX_ENTRIES: usize = 200;

/// One run: the echoed input and psql's output, split for styling.
#[derive(Clone)]
pub struct Entry {
    pub id: usize,
    pub echo: String,
    pub output: Vec<(Kind, String)>,
    /// The same output for the table view: results as grids between the other text.
    pub parts: Vec<Part>,
}

/// Output lines as text spans, styled by kind (text nodes only).
fn message_spans(segments: Vec<(Kind, String)>) -> impl IntoView {
    segments
        .into_iter()
        .map(|(kind, text)| {
            let class = match kind {
                Kind::Plain => "plain",
                Kind::Error => "msg-error",
                Kind::Notice => "msg-notice",
            };
            view! { <span class=class>{text}</span> }
        })
        .collect_view()
}

/// One part of a run in the table view.
fn part_view(part: Part) -> AnyView {
    match part {
        Part::Text(segments) => {
            view! { <pre class="out-text">{message_spans(segments)}</pre> }.into_any()
        }
        Part::Grid(grid) => {
            let caption = match (grid.total_rows, grid.rows.len()) {
                (1, _) => "(1 row)".to_string(),
                (total, shown) if shown < total => format!("({total} rows, first {shown} shown)"),
                (total, _) => format!("({total} rows)"),
            };
            let right = grid.right.clone();
            let header = grid
                .headers
                .into_iter()
                .zip(grid.right)
                .map(|(h, r)| view! { <th scope="col" class:num=r>{h}</th> })
                .collect_view();
            let rows = grid
                .rows
                .into_iter()
                .map(|row| {
                    let cells = row
                        .into_iter()
                        .zip(right.clone())
                        .map(|(cell, r)| view! { <td class:num=r>{cell}</td> })
                        .collect_view();
                    view! { <tr>{cells}</tr> }
                })
                .collect_view();
            view! {
                <table class="result-grid">
                    <caption>{caption}</caption>
                    <thead><tr>{header}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    }
}

/// The echoed input: whole when short, else its start with a toggle that shows all of it (the
/// text is never cut without saying so).
fn echo_view(echo: String) -> AnyView {
    let Some((start, hidden)) = echo_preview(&echo).map(|(s, n)| (s.to_string(), n)) else {
        return view! { <pre class="echo">{echo}</pre> }.into_any();
    };
    let whole = RwSignal::new(false);
    let label = move || {
        if whole.get() {
            "show less".to_string()
        } else {
            format!("… {hidden} more characters: show all")
        }
    };
    view! {
        <pre class="echo">{move || if whole.get() { echo.clone() } else { start.clone() }}</pre>
        <button
            type="button"
            class="echo-toggle"
            aria-expanded=move || whole.get().to_string()
            on:click=move |_| whole.update(|w| *w = !*w)
        >
            {label}
        </button>
    }
    .into_any()
}

/// A run that has taken this long lets the page paint before its next statement, so
/// "running…" is on screen while the rest runs.
const PAINT_AFTER_MS: f64 = 50.0;

/// Runs `f` once the page has painted: the animation frame comes before the next paint, the
/// timeout after it.
fn after_paint(f: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(f, std::time::Duration::ZERO));
}

/// Carries a console run on until it ends, letting the page paint "running…" whenever the
/// run pauses; records whether the run was slow, for the next one.
fn carry_on(state: AppState, running: RwSignal<bool>, slow: StoredValue<bool>, started: f64) {
    match state.advance(PAINT_AFTER_MS) {
        Progress::Paused => {
            running.set(true);
            after_paint(move || carry_on(state, running, slow, started));
        }
        Progress::Finished(_) => {
            running.set(false);
            slow.set_value(now_ms() - started >= PAINT_AFTER_MS);
        }
    }
}

/// At most this many runs stay in the transcript.
pub(super) fn keep_recent(list: &mut Vec<Arc<Entry>>) {
    let excess = list.len().saturating_sub(MAX_ENTRIES);
    list.drain(..excess);
}

#[component]
pub fn Console() -> impl IntoView {
    let state = expect_context::<AppState>();
    let input = RwSignal::new(String::new());
    let entries = state.entries;
    let table_view = state.table_view;
    let history = StoredValue::new(History::default());
    let textarea: NodeRef<html::Textarea> = NodeRef::new();
    let output: NodeRef<html::Div> = NodeRef::new();

    // Set while a run waits for a paint or runs on after one.
    let running = RwSignal::new(false);
    // Whether the last run took long: the next one is likely long too.
    let slow = StoredValue::new(false);

    // Waiting for a frame before every run would cost every statement up to a frame (16 ms at
    // 60 Hz), and what a statement costs is not known before it runs. So a run starts at once,
    // in the key press's own task, and the page is blocked no longer than `PAINT_AFTER_MS`
    // before "running…" is painted: past that, the run pauses between statements for a paint
    // and carries on after it. A single statement cannot be paused inside, so a run that follows
    // a slow one (the learner repeating a long query) paints "running…" before it starts.
    let run = move || {
        let sql = input.get_untracked();
        if sql.trim().is_empty() || running.get_untracked() {
            return;
        }
        history.update_value(|h| h.push(&sql));
        input.set(String::new());
        state.begin_run(&sql);
        if slow.get_value() {
            running.set(true);
            after_paint(move || carry_on(state, running, slow, now_ms()));
        } else {
            carry_on(state, running, slow, now_ms());
        }
    };

    // Keep the newest output in view. Scrolling needs the new layout: asking for it right
    // away (scroll_height) would force a layout of the whole transcript in this task, so it
    // waits for the next frame, which lays the page out anyway (one scroll per frame).
    let scroll_queued = StoredValue::new(false);
    Effect::new(move |_| {
        entries.track();
        if scroll_queued.get_value() {
            return;
        }
        scroll_queued.set_value(true);
        request_animation_frame(move || {
            scroll_queued.try_set_value(false);
            if let Some(el) = output.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    });

    let on_keydown = move |ev: KeyboardEvent| {
        let key = ev.key();
        if key == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            run();
            return;
        }
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.shift_key() {
            return;
        }
        let (up, down) = (key == "ArrowUp", key == "ArrowDown");
        if !up && !down {
            return;
        }
        let Some(el) = textarea.get() else { return };
        let value = el.value();
        let start = el.selection_start().ok().flatten().unwrap_or(0) as usize;
        let end = el.selection_end().ok().flatten().unwrap_or(0) as usize;
        if start != end {
            return;
        }
        let recalled = if up && caret_on_first_line(&value, start) {
            history.try_update_value(|h| h.older(&value)).flatten()
        } else if down && caret_on_last_line(&value, start) {
            history.try_update_value(|h| h.newer()).flatten()
        } else {
            None
        };
        if let Some(text) = recalled {
            ev.prevent_default();
            input.set(text);
        }
    };

    let prompt = move || {
        format!(
            "{}={}#",
            state.node.get().unwrap_or_else(|| "!".into()),
            state.marker.get()
        )
    };

    view! {
        <super::sessions::SessionBar />
        <div
            class="console-output"
            node_ref=output
            role="log"
            aria-label="Console output"
            aria-live="polite"
            tabindex="0"
        >
            <pre class="banner">
                "ShardScope: psql on a simulated Citus cluster.\n"
                "Type SQL and press Ctrl+Enter (Cmd+Enter on a Mac) to run it. "
                "Several statements per run are fine; \\c worker-1 connects to a worker."
            </pre>
            <For
                each=move || entries.get()
                key=|e| e.id
                children=move |e| {
                    let e = Arc::unwrap_or_clone(e);
                    let failed = e.output.iter().any(|(k, _)| *k == Kind::Error);
                    let has_grid = e.parts.iter().any(|p| matches!(p, Part::Grid(_)));
                    let parts = e.parts;
                    let as_grid = move || has_grid && table_view.get();
                    view! {
                        <div class="entry" class:failed=failed>
                            {echo_view(e.echo)}
                            // Focusable: wide output scrolls sideways, also by keyboard.
                            <pre class="out" tabindex="0" hidden=as_grid>
                                {message_spans(e.output)}
                            </pre>
                            // Drawn only while shown: a big result as a hidden table would
                            // cost every run its DOM.
                            <div class="out-parts" tabindex="0" hidden=move || !as_grid()>
                                {move || {
                                    as_grid()
                                        .then(|| {
                                            parts.clone().into_iter().map(part_view).collect_view()
                                        })
                                }}
                            </div>
                        </div>
                    }
                }
            />
        </div>
        <div class="editor">
            <label class="prompt" for="sql-input">
                {prompt}
            </label>
            <textarea
                id="sql-input"
                node_ref=textarea
                rows="4"
                spellcheck="false"
                autocomplete="off"
                aria-label="SQL input. Ctrl+Enter runs; Up and Down recall history."
                placeholder="SELECT * FROM citus_shards;"
                prop:value=move || input.get()
                on:input=move |ev| input.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <div class="editor-actions">
                <span class="running" role="status" hidden=move || !running.get()>
                    "running…"
                </span>
                <button
                    type="button"
                    class="run"
                    aria-label="Run the statements (Ctrl+Enter)"
                    disabled=move || running.get()
                    on:click=move |_| run()
                >
                    "Run"
                </button>
                <button
                    type="button"
                    aria-label="Clear the console output"
                    on:click=move |_| entries.set(Vec::new())
                >
                    "Clear"
                </button>
                <button
                    type="button"
                    class="view-toggle"
                    title="Show results as tables instead of psql's aligned text"
                    aria-pressed=move || table_view.get().to_string()
                    on:click=move |_| table_view.update(|on| *on = !*on)
                >
                    {move || if table_view.get() { "Tables" } else { "psql text" }}
                </button>
            </div>
        </div>
    }
}
