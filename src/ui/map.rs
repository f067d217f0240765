//! The cluster map: nodes as boxes, shard placements as tiles in their node's colour (the same
//! colour as in the hash view) shaded by row count, each table's block of tiles named, reference
//! tables as neutral bands. Tiles touched by the last statement's tasks are outlined; clicking a
//! tile shows its range, placement and rows.

use super::app::AppState;
use super::routing::{AnimControls, ArrowHits, Playback, RoutingArrows};
use crate::cluster::ShardInfo;
use crate::psql::format::{self, aligned, Table, Verbosity};
use crate::trace::MessageKind;
use crate::viz::animation::Animation;
use crate::viz::layout::{
    layout_with_standbys, worker_class, LabelKind, MapLayout, NodeBox, STRIPE, TILE,
};
use crate::viz::verdict::Summary;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

use wasm_bindgen::closure::Closure;
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

/// Keeps `width` at the inner width of the element `frame` refers to, through a
/// ResizeObserver: the pane changes width with the window and with the splitters.
fn follow_width(frame: NodeRef<leptos::html::Div>, width: RwSignal<f64>) {
    let observer = StoredValue::new_local(None::<(web_sys::ResizeObserver, Closure<dyn FnMut()>)>);
    Effect::new(move |_| {
        let Some(el) = frame.get() else { return };
        if observer.with_value(Option::is_some) {
            return;
        }
        let target: web_sys::Element = el.clone().into();
        let measure = move || {
            let w = f64::from(target.client_width());
            if w > 0.0 && width.try_get_untracked() != Some(w) {
                width.try_set(w);
            }
        };
        measure();
        let callback = Closure::<dyn FnMut()>::new(measure);
        if let Ok(o) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
            o.observe(&el);
            observer.set_value(Some((o, callback)));
        }
    });
    on_cleanup(move || {
        observer.try_update_value(|o| {
            if let Some((o, _)) = o.take() {
                o.disconnect();
            }
        });
    });
}

#[component]
pub fn ClusterMap() -> impl IntoView {
    let state = expect_context::<AppState>();
    let frame: NodeRef<leptos::html::Div> = NodeRef::new();
    let width = RwSignal::new(640.0);
    follow_width(frame, width);
    let map = Memo::new(move |_| {
        layout_with_standbys(
            &state.nodes.get(),
            &state.shards.get(),
            &state.standbys.get(),
            width.get(),
        )
    });
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
    // change with statements; where the tiles are, only when shards, nodes or the width do. So
    // a tile is drawn once (keyed by where it is) and its class, shading and label follow these.
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
                        let id = t.shard_id;
                        // Colour is the node's: a worker's palette colour, neutral on the
                        // coordinator.
                        let color = t.color.map_or_else(|| "coordinator-tile".to_string(), worker_class);
                        let class = move || {
                            let mut class = format!("tile {color}");
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

    let busy = Memo::new(move |_| {
        summary.with(|s| crate::sort::collect_set(s.task_nodes.iter().cloned()))
    });
    let ha_marks = Memo::new(move |_| {
        state
            .last_events
            .with(|evs| crate::viz::ha_story::node_marks(&crate::viz::ha_story::story(evs)))
    });
    let leases = state.leases;
    // The state classes a node's frame and its labels share.
    let node_class = move |n: &NodeBox| {
        let mut class = if n.is_coordinator {
            "coordinator".to_string()
        } else if busy.with(|b| b.contains(&n.name)) {
            "worker busy".to_string()
        } else {
            "worker".to_string()
        };
        if n.down {
            class.push_str(" down");
        }
        if n.cut {
            class.push_str(" cut");
        }
        if n.standby_of.is_some() {
            class.push_str(" standby");
        }
        // What the last statement's failover or commit wait did to this node.
        for mark in ha_marks.with(|m| m.get(&n.name).cloned().unwrap_or_default()) {
            class.push(' ');
            class.push_str(mark);
        }
        if leases.with(|ls| ls.iter().any(|l| l.node == n.name && !l.renewed)) {
            class.push_str(" lease-expiring");
        }
        class
    };

    // The boxes, beneath everything: a frame with a stripe in the node's colour.
    let frames = move || {
        let m = map.get();
        let coordinator = m.nodes.iter().find(|n| n.is_coordinator).cloned();
        m.nodes
            .iter()
            .map(|n| {
                let stripe = n.color.map_or_else(|| "coordinator-stripe".to_string(), worker_class);
                let (x, y, w) = (n.x, n.y, n.w);
                let stripe_path = format!(
                    "M {x:.1} {:.1} V {:.1} Q {x:.1} {y:.1} {:.1} {y:.1} H {:.1} Q {:.1} {y:.1} {:.1} {:.1} V {:.1} Z",
                    y + STRIPE,
                    y + 6.0,
                    x + 6.0,
                    x + w - 6.0,
                    x + w,
                    x + w,
                    y + 6.0,
                    y + STRIPE,
                );
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
                let wal = n.standby_of.as_ref().map(|p| wal_link(&m, n, p));
                view! {
                    <g class=format!("node-frame {}", node_class(n)) data-frame=n.name.clone()>
                        <rect
                            class="frame"
                            x=format!("{x:.1}")
                            y=format!("{y:.1}")
                            width=format!("{w:.1}")
                            height=format!("{:.1}", n.h)
                            rx="6"
                        />
                        <path class=format!("stripe {stripe}") d=stripe_path />
                    </g>
                    {link}
                    {wal}
                }
            })
            .collect_view()
    };

    // Every text of a node (title, notes, table and band labels), drawn above the arrows with
    // a halo, so an arrow crossing one never hides it.
    let labels = move || {
        let m = map.get();
        m.nodes
            .iter()
            .map(|n| {
                let texts = m
                    .labels
                    .iter()
                    .filter(|l| l.node == n.name)
                    .map(|l| {
                        let (x, y) = (format!("{:.1}", l.x), format!("{:.1}", l.baseline));
                        match l.kind {
                            LabelKind::Title => view! {
                                <g class="node-title">
                                    <title>{l.full.clone()}</title>
                                    <text x=x y=y>{l.text.clone()}</text>
                                </g>
                            }
                            .into_any(),
                            LabelKind::Note => view! {
                                <text class="node-note" x=x y=y>{l.text.clone()}</text>
                            }
                            .into_any(),
                            LabelKind::Table | LabelKind::Band => {
                                let class = if l.kind == LabelKind::Table {
                                    "table-label"
                                } else {
                                    "band-label"
                                };
                                view! {
                                    <g
                                        class=class
                                        data-table=l.table.clone().unwrap_or_default()
                                        aria-label=l.full.clone()
                                    >
                                        <title>{l.full.clone()}</title>
                                        <text x=x y=y>{l.text.clone()}</text>
                                    </g>
                                }
                                .into_any()
                            }
                        }
                    })
                    .collect_view();
                view! {
                    <g class=format!("node {}", node_class(n)) data-node=n.name.clone()>
                        {texts}
                    </g>
                }
            })
            .collect_view()
    };

    let bands = move || {
        map.get()
            .bands
            .into_iter()
            .map(|b| {
                let id = b.shard_id;
                let label = format!("reference table {} on {}: a full copy", b.table, b.node);
                let aria = label.clone();
                let select = move || state.selected_shard.set(Some(id));
                view! {
                    <g
                        class="band"
                        data-table=b.table.clone()
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
                    </g>
                }
            })
            .collect_view()
    };

    let legend = move || {
        let m = map.get();
        let nodes = m
            .nodes
            .iter()
            .map(|n| {
                let swatch = n
                    .color
                    .map_or_else(|| "coordinator-stripe".to_string(), worker_class);
                view! {
                    <li class="legend-node">
                        <span class=format!("swatch {swatch}") aria-hidden="true"></span>
                        {n.name.clone()}
                    </li>
                }
            })
            .collect_view();
        // Co-location is told in words: colour belongs to the nodes.
        let groups = m
            .groups
            .iter()
            .map(|(id, tables)| {
                view! { <li class="legend-group">{format!("co-location group {id}: {}", tables.join(", "))}</li> }
            })
            .collect_view();
        (nodes, groups)
    };

    view! {
        <super::faults::FaultPanel />
        <div class="map-frame" node_ref=frame>
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
                        width=move || format!("{:.0}", map.with(|m| m.width))
                        height=move || format!("{:.0}", map.with(|m| m.height))
                        viewBox=move || map.with(|m| format!("0 0 {:.0} {:.0}", m.width, m.height))
                        role="group"
                        aria-label="Cluster map: nodes and their shard placements"
                    >
                        {frames}
                        <ArrowHits playback=playback map=map />
                        {bands}
                        {tiles}
                        <RoutingArrows playback=playback map=map />
                        <g class="map-labels">{labels}</g>
                    </svg>
                <super::ha::HaPanel />
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
        </div>
        <ShardDetails />
    }
}

/// A standby's replication link from its primary, and its lag bar along the bottom of its box.
fn wal_link(map: &MapLayout, n: &NodeBox, primary: &str) -> impl IntoView {
    let line = map.nodes.iter().find(|b| b.name == primary).map(|p| {
        let (x1, y1) = (p.x + p.w / 2.0, p.y + p.h);
        let (x2, y2) = (n.x + n.w / 2.0, n.y);
        view! {
            <g class="wal-link">
                <title>{format!("WAL streams from {primary} to {}", n.name)}</title>
                <line
                    x1=format!("{x1:.1}")
                    y1=format!("{y1:.1}")
                    x2=format!("{x2:.1}")
                    y2=format!("{y2:.1}")
                />
            </g>
        }
    });
    let (x, y, w) = (n.x + 8.0, n.y + n.h - 10.0, n.w - 16.0);
    let lag = n.notes.get(1).cloned().unwrap_or_default();
    let caught_up = n.lag <= 0.0;
    view! {
        {line}
        <g class="lag" role="img" aria-label=format!("{}: {lag}", n.name)>
            <title>{lag.clone()}</title>
            <rect class="lag-track" x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{w:.1}") height="5" rx="2" />
            <rect
                class=if caught_up { "lag-bar caught-up" } else { "lag-bar" }
                x=format!("{x:.1}")
                y=format!("{y:.1}")
                width=format!("{:.1}", if caught_up { 2.0 } else { (w * n.lag).max(2.0) })
                height="5"
                rx="2"
            />
        </g>
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
        let result = state.with_viewed_cluster(|c| c.node_table_rows(&node, &s.shard_name));
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
    // Escape closes the details, unless a dialog over the page takes it for itself.
    let on_key = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "Escape" || state.selected_shard.try_get_untracked().flatten().is_none() {
            return;
        }
        let dialog_open = document()
            .query_selector(".sheet-backdrop")
            .ok()
            .flatten()
            .is_some();
        if !dialog_open {
            state.selected_shard.try_set(None);
        }
    });
    on_cleanup(move || on_key.remove());
    // The details follow the map in the pane: bring them into view when a shard is picked.
    let details: NodeRef<leptos::html::Div> = NodeRef::new();
    Effect::new(move |_| {
        if let (Some(_), Some(el)) = (state.selected_shard.get(), details.get()) {
            el.scroll_into_view_with_bool(false);
        }
    });
    view! {
        <Show when=move || shard.with(Option::is_some)>
            <div
                class="shard-details"
                node_ref=details
                role="region"
                aria-live="polite"
                aria-label="Selected shard"
            >
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
                <pre class="shard-rows" tabindex="0" aria-label="Rows of the selected shard">
                    {rows_text}
                </pre>
                <button
                    type="button"
                    class="close-details"
                    aria-label="Close the shard details"
                    title="Close (Escape)"
                    on:click=move |_| state.selected_shard.set(None)
                >
                    "Close"
                </button>
            </div>
        </Show>
    }
}
