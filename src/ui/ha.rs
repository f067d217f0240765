//! The availability strip under the map: the HA manager's leader leases (a meter each,
//! running down once a primary stops renewing) and what the last statement did to
//! availability, step by step: a lease running out, the election, the promotion, the catalog
//! change, lost transactions, a commit waiting for its synchronous standby.

use super::app::AppState;
use crate::viz::ha_story::{label, lease_text, story, HaEvent};
use leptos::prelude::*;

#[component]
pub fn HaPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let steps = Memo::new(move |_| state.last_events.with(|evs| story(evs)));
    let shown = move || state.ha_on.get() || !steps.with(Vec::is_empty);
    let leases = move || {
        state
            .leases
            .get()
            .into_iter()
            .map(|l| {
                let text = lease_text(&l);
                let class = if l.renewed {
                    "lease renewed"
                } else {
                    "lease expiring"
                };
                view! {
                    <li class=class>
                        <span class="lease-node">{format!("lease of {}", l.node)}</span>
                        <meter
                            min="0"
                            max=l.ttl_us.to_string()
                            low=(l.ttl_us / 3).to_string()
                            optimum=l.ttl_us.to_string()
                            value=l.remaining_us.to_string()
                            aria-label=format!("leader lease of {}: {text}", l.node)
                        ></meter>
                        <span class="lease-text">{text}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let told = move || {
        steps
            .get()
            .into_iter()
            .map(|HaEvent { step, node, text }| {
                view! {
                    <li class=format!("ha-step {}", step.phase().replace(' ', "-"))>
                        <span class="ha-label">{label(step)}</span>
                        " "
                        <span class="ha-node">{node}</span>
                        ": "
                        <span class="ha-text">{text}</span>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=shown>
            <section class="ha-panel" aria-label="High availability">
                <h3>
                    {move || if state.ha_on.get() { "HA manager: on" } else { "HA manager: off" }}
                </h3>
                <ul class="leases" aria-label="Leader leases">{leases}</ul>
                <ol class="ha-story" aria-label="What the last statement did to availability">
                    {told}
                </ol>
            </section>
        </Show>
    }
}
