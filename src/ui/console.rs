//! The psql-like console: a multi-line editor, Ctrl/Cmd+Enter to run, Up/Down history, and the
//! transcript as plain text (text nodes only, never HTML built from user data).

use super::app::AppState;
use crate::viz::history::{caret_on_first_line, caret_on_last_line, History};
use crate::viz::transcript::{Kind, Part};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

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

/// At most this many runs stay in the transcript.
pub(super) fn keep_recent(list: &mut Vec<Entry>) {
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

    // Set while a run waits for its turn or runs: the page says so before the engine starts.
    let running = RwSignal::new(false);

    let run = move || {
        let sql = input.get_untracked();
        if sql.trim().is_empty() || running.get_untracked() {
            return;
        }
        history.update_value(|h| h.push(&sql));
        input.set(String::new());
        running.set(true);
        // The animation frame comes before the next paint, the timeout after it: the
        // "running…" state is on screen while a long statement runs.
        request_animation_frame(move || {
            set_timeout(
                move || {
                    state.run_sql(&sql);
                    running.set(false);
                },
                std::time::Duration::ZERO,
            );
        });
    };

    // Keep the newest output in view.
    Effect::new(move |_| {
        entries.track();
        if let Some(el) = output.get() {
            el.set_scroll_top(el.scroll_height());
        }
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
                    let failed = e.output.iter().any(|(k, _)| *k == Kind::Error);
                    let has_grid = e.parts.iter().any(|p| matches!(p, Part::Grid(_)));
                    let as_grid = move || has_grid && table_view.get();
                    view! {
                        <div class="entry" class:failed=failed>
                            <pre class="echo">{e.echo}</pre>
                            <pre class="out" hidden=as_grid>
                                {message_spans(e.output)}
                            </pre>
                            <div class="out-parts" hidden=move || !as_grid()>
                                {e.parts.into_iter().map(part_view).collect_view()}
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
                    aria-label="Show results as tables"
                    aria-pressed=move || table_view.get().to_string()
                    on:click=move |_| table_view.update(|on| *on = !*on)
                >
                    {move || if table_view.get() { "Tables" } else { "psql text" }}
                </button>
            </div>
        </div>
    }
}
