//! Time travel: a scrubber over the runs so far. The map, the placements, the row counts and
//! the hash view show the cluster as it was after the chosen run; running anything comes back
//! to now.

use super::app::AppState;
use crate::viz::journal::{Action, Journal};
use crate::viz::transcript::one_line_preview;
use leptos::prelude::*;

#[component]
pub fn TimeTravel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let len = Memo::new(move |_| {
        state.version.track();
        state.journal.with_value(Journal::len)
    });
    let position = move || state.past.get().unwrap_or_else(|| len.get());
    let label = move || {
        let n = position();
        let total = len.get();
        if state.past.get().is_none() {
            return format!("Now, after run {total} of {total}");
        }
        if n == 0 {
            return format!("Before run 1 of {total}: a fresh cluster");
        }
        let what = state.journal.with_value(|j| match j.actions().get(n - 1) {
            Some(Action::Run(text)) => one_line_preview(text, 60),
            Some(Action::Cancel(s)) => format!("cancel in session {s}"),
            None => String::new(),
        });
        format!("After run {n} of {total}: {what}")
    };
    // The run in full, for the hover text (the label shows its start).
    let full_run = move || {
        let n = state.past.get()?;
        state
            .journal
            .with_value(|j| match j.actions().get(n.checked_sub(1)?) {
                Some(Action::Run(text)) => Some(text.clone()),
                _ => None,
            })
    };
    view! {
        <div class="time-travel" class:in-past=move || state.past.get().is_some()>
            <label for="time-travel-range">"Time travel"</label>
            <input
                id="time-travel-range"
                type="range"
                min="0"
                max=move || len.get().to_string()
                prop:value=move || position().to_string()
                disabled=move || len.get() == 0
                aria-valuetext=label
                on:input=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                        state.show_past(Some(n));
                    }
                }
            />
            <span class="time-travel-label" title=full_run>
                {label}
            </span>
            <Show when=move || state.past.get().is_some()>
                <button type="button" on:click=move |_| state.show_past(None)>
                    "Back to now"
                </button>
            </Show>
        </div>
    }
}
