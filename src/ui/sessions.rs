//! The session bar above the console: one chip per client session (its node and psql's
//! transaction marker), a new-session button, and what a waiting session waits for, with
//! psql's Ctrl-C as a Cancel button.

use super::app::AppState;
use crate::session::BlockState;
use leptos::prelude::*;

/// The highest session number the bar opens (as `\session` does).
const MAX_SESSIONS: u32 = 9;

#[component]
pub fn SessionBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let chips = move || {
        let current = state.current_session.get();
        state
            .sessions
            .get()
            .into_iter()
            .map(|v| {
                let id = v.id;
                let status = match (&v.waiting, v.block, v.connected) {
                    (Some(_), _, _) => "waiting",
                    (_, _, false) => "disconnected",
                    (_, BlockState::Failed, _) => "failed transaction",
                    (_, BlockState::InBlock, _) => "in a transaction",
                    _ => "idle",
                };
                let text = format!(
                    "{id} {}={}#{}",
                    v.node,
                    v.block.prompt_marker(),
                    if v.waiting.is_some() { " waiting" } else { "" }
                );
                view! {
                    <button
                        type="button"
                        class="session-chip"
                        class:current=current == Some(id)
                        class:waiting=v.waiting.is_some()
                        aria-pressed=(current == Some(id)).to_string()
                        aria-label=format!("{text}: session {id} on {}, {status}", v.node)
                        title=format!("session {id}: {status}")
                        on:click=move |_| {
                            state.run_sql(&format!("\\session {id}"));
                        }
                    >
                        {text.clone()}
                    </button>
                }
            })
            .collect_view()
    };
    let next = move || {
        state
            .sessions
            .with(|s| s.iter().map(|v| v.id).max().unwrap_or(0) + 1)
    };
    let full = move || next() > MAX_SESSIONS;
    let waits = move || {
        state
            .sessions
            .get()
            .into_iter()
            .filter_map(|v| v.waiting)
            .map(|w| {
                let id = w.session;
                view! {
                    <li class="wait">
                        <span>{format!("{} — {}", w.describe(), w.sql)}</span>
                        <button
                            type="button"
                            aria-label=format!("Cancel the statement session {id} waits with")
                            on:click=move |_| state.cancel(id)
                        >
                            "Cancel"
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="session-bar" role="toolbar" aria-label="Client sessions">
            <span class="session-bar-label">"Sessions"</span>
            {chips}
            <button
                type="button"
                class="session-new"
                aria-label="Open another session"
                disabled=full
                on:click=move |_| {
                    state.run_sql(&format!("\\session {}", next()));
                }
            >
                "+"
            </button>
        </div>
        <ul class="waits" aria-label="Waiting statements" aria-live="polite">
            {waits}
        </ul>
    }
}
