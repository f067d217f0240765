//! The routing animation on the cluster map: the last statement's messages as arrows, played
//! one message at a time with timers (never a busy loop), with replay, step and speed controls.
//! All sequencing lives in `viz::animation`.

use crate::viz::animation::{
    count_badges, delay_ms, label_spot, shape, speed_label, Animation, Shape, SPEEDS,
};
use crate::viz::layout::MapLayout;
use crate::viz::layout::CHAR_W;
use leptos::prelude::*;
use std::time::Duration;

/// The playback state the map and the controls share.
#[derive(Clone, Copy)]
pub struct Playback {
    pub anim: Memo<Animation>,
    /// How many messages are shown.
    pub step: RwSignal<usize>,
    /// Index into `SPEEDS`.
    pub speed: RwSignal<usize>,
    pub playing: RwSignal<bool>,
    /// The arrow under the pointer (its index), whose SQL the controls show.
    pub hovered: RwSignal<Option<usize>>,
    /// Bumped to cancel the pending timer of an earlier playback.
    generation: StoredValue<u64>,
}

impl Playback {
    pub fn new(anim: Memo<Animation>) -> Self {
        Playback {
            anim,
            step: RwSignal::new(0),
            speed: RwSignal::new(0),
            playing: RwSignal::new(false),
            hovered: RwSignal::new(None),
            generation: StoredValue::new(0),
        }
    }

    fn cancel(&self) -> u64 {
        let next = self.generation.try_get_value().unwrap_or(0).wrapping_add(1);
        self.generation.try_set_value(next);
        next
    }

    /// Shows the messages again from the first.
    pub fn replay(&self) {
        let generation = self.cancel();
        self.step.try_set(0);
        let empty = self
            .anim
            .try_with_untracked(Animation::is_empty)
            .unwrap_or(true);
        self.playing.try_set(!empty);
        if !empty {
            self.schedule(generation);
        }
    }

    fn schedule(self, generation: u64) {
        let delay = delay_ms(self.speed.try_get_untracked().unwrap_or(0));
        set_timeout(
            move || {
                if self.generation.try_get_value() != Some(generation) {
                    return;
                }
                let Some(len) = self.anim.try_with_untracked(Animation::len) else {
                    return;
                };
                let next = (self.step.try_get_untracked().unwrap_or(len) + 1).min(len);
                self.step.try_set(next);
                if next < len {
                    self.schedule(generation);
                } else {
                    self.playing.try_set(false);
                }
            },
            Duration::from_millis(u64::from(delay)),
        );
    }

    /// Stops playback and moves one message forward (`true`) or back.
    pub fn step_by(&self, forward: bool) {
        self.cancel();
        self.playing.try_set(false);
        let k = self.step.try_get_untracked().unwrap_or(0);
        let next = self
            .anim
            .try_with_untracked(|a| if forward { a.next(k) } else { a.prev(k) })
            .unwrap_or(0);
        self.step.try_set(next);
    }

    pub fn next_speed(&self) {
        self.speed.try_update(|s| *s = (*s + 1) % SPEEDS.len());
    }
}

fn num(v: f64) -> String {
    format!("{v:.1}")
}

/// The arrows of the visible frame, drawn on top of the tiles. Their labels sit in the gap
/// above the box they point at (see `label_spot`), so they never cover a title.
#[component]
pub fn RoutingArrows(playback: Playback, map: Memo<MapLayout>) -> impl IntoView {
    let arrows = move || {
        let k = playback.step.get();
        let hovered = playback.hovered.get();
        let current = playback.anim.with(|a| a.current(k).map(|c| c.index));
        map.with(|m| {
            playback.anim.with(|a| {
                a.frame(k)
                    .iter()
                    .filter_map(|arrow| {
                        let shape = shape(m, arrow)?;
                        let mut class = arrow.kind.class().to_string();
                        if current == Some(arrow.index) {
                            class.push_str(" current");
                        }
                        if hovered == Some(arrow.index) {
                            class.push_str(" hovered");
                        }
                        let title = arrow.title();
                        Some(match shape {
                            Shape::Line { x1, y1, x2, y2 } => view! {
                                <g class=class data-shard=arrow.shard.map(|s| s.to_string())>
                                    <title>{title}</title>
                                    <line
                                        x1=num(x1)
                                        y1=num(y1)
                                        x2=num(x2)
                                        y2=num(y2)
                                        marker-end="url(#arrowhead)"
                                    />
                                </g>
                            }
                            .into_any(),
                            Shape::Badge { cx, cy, glyph } => view! {
                                <g class=class>
                                    <title>{title}</title>
                                    <circle cx=num(cx) cy=num(cy) r="9" />
                                    <text x=num(cx) y=num(cy + 4.0) text-anchor="middle">
                                        {glyph}
                                    </text>
                                </g>
                            }
                            .into_any(),
                        })
                    })
                    .collect_view()
            })
        })
    };
    let labels = move || {
        let k = playback.step.get();
        let hovered = playback.hovered.get();
        map.with(|m| {
            playback.anim.with(|a| {
                a.labels(k, hovered)
                    .into_iter()
                    .filter_map(|(i, text)| {
                        let arrow = a.frame(k).get(i)?;
                        let (x, y) = label_spot(m, arrow, &shape(m, arrow)?, &text)?;
                        Some(view! {
                            <text class="arrow-label" data-index=i.to_string() x=num(x) y=num(y)>
                                {text}
                            </text>
                        })
                    })
                    .collect_view()
            })
        })
    };
    let badges = move || {
        let k = playback.step.get();
        map.with(|m| {
            playback.anim.with(|a| {
                count_badges(m, a, k)
                    .into_iter()
                    .map(|b| {
                        let text = b.text();
                        // Wide enough for "32 tasks" in the label font.
                        let w = 6.0 + CHAR_W * text.chars().count() as f64;
                        view! {
                            <g class="task-count" data-node=b.node>
                                <rect x=num(b.x - w) y=num(b.y - 8.0) width=num(w) height="16" rx="7" />
                                <text x=num(b.x - w / 2.0) y=num(b.y + 4.0) text-anchor="middle">
                                    {text}
                                </text>
                            </g>
                        }
                    })
                    .collect_view()
            })
        })
    };
    view! {
        <g class="routing" aria-hidden="true">
            <defs>
                <marker
                    id="arrowhead"
                    viewBox="0 0 10 10"
                    refX="9"
                    refY="5"
                    markerWidth="5"
                    markerHeight="5"
                    orient="auto-start-reverse"
                >
                    <path d="M 0 0 L 10 5 L 0 10 z" />
                </marker>
            </defs>
            {arrows}
            {badges}
            {labels}
        </g>
    }
}

/// Invisible, wider copies of the visible lines that take the pointer: hovering one shows its
/// message and SQL. Drawn beneath the tiles and bands, so wherever an arrow crosses a tile the
/// tile still gets the click; the arrows drawn on top never take the pointer.
#[component]
pub fn ArrowHits(playback: Playback, map: Memo<MapLayout>) -> impl IntoView {
    let hits = move || {
        let k = playback.step.get();
        map.with(|m| {
            playback.anim.with(|a| {
                a.frame(k)
                    .iter()
                    .filter_map(|arrow| {
                        let Shape::Line { x1, y1, x2, y2, .. } = shape(m, arrow)? else {
                            return None;
                        };
                        let i = arrow.index;
                        Some(view! {
                            <line
                                class="arrow-hit"
                                data-index=i.to_string()
                                x1=num(x1)
                                y1=num(y1)
                                x2=num(x2)
                                y2=num(y2)
                                on:mouseenter=move |_| playback.hovered.set(Some(i))
                                on:mouseleave=move |_| {
                                    playback.hovered.update(|h| {
                                        if *h == Some(i) {
                                            *h = None;
                                        }
                                    })
                                }
                            >
                                <title>{arrow.title()}</title>
                            </line>
                        })
                    })
                    .collect_view()
            })
        })
    };
    view! { <g class="arrow-hits">{hits}</g> }
}

/// Replay, step and speed buttons, and what the current frame shows.
#[component]
pub fn AnimControls(playback: Playback) -> impl IntoView {
    let state = expect_context::<super::app::AppState>();
    // Shards of reference tables, so a join with one is named as such.
    let reference_shards = Memo::new(move |_| {
        state.shards.with(|shards| {
            crate::sort::collect_set(shards.iter().filter(|s| s.is_reference).map(|s| s.shard_id))
        })
    });
    let status = move || {
        let k = playback.step.get();
        playback.anim.with(|a| {
            if a.is_empty() {
                return "no messages to animate".to_string();
            }
            let what = a
                .current(k)
                .map(|c| {
                    let mut s = format!("{}: {} → {}", c.label, c.from, c.to);
                    if let Some(id) = c.shard {
                        s.push_str(&format!(", shard {id}"));
                    }
                    s
                })
                .unwrap_or_else(|| "start".to_string());
            format!(
                "message {k} of {} · {} · {}",
                a.len(),
                what,
                a.pattern(&reference_shards.get()).describe()
            )
        })
    };
    let speed = move || speed_label(playback.speed.get());
    // The hovered arrow's message and SQL, else the current message's SQL.
    let current_sql = move || {
        let k = playback.step.get();
        let hovered = playback.hovered.get();
        playback
            .anim
            .with(|a| match a.hovered(k, hovered) {
                Some(h) => Some(h.title()),
                None => a.current(k).map(|c| c.sql.clone()),
            })
            .unwrap_or_default()
    };
    view! {
        <div class="anim-controls" role="toolbar" aria-label="Routing animation">
            <button
                type="button"
                class="anim-replay"
                aria-label="Replay the routing animation of the last statement"
                on:click=move |_| playback.replay()
            >
                "⟲ Replay"
            </button>
            <button
                type="button"
                class="anim-step anim-back"
                aria-label="Step back one message"
                on:click=move |_| playback.step_by(false)
            >
                "◀"
            </button>
            <button
                type="button"
                class="anim-step anim-forward"
                aria-label="Step forward one message"
                on:click=move |_| playback.step_by(true)
            >
                "▶"
            </button>
            <button
                type="button"
                class="anim-speed"
                aria-label=move || format!("Animation speed {}; press to change", speed())
                on:click=move |_| playback.next_speed()
            >
                {speed}
            </button>
            <span class="anim-status" aria-live="off" role="region" aria-label="The message shown" tabindex="0">
                {status}
            </span>
        </div>
        <pre class="anim-sql" role="region" aria-label="SQL of the current or hovered message" tabindex="0">
            {current_sql}
        </pre>
    }
}
