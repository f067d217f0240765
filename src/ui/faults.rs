//! The fault controls above the map: crash and restart a node, cut and restore its link, arm a
//! crash for a step of the next two-phase commit, run recovery, move the clock; and the
//! replication controls: add a standby, fail over, switch over, the HA manager. Each button
//! types the matching meta-command into the console, so the transcript shows what was done.

use super::app::AppState;
use crate::network::FaultStep;
use leptos::prelude::*;

#[component]
pub fn FaultPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let target = RwSignal::new("worker-1".to_string());
    let step = RwSignal::new(FaultStep::AfterPrepare.name().to_string());
    // The chosen node as the cluster sees it now.
    let chosen = Memo::new(move |_| {
        let name = target.get();
        state
            .nodes
            .with(|ns| ns.iter().find(|n| n.name == name).cloned())
    });
    let up = move || chosen.with(|n| n.as_ref().is_some_and(|n| n.is_up));
    let cut = move || chosen.with(|n| n.as_ref().is_some_and(|n| n.is_cut));
    let coordinator = move || chosen.with(|n| n.as_ref().is_some_and(|n| n.is_coordinator));
    let run = move |cmd: String| {
        state.run_sql(&cmd);
    };
    let options = move || {
        state.nodes.with(|ns| {
            ns.iter()
                .map(|n| {
                    let name = n.name.clone();
                    let label = if n.is_up {
                        name.clone()
                    } else {
                        format!("{name} (down)")
                    };
                    view! { <option value=name.clone() selected=move || target.get() == name>{label}</option> }
                })
                .collect_view()
        })
    };
    let steps = FaultStep::ALL
        .iter()
        .map(|s| {
            let name = s.name();
            view! { <option value=name selected=move || step.get() == name>{name}</option> }
        })
        .collect_view();
    view! {
        <div class="fault-panel" role="toolbar" aria-label="Faults">
            <label>
                "Node "
                <select
                    aria-label="Node to act on"
                    on:change=move |ev| target.set(event_target_value(&ev))
                >
                    {options}
                </select>
            </label>
            <NodeAction label="Crash" command="crash" target disabled=Signal::derive(move || !up()) />
            <NodeAction label="Restart" command="restart" target disabled=Signal::derive(up) />
            <NodeAction
                label="Cut link"
                command="disconnect"
                target
                disabled=Signal::derive(move || cut() || coordinator())
            />
            <NodeAction
                label="Restore link"
                command="reconnect"
                target
                disabled=Signal::derive(move || !cut())
            />
            <label>
                "crash at "
                <select
                    aria-label="Step of the next two-phase commit"
                    on:change=move |ev| step.set(event_target_value(&ev))
                >
                    {steps}
                </select>
            </label>
            <button
                type="button"
                on:click=move |_| {
                    run(format!("\\fail {} at {}", target.get_untracked(), step.get_untracked()))
                }
            >
                "Arm"
            </button>
            <span class="fault-sep" aria-hidden="true"></span>
            <CommandButton
                label="Recover 2PC"
                command="SELECT recover_prepared_transactions();"
                title="SELECT recover_prepared_transactions()"
            />
            <CommandButton
                label="+1 min"
                command="\\tick 1min"
                title="Move the logical clock a minute on: the maintenance daemon runs recovery"
            />
        </div>
        <div class="fault-panel" role="toolbar" aria-label="Replication">
            <NodeAction label="Add standby" command="standby add" target disabled=Signal::derive(move || !up()) />
            <button
                type="button"
                disabled=move || !up()
                on:click=move |_| run(format!("\\standby add {} sync", target.get_untracked()))
            >
                "Add sync standby"
            </button>
            <NodeAction label="Fail over" command="failover" target disabled=Signal::derive(|| false) />
            <NodeAction label="Switch over" command="switchover" target disabled=Signal::derive(move || !up()) />
            <button
                type="button"
                aria-pressed=move || state.ha_on.get().to_string()
                title="An HA manager that promotes a standby when its primary's leader lease runs out"
                on:click=move |_| {
                    let on = !state.ha_on.get_untracked();
                    run(format!("\\ha {}", if on { "on" } else { "off" }))
                }
            >
                {move || if state.ha_on.get() { "HA manager: on" } else { "HA manager: off" }}
            </button>
            <CommandButton
                label="+10 s"
                command="\\tick 10s"
                title="Move the logical clock 10 seconds on: delayed WAL arrives, leases run out"
            />
        </div>
    }
}

/// A button that types one fixed command into the console.
#[component]
fn CommandButton(label: &'static str, command: &'static str, title: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <button
            type="button"
            title=title
            on:click=move |_| {
                state.run_sql(command);
            }
        >
            {label}
        </button>
    }
}

/// A button that types `\COMMAND NODE` for the chosen node.
#[component]
fn NodeAction(
    label: &'static str,
    command: &'static str,
    target: RwSignal<String>,
    disabled: Signal<bool>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <button
            type="button"
            disabled=move || disabled.get()
            on:click=move |_| {
                state.run_sql(&format!("\\{command} {}", target.get_untracked()));
            }
        >
            {label}
        </button>
    }
}
