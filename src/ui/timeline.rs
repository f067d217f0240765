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
    s.push_str(&format!(", {}", crate::network::rows_text(e.rows)));
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
    // The rows are written as one piece of HTML: a statement's dozens of messages would
    // otherwise cost hundreds of calls into the page. Which row is focused is marked on the
    // one or two buttons concerned.
    let list = NodeRef::<leptos::html::Ol>::new();
    let marked = StoredValue::new(None::<u64>);
    let mark = move |focused: Option<u64>| {
        let Some(ol) = list.get_untracked() else {
            return;
        };
        let button = |time: u64| ol.query_selector(&format!("button[data-time=\"{time}\"]"));
        if let Some(Ok(Some(old))) = marked.get_value().map(button) {
            let _ = old.set_attribute("class", "event");
        }
        if let Some(Ok(Some(new))) = focused.map(button) {
            let _ = new.set_attribute("class", "event focused");
        }
        marked.set_value(focused);
    };
    Effect::new(move |_| {
        let Some(ol) = list.get() else {
            return;
        };
        ol.set_inner_html(&state.last_events.with(|evs| rows_html(evs)));
        marked.set_value(None);
        mark(state.focused_event.get_untracked());
    });
    Effect::new(move |_| mark(state.focused_event.get()));
    view! {
        <p class="verdict" role="status" aria-live="polite">
            {verdict_text}
        </p>
        <ol
            class="events"
            aria-label="Messages of the last statement"
            node_ref=list
            on:click=move |ev| focus_target(ev.into())
            on:mouseover=move |ev| focus_target(ev.into())
            on:focusin=move |ev| focus_target(ev.into())
        ></ol>
        <pre class="event-sql" aria-label="SQL of the selected message" aria-live="polite">
            {move || {
                focused_sql().unwrap_or_else(|| "Hover or select a message to see its SQL.".into())
            }}
        </pre>
    }
}

/// The list's rows: a button per message with its time, route, kind, shard and rows.
fn rows_html(events: &[TraceEvent]) -> String {
    let mut html = String::with_capacity(events.len() * 320);
    for e in events {
        let rows = crate::network::rows_text(e.rows);
        let shard = e.shard.map(|s| s.to_string()).unwrap_or_default();
        html.push_str(&format!(
            "<li><button type=\"button\" class=\"event\" data-time=\"{time}\" title=\"{label}\">\
             <span class=\"time\">t{time}</span>\
             <span class=\"route\">{from} → {to}</span>\
             <span class=\"kind kind-{kind_class}\">{kind}</span>\
             <span class=\"shard\">{shard}</span>\
             <span class=\"rows\">{rows}</span></button></li>",
            time = e.time,
            label = escape(&describe(e)),
            from = escape(&e.from),
            to = escape(&e.to),
            kind_class = e.kind.label().replace(' ', "-"),
            kind = escape(e.kind.label()),
        ));
    }
    html
}

/// Text made safe to place in HTML content and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
