//! The cluster map: nodes as boxes, shard placements as tiles coloured by co-location group and
//! shaded by row count, reference tables as a band. Tiles touched by the last statement's tasks
//! are outlined; clicking a tile shows its range, placement and rows.

use super::app::AppState;
use super::routing::{AnimControls, ArrowHits, Playback, RoutingArrows};
use crate::cluster::ShardInfo;
use crate::psql::format::{self, aligned, Table, Verbosity};
use crate::trace::MessageKind;
use crate::viz::animation::Animation;
use crate::viz::layout::{layout, NOTE, TILE, WIDTH};
use crate::viz::verdict::Summary;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use std::collections::BTreeSet;
use wasm_bindgen::JsCast;

/// At most this many shard rows are printed in the details panel.
const MAX_DETAIL_ROWS: usize = 50;

fn activates(ev: &KeyboardEvent) -> bool {
    let key = ev.key();
    key == "Enter" || key == " "
}

/// The number in attribute `attr` of the element matching `selector` that an event (handled
/// by a common ancestor) came from.
pub(super) fn target_data<T: std::str::FromStr>(
    ev: &web_sys::Event,
    selector: &str,
    attr: &str,
) -> Option<T> {
    ev.target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest(selector)
        .ok()??
        .get_attribute(attr)?
        .parse()
        .ok()
}

#[component]
pub fn ClusterMap() -> impl IntoView {
    let state = expect_context::<AppState>();
    let map = Memo::new(move |_| layout(&state.nodes.get(), &state.shards.get()));
    let summary = Memo::new(move |_| Summary::from_events(&state.last_events.get()));
    let playback = Playback::new(Memo::new(move |_| {
        state.last_events.with(|evs| Animation::from_events(evs))
    }));
    // Every new statement plays its messages from the first.
    Effect::new(move |_| {
        state.last_events.track();
        playback.hovered.set(None);
        playback.replay();
    });
    // The shard of the timeline message in focus, so the two panels point at the same tile.
    let focused_shard = Memo::new(move |_| {
        let t = state.focused_event.get()?;
        state
            .last_events
            .with(|evs| evs.iter().find(|e| e.time == t).and_then(|e| e.shard))
    });

    // Which tiles the last statement used, the selected and the focused one, and the row counts
    // change with statements; where the tiles are, only when shards or nodes do. So a tile is
    // drawn once (keyed by where it is) and its class, shading and label follow these.
    let touched = Memo::new(move |_| {
        summary.with(|s| crate::sort::collect_set(s.task_shards.iter().copied()))
    });
    let tile_rows = Memo::new(move |_| {
        map.with(|m| {
            crate::sort::collect_map(m.tiles.iter().map(|t| (t.shard_id, (t.rows, t.fill))))
        })
    });
    // One listener for all tiles (each tile's id is on it), not two per tile to add and remove.
    let select_target = move |ev: &web_sys::Event| {
        if let Some(id) = target_data(ev, "rect.tile", "data-shard") {
            state.selected_shard.set(Some(id));
        }
    };
    let tiles = move || {
        view! {
            <g
                class="tiles"
                on:click=move |ev| select_target(&ev)
                on:keydown=move |ev| {
                    if activates(&ev) {
                        ev.prevent_default();
                        select_target(&ev);
                    }
                }
            >
                <For
                    each=move || map.with(|m| m.tiles.clone())
                    key=|t| {
                        (
                            t.shard_id,
                            t.table.clone(),
                            t.node.clone(),
                            t.color,
                            format!("{:.1} {:.1}", t.x, t.y),
                        )
                    }
                    children=move |t| {
                        let (id, color) = (t.shard_id, t.color);
                        let class = move || {
                            let mut class = format!("tile cg-{color}");
                            if touched.with(|s| s.contains(&id)) {
                                class.push_str(" touched");
                            }
                            if state.selected_shard.get() == Some(id) {
                                class.push_str(" selected");
                            }
                            if focused_shard.get() == Some(id) {
                                class.push_str(" focused");
                            }
                            class
                        };
                        let stats = move || tile_rows.with(|m| m.get(&id).copied().unwrap_or((0, 0.0)));
                        let (table, node) = (t.table.clone(), t.node.clone());
                        let label = move || {
                            format!(
                                "shard {id} of {table} on {node}, {}{}",
                                crate::network::rows_text(stats().0),
                                if touched.with(|s| s.contains(&id)) {
                                    ", used by the last statement"
                                } else {
                                    ""
                                }
                            )
                        };
                        let aria = label.clone();
                        view! {
                            <rect
                                class=class
                                data-shard=id.to_string()
                                x=format!("{:.1}", t.x)
                                y=format!("{:.1}", t.y)
                                width=TILE.to_string()
                                height=TILE.to_string()
                                rx="2"
                                style=move || format!("fill-opacity: {:.2}", 0.2 + 0.8 * stats().1)
                                tabindex="0"
                                role="button"
                                aria-label=aria
                            >
                                <title>{label}</title>
                            </rect>
                        }
                    }
                />
            </g>
        }
    };

    let nodes = move || {
        let busy: BTreeSet<String> =
            summary.with(|s| crate::sort::collect_set(s.task_nodes.iter().cloned()));
        let m = map.get();
        let coordinator = m.nodes.iter().find(|n| n.is_coordinator).cloned();
        m.nodes
            .into_iter()
            .map(|n| {
                let mut class = match (n.is_coordinator, busy.contains(&n.name)) {
                    (true, _) => "node coordinator".to_string(),
                    (false, true) => "node worker busy".to_string(),
                    (false, false) => "node worker".to_string(),
                };
                if n.down {
                    class.push_str(" down");
                }
                if n.cut {
                    class.push_str(" cut");
                }
                let notes = n
                    .notes
                    .iter()
                    .enumerate()
                    .map(|(i, note)| {
                        let y = n.y + 20.0 + NOTE * (i as f64 + 1.0);
                        view! {
                            <text class="node-note" x=format!("{:.1}", n.x + 8.0) y=format!("{y:.1}")>
                                {note.clone()}
                            </text>
                        }
                    })
                    .collect_view();
                // A cut link: a broken line between the coordinator and the node.
                let link = coordinator
                    .as_ref()
                    .filter(|_| n.cut && !n.is_coordinator)
                    .map(|c| {
                        let (x1, y1) = (c.x + c.w / 2.0, c.y + c.h);
                        let (x2, y2) = (n.x + n.w / 2.0, n.y);
                        view! {
                            <g class="cut-link">
                                <title>{format!("link between {} and {} cut", c.name, n.name)}</title>
                                <line
                                    x1=format!("{x1:.1}")
                                    y1=format!("{y1:.1}")
                                    x2=format!("{x2:.1}")
                                    y2=format!("{y2:.1}")
                                />
                                <text x=format!("{:.1}", (x1 + x2) / 2.0) y=format!("{:.1}", (y1 + y2) / 2.0)>
                                    "✂"
                                </text>
                            </g>
                        }
                    });
                view! {
                    <g class=class data-node=n.name.clone()>
                        <rect
                            x=format!("{:.1}", n.x)
                            y=format!("{:.1}", n.y)
                            width=format!("{:.1}", n.w)
                            height=format!("{:.1}", n.h)
                            rx="6"
                        />
                        <text x=format!("{:.1}", n.x + 8.0) y=format!("{:.1}", n.y + 20.0)>
                            {n.label}
                        </text>
                        {notes}
                    </g>
                    {link}
                }
            })
            .collect_view()
    };

    let bands = move || {
        map.get()
            .bands
            .into_iter()
            .map(|b| {
                let first = b.shard_ids.first().copied();
                let label = format!("reference tables on {}: {}", b.node, b.tables.join(", "));
                let aria = label.clone();
                let select = move || state.selected_shard.set(first);
                view! {
                    <g
                        class="band"
                        tabindex="0"
                        role="button"
                        aria-label=aria
                        on:click=move |_| select()
                        on:keydown=move |ev| {
                            if activates(&ev) {
                                ev.prevent_default();
                                select();
                            }
                        }
                    >
                        <title>{label}</title>
                        <rect
                            x=format!("{:.1}", b.x)
                            y=format!("{:.1}", b.y)
                            width=format!("{:.1}", b.w)
                            height=format!("{:.1}", b.h)
                            rx="3"
                        />
                        <text x=format!("{:.1}", b.x + 6.0) y=format!("{:.1}", b.y + 13.0)>
                            {format!("ref: {}", b.tables.join(", "))}
                        </text>
                    </g>
                }
            })
            .collect_view()
    };

    let legend = move || {
        map.get()
            .groups
            .into_iter()
            .map(|(id, color, tables)| {
                view! {
                    <li>
                        <span class=format!("swatch cg-{color}") aria-hidden="true"></span>
                        {format!("co-location group {id}: {}", tables.join(", "))}
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <super::faults::FaultPanel />
        <Show
            when=move || !state.nodes.with(Vec::is_empty)
            fallback=|| {
                view! {
                    <p class="empty">
                        "No nodes to show yet: the cluster has not reported any."
                    </p>
                }
            }
        >
            <AnimControls playback=playback />
            <svg
                class="map"
                viewBox=move || format!("0 0 {WIDTH} {:.0}", map.with(|m| m.height))
                role="group"
                aria-label="Cluster map: nodes and their shard placements"
            >
                {nodes}
                <ArrowHits playback=playback map=map />
                {bands}
                {tiles}
                <RoutingArrows playback=playback map=map />
            </svg>
            <ul class="legend" aria-label="Map legend">
                {legend}
                <li>
                    <span class="swatch band-swatch" aria-hidden="true"></span>
                    "reference table (a copy on every node)"
                </li>
                <li>
                    <span class="swatch touched-swatch" aria-hidden="true"></span>
                    "outlined: used by the last statement; darker: more rows"
                </li>
            </ul>
        </Show>
        <ShardDetails />
    }
}

fn describe(shard: &ShardInfo) -> Vec<(&'static str, String)> {
    let range = match (shard.min_value, shard.max_value) {
        (Some(lo), Some(hi)) => format!("{lo} .. {hi}"),
        _ if shard.is_reference => "none: reference table, full copy".to_string(),
        _ => "none".to_string(),
    };
    vec![
        ("table", shard.table.clone()),
        ("shard", shard.shard_name.clone()),
        ("hash range", range),
        ("placement", shard.nodes.join(", ")),
        ("co-location group", shard.colocation_id.to_string()),
        ("rows", shard.row_count.to_string()),
    ]
}

/// Details of the selected shard; its rows are read from the first node holding it.
#[component]
fn ShardDetails() -> impl IntoView {
    let state = expect_context::<AppState>();
    let shard = Memo::new(move |_| {
        let id = state.selected_shard.get()?;
        state
            .shards
            .with(|all| all.iter().find(|s| s.shard_id == id).cloned())
    });
    let rows_text = move || {
        let s = shard.get()?;
        let node = s.nodes.first()?.clone();
        state.version.track();
        let result = state.with_cluster(|c| c.node_table_rows(&node, &s.shard_name));
        Some(match result {
            Ok(mut rs) => {
                let total = rs.rows.len();
                rs.rows.truncate(MAX_DETAIL_ROWS);
                let mut text = aligned(&Table::from_result(&rs, ""));
                if total > MAX_DETAIL_ROWS {
                    text.push_str(&format!(
                        "(first {MAX_DETAIL_ROWS} of {total} rows shown)\n"
                    ));
                }
                format!("{} on {node}:\n{text}", s.shard_name)
            }
            Err(e) => format::error(&e, Verbosity::Default, ""),
        })
    };
    // Delivered alongside: whether any task of the last statement ran on this shard.
    let tasks_here = move || {
        let id = state.selected_shard.get()?;
        let n = state.last_events.with(|evs| {
            evs.iter()
                .filter(|e| e.kind == MessageKind::Task && e.shard == Some(id))
                .count()
        });
        (n > 0).then(|| format!("{n} task(s) of the last statement ran here"))
    };
    view! {
        <Show when=move || shard.with(Option::is_some)>
            <div class="shard-details" aria-live="polite" aria-label="Selected shard">
                <h3>{move || shard.get().map(|s| s.shard_name).unwrap_or_default()}</h3>
                <dl>
                    {move || {
                        shard
                            .get()
                            .map(|s| {
                                describe(&s)
                                    .into_iter()
                                    .map(|(k, v)| view! {
                                        <dt>{k}</dt>
                                        <dd>{v}</dd>
                                    })
                                    .collect_view()
                            })
                    }}
                </dl>
                <p class="tasks-here">{tasks_here}</p>
                <pre class="shard-rows">{rows_text}</pre>
                <button
                    type="button"
                    aria-label="Close the shard details"
                    on:click=move |_| state.selected_shard.set(None)
                >
                    "Close"
                </button>
            </div>
        </Show>
    }
}
