//! The messages of the last statement in logical time, with the verdict derived from them.
//! Hovering, focusing or clicking a message shows its SQL and points at its shard on the map.

use super::app::AppState;
use super::map::target_data;
use crate::trace::TraceEvent;
use crate::viz::verdict::verdict;
use leptos::prelude::*;

fn describe(e: &TraceEvent) -> String {
    let mut s = format!("t{}: {} to {}, {}", e.time, e.from, e.to, e.kind.label());
    if let Some(shard) = e.shard {
        s.push_str(&format!(", shard {shard}"));
    }
    s.push_str(&format!(", {} rows", e.rows));
    if let Some(phase) = &e.phase {
        s.push_str(&format!(", {phase}"));
    }
    if let Some(gid) = &e.gid {
        s.push_str(&format!(", gid {gid}"));
    }
    if e.session > 0 {
        s.push_str(&format!(", session {}", e.session));
    }
    s
}

#[component]
pub fn Timeline() -> impl IntoView {
    let state = expect_context::<AppState>();
    let verdict_text = move || state.last_events.with(|evs| verdict(evs));
    let focused_sql = move || {
        let t = state.focused_event.get()?;
        state.last_events.with(|evs| {
            evs.iter()
                .find(|e| e.time == t)
                .map(|e| format!("{}\n{}", describe(e), e.sql))
        })
    };
    // One set of listeners on the list (each message's time is on its button), not three per
    // message to add and remove with every statement.
    let focus_target = move |ev: web_sys::Event| {
        let time = target_data::<u64>(&ev, "button.event", "data-time");
        if time.is_some() && state.focused_event.get_untracked() != time {
            state.focused_event.set(time);
        }
    };
    view! {
        <p class="verdict" role="status" aria-live="polite">
            {verdict_text}
        </p>
        <ol
            class="events"
            aria-label="Messages of the last statement"
            on:click=move |ev| focus_target(ev.into())
            on:mouseover=move |ev| focus_target(ev.into())
            on:focusin=move |ev| focus_target(ev.into())
        >
            <For
                each=move || state.last_events.get()
                key=|e| (e.statement, e.time)
                children=move |e| {
                    let time = e.time;
                    let kind = format!("kind kind-{}", e.kind.label().replace(' ', "-"));
                    view! {
                        <li>
                            <button
                                type="button"
                                class="event"
                                data-time=time.to_string()
                                class:focused=move || state.focused_event.get() == Some(time)
                                aria-label=describe(&e)
                            >
                                <span class="time">{format!("t{}", e.time)}</span>
                                <span class="route">{format!("{} → {}", e.from, e.to)}</span>
                                <span class=kind>{e.kind.label()}</span>
                                <span class="shard">
                                    {e.shard.map(|s| s.to_string()).unwrap_or_default()}
                                </span>
                                <span class="rows">
                                    {format!("{} {}", e.rows, if e.rows == 1 { "row" } else { "rows" })}
                                </span>
                            </button>
                        </li>
                    }
                }
            />
        </ol>
        <pre class="event-sql" aria-label="SQL of the selected message" aria-live="polite">
            {move || {
                focused_sql().unwrap_or_else(|| "Hover or select a message to see its SQL.".into())
            }}
        </pre>
    }
}
