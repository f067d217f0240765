//! The hash view: a distributed table's shard ranges over the int32 hash space, coloured by the
//! worker holding them (the same colours as on the map), and where a typed value of its
//! distribution column lands (hashed by the engine).

use super::app::AppState;
use crate::viz::hashview::{bar, default_table, distributed_tables, position};
use crate::viz::layout::worker_class;
use leptos::prelude::*;

const BAR_W: f64 = 600.0;
const BAR_Y: f64 = 14.0;
const BAR_H: f64 = 22.0;

#[component]
pub fn HashPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let tables = Memo::new(move |_| {
        state.version.track();
        state.with_viewed_cluster(distributed_tables)
    });
    let chosen = RwSignal::new(None::<String>);
    let value = RwSignal::new(String::new());
    // The picked table while it exists, else the most recently distributed one.
    let table = Memo::new(move |_| {
        let all = tables.get();
        chosen
            .get()
            .filter(|t| all.contains(t))
            .or_else(|| state.with_viewed_cluster(default_table))
    });
    let hash_bar = Memo::new(move |_| {
        state.version.track();
        let t = table.get()?;
        state.with_viewed_cluster(|c| bar(c, &t))
    });
    let marker = Memo::new(move |_| {
        let input = value.get();
        hash_bar.with(|b| b.as_ref().map(|b| b.locate(&input)))
    });

    let options = move || {
        let current = table.get();
        tables
            .get()
            .into_iter()
            .map(|t| {
                let selected = current.as_deref() == Some(t.as_str());
                view! {
                    <option value=t.clone() selected=selected>
                        {t.clone()}
                    </option>
                }
            })
            .collect_view()
    };

    let segments = move || {
        hash_bar.with(|b| {
            b.iter()
                .flat_map(|b| b.segments.iter())
                .map(|s| {
                    let label = format!(
                        "shard {} on {}: hashes {} .. {}",
                        s.shard_id, s.node, s.min, s.max
                    );
                    view! {
                        <rect
                            class=format!("hash-seg {}", worker_class(s.worker_index))
                            x=format!("{:.2}", s.start * BAR_W)
                            y=BAR_Y.to_string()
                            width=format!("{:.2}", (s.end - s.start) * BAR_W)
                            height=BAR_H.to_string()
                            data-shard=s.shard_id.to_string()
                        >
                            <title>{label}</title>
                        </rect>
                    }
                })
                .collect_view()
        })
    };
    let marker_view = move || {
        let m = marker.get()?.ok()?;
        let x = m.position * BAR_W;
        Some(view! {
            <g class="hash-marker">
                <line
                    x1=format!("{x:.2}")
                    x2=format!("{x:.2}")
                    y1="2"
                    y2=format!("{:.0}", BAR_Y + BAR_H + 4.0)
                />
                <circle cx=format!("{x:.2}") cy="6" r="4" />
            </g>
        })
    };
    let result = move || match marker.get() {
        None => "Distribute a table to see its hash ranges.".to_string(),
        Some(Ok(m)) => m.describe(),
        Some(Err(e)) => e,
    };
    let legend = move || {
        hash_bar.with(|b| {
            let mut workers: Vec<(usize, String)> = b
                .iter()
                .flat_map(|b| b.segments.iter())
                .map(|s| (s.worker_index, s.node.clone()))
                .collect();
            crate::sort::sort(&mut workers);
            workers.dedup();
            workers
                .into_iter()
                .map(|(i, name)| {
                    view! {
                        <li>
                            <span class=format!("swatch {}", worker_class(i)) aria-hidden="true"></span>
                            {name}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let column = move || {
        hash_bar.with(|b| {
            b.as_ref()
                .map(|b| format!("{} ({})", b.column, b.ty.pg_name()))
                .unwrap_or_default()
        })
    };

    view! {
        <div class="hash-view">
            <div class="hash-inputs">
                <label>
                    "Table "
                    <select
                        class="hash-table"
                        aria-label="Distributed table to show"
                        on:change=move |ev| chosen.set(Some(event_target_value(&ev)))
                    >
                        {options}
                    </select>
                </label>
                <label>
                    "Value of " {column} " "
                    <input
                        class="hash-value"
                        type="text"
                        aria-label="Distribution column value to hash"
                        placeholder="e.g. 1"
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                    />
                </label>
            </div>
            <svg
                class="hash-bar"
                viewBox=format!("0 0 {BAR_W} 56")
                role="img"
                aria-label="The int32 hash space cut into the table's shard ranges"
            >
                {segments}
                {marker_view}
                <text class="hash-end" x="0" y="52">
                    {i32::MIN.to_string()}
                </text>
                <text class="hash-end" x=format!("{:.0}", position(0) * BAR_W) y="52" text-anchor="middle">
                    "0"
                </text>
                <text class="hash-end" x=BAR_W.to_string() y="52" text-anchor="end">
                    {i32::MAX.to_string()}
                </text>
            </svg>
            <p class="hash-result" role="status" aria-live="polite">
                {result}
            </p>
            <ul class="legend" aria-label="Hash view legend">
                {legend}
            </ul>
        </div>
    }
}
