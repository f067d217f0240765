//! The page layout and the state every panel shares.

use crate::cluster::{Cluster, NodeInfo, SessionView, ShardInfo};
use crate::psql::runner::{Step, Steps};
use crate::psql::Runner;
use crate::session::SessionId;
use crate::trace::TraceEvent;
use crate::viz::journal::{self, Journal};
use crate::viz::plan::last_explainable;
use crate::viz::transcript::{clip, parts, segments};
use leptos::prelude::*;
use std::sync::Arc;

use super::console::{keep_recent, Console, Entry};
use super::hashpanel::HashPanel;
use super::lessons::Lessons;
use super::map::ClusterMap;
use super::persist::{self, Notice, SessionButtons, SessionNotice};
use super::plan::PlanPanel;
use super::splitter::Splitter;
use super::theme::ThemeToggle;
use super::timeline::Timeline;
use super::timetravel::TimeTravel;

/// Shared UI state. The psql runner owns the cluster and the session; neither is reactive, so
/// after each run `version` is bumped and the memos below re-read them.
#[derive(Clone, Copy)]
pub struct AppState {
    pub runner: StoredValue<Runner<Cluster>, LocalStorage>,
    /// The node the console is connected to (`None` after a failed `\c` in psql's terms).
    pub node: Memo<Option<String>>,
    /// psql's transaction marker for the current session: `*` in a block, `!` failed.
    pub marker: Memo<&'static str>,
    /// The session the console drives.
    pub current_session: Memo<Option<SessionId>>,
    /// Every client session, with its state.
    pub sessions: Memo<Vec<SessionView>>,
    pub version: RwSignal<u64>,
    pub nodes: Memo<Vec<NodeInfo>>,
    /// Streaming standbys, drawn under their primaries.
    pub standbys: Memo<Vec<crate::replication::StandbyInfo>>,
    /// Whether the HA manager is on.
    pub ha_on: Memo<bool>,
    /// Its leader leases.
    pub leases: Memo<Vec<crate::replication::ha::LeaseInfo>>,
    pub shards: Memo<Vec<ShardInfo>>,
    pub last_events: Memo<Vec<TraceEvent>>,
    /// The shard whose details the map shows.
    pub selected_shard: RwSignal<Option<i64>>,
    /// The timeline message (by logical time) whose SQL is shown.
    pub focused_event: RwSignal<Option<u64>>,
    /// The console transcript (lessons run through it too). Shared entries, so the list is
    /// cheap to hand to the view after every run, however long the echoes and outputs.
    pub entries: RwSignal<Vec<Arc<Entry>>>,
    /// The last SELECT, INSERT, UPDATE or DELETE the learner ran, for "Explain last query".
    pub last_query: RwSignal<Option<String>>,
    /// Results shown as tables rather than psql's aligned text.
    pub table_view: RwSignal<bool>,
    next_entry: StoredValue<usize>,
    /// The console run under way while the page paints between its statements.
    pending: StoredValue<Option<PendingRun>, LocalStorage>,
    /// Every run and cancel so far: saved, shared, exported and replayed for time travel.
    pub journal: StoredValue<Journal>,
    /// While a saved or shared session replays: the runs done and the total.
    pub replaying: RwSignal<Option<(usize, usize)>>,
    /// What the app says about the session (restored, a link it could not open, ...).
    pub notice: RwSignal<Option<Notice>>,
    /// Set once the session no longer fits in storage, so that is said once.
    pub save_refused: StoredValue<bool>,
    /// Time travel: the map shows the cluster after this many journal actions (`None`: now).
    pub past: RwSignal<Option<usize>>,
    /// The cluster as it was at `past`, with the number of actions replayed on it.
    past_runner: StoredValue<Option<(usize, Runner<Cluster>)>, LocalStorage>,
}

/// Reads the cluster the map shows: an earlier one while travelling in time, else the live one.
fn read_viewed<R>(
    live: StoredValue<Runner<Cluster>, LocalStorage>,
    past: StoredValue<Option<(usize, Runner<Cluster>)>, LocalStorage>,
    f: impl Fn(&Cluster) -> R,
) -> R {
    past.with_value(|p| p.as_ref().map(|(_, r)| f(&r.exec)))
        .unwrap_or_else(|| live.with_value(|r| f(&r.exec)))
}

/// A run started with `AppState::begin_run` and not yet finished.
struct PendingRun {
    steps: Steps<std::vec::IntoIter<String>>,
    /// The text run, for the journal.
    sql: String,
    /// The trace's statement counter when the run began.
    before: u64,
}

/// How a call to `AppState::advance` left the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// More to run: the caller lets the page paint, then advances again.
    Paused,
    /// Done: psql's whole output (also in the transcript).
    Finished(String),
}

/// The page's clock in milliseconds (0 where there is none, e.g. native tests).
pub(super) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

impl AppState {
    pub(crate) fn new() -> Self {
        let runner = StoredValue::new_local(Runner::with_default_cluster());
        let past_runner = StoredValue::new_local(None);
        let version = RwSignal::new(0u64);
        AppState {
            runner,
            version,
            node: Memo::new(move |_| {
                version.track();
                runner.with_value(|r| r.session.and_then(|s| r.exec.session_node(s)))
            }),
            marker: Memo::new(move |_| {
                version.track();
                runner.with_value(|r| {
                    r.session
                        .and_then(|s| r.exec.session_view(s))
                        .map(|v| v.block.prompt_marker())
                        .unwrap_or("")
                })
            }),
            current_session: Memo::new(move |_| {
                version.track();
                runner.with_value(|r| r.session)
            }),
            sessions: Memo::new(move |_| {
                version.track();
                runner.with_value(|r| r.exec.sessions())
            }),
            nodes: Memo::new(move |_| {
                version.track();
                read_viewed(runner, past_runner, Cluster::nodes)
            }),
            shards: Memo::new(move |_| {
                version.track();
                read_viewed(runner, past_runner, Cluster::shards)
            }),
            standbys: Memo::new(move |_| {
                version.track();
                read_viewed(runner, past_runner, Cluster::standbys)
            }),
            ha_on: Memo::new(move |_| {
                version.track();
                read_viewed(runner, past_runner, Cluster::ha_on)
            }),
            leases: Memo::new(move |_| {
                version.track();
                read_viewed(runner, past_runner, Cluster::leases)
            }),
            last_events: Memo::new(move |_| {
                version.track();
                read_viewed(runner, past_runner, Cluster::last_statement_events)
            }),
            selected_shard: RwSignal::new(None),
            focused_event: RwSignal::new(None),
            entries: RwSignal::new(Vec::new()),
            last_query: RwSignal::new(None),
            table_view: RwSignal::new(false),
            next_entry: StoredValue::new(0),
            pending: StoredValue::new_local(None),
            journal: StoredValue::new(Journal::default()),
            replaying: RwSignal::new(None),
            notice: RwSignal::new(None),
            save_refused: StoredValue::new(false),
            past: RwSignal::new(None),
            past_runner,
        }
    }

    /// Reads the live cluster.
    pub fn with_cluster<R>(&self, f: impl FnOnce(&Cluster) -> R) -> R {
        self.runner.with_value(|r| f(&r.exec))
    }

    /// Reads the cluster the map shows (an earlier one while travelling in time).
    pub fn with_viewed_cluster<R>(&self, f: impl Fn(&Cluster) -> R) -> R {
        read_viewed(self.runner, self.past_runner, f)
    }

    /// Time travel: shows the cluster as it was after the journal's first `n` actions, or as it
    /// is now (`None`, or `n` at the journal's end). Replays on a second cluster, carrying on
    /// from the one shown when moving forward.
    pub fn show_past(&self, n: Option<usize>) {
        self.finish_pending();
        let len = self.journal.with_value(Journal::len);
        let n = n.filter(|&n| n < len);
        match n {
            None => self.past_runner.set_value(None),
            Some(n) => {
                let shown = self.past_runner.try_update_value(Option::take).flatten();
                let runner = match shown {
                    Some((at, mut runner)) if at <= n => {
                        self.journal.with_value(|j| {
                            for action in &j.actions()[at..n] {
                                journal::apply(&mut runner, action);
                            }
                        });
                        runner
                    }
                    _ => self.journal.with_value(|j| journal::replayed(j, n)),
                };
                self.past_runner.set_value(Some((n, runner)));
            }
        }
        self.past.set(n);
        self.changed();
    }

    /// Back to the live cluster after time travel.
    fn leave_past(&self) {
        if self.past.get_untracked().is_some() {
            self.past_runner.set_value(None);
            self.past.set(None);
        }
    }

    /// A fresh cluster with an empty journal and transcript (before replaying another session).
    pub fn start_over(&self) {
        self.finish_pending();
        self.leave_past();
        self.runner.set_value(Runner::with_default_cluster());
        self.journal.set_value(Journal::default());
        self.entries.set(Vec::new());
        self.selected_shard.set(None);
        self.last_query.set(None);
        self.changed();
    }

    /// Runs SQL as if typed into the console: the run is echoed and its output appended to the
    /// transcript. Returns psql's output.
    pub fn run_sql(&self, sql: &str) -> String {
        self.begin_run(sql);
        match self.advance(f64::INFINITY) {
            Progress::Finished(output) => output,
            Progress::Paused => String::new(),
        }
    }

    /// Starts a console run, to be carried on by `advance` (a run still under way is finished
    /// first, so runs never interleave).
    pub fn begin_run(&self, sql: &str) {
        self.finish_pending();
        self.leave_past();
        let run = self.runner.try_update_value(|r| PendingRun {
            before: r.exec.network.trace.statement,
            steps: r.begin_interactive(sql),
            sql: sql.to_string(),
        });
        self.pending.set_value(run);
    }

    /// Whether a console run is under way.
    pub fn run_pending(&self) -> bool {
        self.pending.with_value(Option::is_some)
    }

    /// Runs the pending run's statements until it ends, or until `budget_ms` have passed and
    /// more remains; a finished run joins the transcript and the views are told.
    pub fn advance(&self, budget_ms: f64) -> Progress {
        let Some(mut run) = self.pending.try_update_value(Option::take).flatten() else {
            return Progress::Finished(String::new());
        };
        let deadline = now_ms() + budget_ms;
        let mut query = None;
        let mut tables = Vec::new();
        let output = self.runner.try_update_value(|r| {
            loop {
                if r.step(&mut run.steps) == Step::Done {
                    break;
                }
                if now_ms() >= deadline && run.steps.may_run_more() {
                    return None;
                }
            }
            tables = r.take_tables();
            query = last_explainable(r.exec.trace_events(), run.before);
            Some(r.take_output())
        });
        let output = match output {
            Some(Some(output)) => output,
            Some(None) => {
                self.pending.set_value(Some(run));
                return Progress::Paused;
            }
            // The app is gone.
            None => return Progress::Finished(String::new()),
        };
        if query.is_some() {
            self.last_query.set(query);
        }
        self.push_entry(run.steps.echo().to_string(), &output, tables);
        self.journal.update_value(|j| j.record_run(&run.sql));
        persist::save_soon(*self);
        self.changed();
        Progress::Finished(output)
    }

    fn finish_pending(&self) {
        if self.run_pending() {
            self.advance(f64::INFINITY);
        }
    }

    /// Cancels a session's waiting statement; what it prints joins the transcript.
    pub fn cancel(&self, session: SessionId) {
        self.finish_pending();
        self.leave_past();
        let mut output = String::new();
        self.runner.update_value(|r| output = r.cancel(session));
        self.journal.update_value(|j| j.record_cancel(session));
        persist::save_soon(*self);
        self.push_entry(
            format!("-- cancel session {session}\n"),
            &output,
            Vec::new(),
        );
        self.changed();
    }

    fn push_entry(
        &self,
        echo_text: String,
        output: &str,
        tables: Vec<(std::ops::Range<usize>, crate::psql::format::Table)>,
    ) {
        let id = self.next_entry.get_value();
        self.next_entry.set_value(id + 1);
        let entry = Entry {
            id,
            echo: echo_text,
            output: segments(&clip(output)),
            parts: parts(output, tables),
        };
        self.entries.update(|list| {
            list.push(Arc::new(entry));
            keep_recent(list);
        });
    }

    /// Starts over with a fresh cluster, through the console's `\reset` so the transcript says
    /// so; nothing selected on the old cluster stays selected.
    pub fn reset_cluster(&self) -> String {
        let output = self.run_sql("\\reset");
        self.selected_shard.set(None);
        output
    }

    /// Marks the cluster as changed so every view re-reads it.
    pub fn changed(&self) {
        self.version.update(|v| *v += 1);
        if self.focused_event.get_untracked().is_some() {
            self.focused_event.set(None);
        }
    }
}

const GUIDE_KEY: &str = "shardscope.guide";

fn guide_closed_before() -> bool {
    persist::load(GUIDE_KEY).is_some_and(|v| v == "closed")
}

fn remember_guide(open: bool) {
    persist::store(GUIDE_KEY, if open { "open" } else { "closed" });
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    persist::restore(state);
    // The guided tour is open on the first screen until the learner closes it (remembered).
    let guide_open = RwSignal::new(!guide_closed_before());
    Effect::new(move |_| remember_guide(guide_open.get()));
    // The left column's share of the width (the tour and the console) and the map's share of
    // the right column, in percent.
    let console_share = RwSignal::new(if guide_open.get_untracked() {
        56.0
    } else {
        46.0
    });
    let map_share = RwSignal::new(60.0);
    let tracks = move || {
        let (c, m) = (console_share.get(), map_share.get());
        format!(
            "--console-cols: {c:.1}fr; --right-cols: {:.1}fr; --map-rows: {m:.1}fr; --details-rows: {:.1}fr;",
            100.0 - c,
            100.0 - m
        )
    };
    view! {
        <div class="app">
            <header class="topbar">
                <h1>"ShardScope"</h1>
                <p class="tagline">"A small Citus cluster running in this browser tab"</p>
                <button
                    type="button"
                    class="guide-toggle"
                    aria-expanded=move || guide_open.get().to_string()
                    aria-controls="guide"
                    on:click=move |_| guide_open.update(|open| *open = !*open)
                >
                    "Guided tour"
                </button>
                <button
                    type="button"
                    class="reset-cluster"
                    title="A fresh coordinator and its workers, with no tables (\\reset)"
                    on:click=move |_| {
                        state.reset_cluster();
                    }
                >
                    "Reset cluster"
                </button>
                <SessionButtons />
                <ThemeToggle />
            </header>
            <SessionNotice />
            <main class="layout" class:with-guide=move || guide_open.get() style=tracks>
                <div class="left-column">
                    <aside
                        id="guide"
                        class="pane guide-pane"
                        aria-labelledby="guide-title"
                        hidden=move || !guide_open.get()
                    >
                        <div class="guide-head">
                            <h2 id="guide-title">"Guided tour"</h2>
                            <button
                                type="button"
                                class="guide-close"
                                aria-label="Close the guided tour"
                                on:click=move |_| guide_open.set(false)
                            >
                                "×"
                            </button>
                        </div>
                        <p class="guide-welcome">
                            "A real, small Citus cluster runs in this tab: a coordinator and two \
                             workers. Each step below runs its SQL in the console, shows on the \
                             map which nodes and shards it touched, and is checked."
                        </p>
                        <Lessons />
                    </aside>
                    <section class="pane console-pane" aria-labelledby="console-title">
                        <h2 id="console-title">"Console"</h2>
                        <Console />
                    </section>
                </div>
                <Splitter share=console_share vertical=true label="Resize the console and the map" />
                <section class="pane map-pane" aria-labelledby="map-title">
                    <h2 id="map-title">"Cluster map"</h2>
                    <TimeTravel />
                    <ClusterMap />
                </section>
                <Splitter share=map_share vertical=false label="Resize the map and the details" />
                <section class="pane timeline-pane" aria-label="Statement details">
                    <Tabs />
                </section>
            </main>
        </div>
    }
}

const TABS: [(&str, &str); 3] = [
    ("timeline", "Last statement"),
    ("hash", "Hash view"),
    ("plan", "Plan"),
];

/// The bottom-right pane: the timeline, the hash view, the lessons and the plan as tabs. Every panel
/// stays mounted (hidden when not shown) so its state survives switching.
#[component]
fn Tabs() -> impl IntoView {
    let current = RwSignal::new(0usize);
    let tabs = TABS
        .iter()
        .enumerate()
        .map(|(i, (id, label))| {
            view! {
                <button
                    type="button"
                    role="tab"
                    class="tab"
                    id=format!("tab-{id}")
                    aria-controls=format!("panel-{id}")
                    aria-selected=move || (current.get() == i).to_string()
                    tabindex=move || if current.get() == i { "0" } else { "-1" }
                    on:click=move |_| current.set(i)
                    on:keydown=move |ev| {
                        let n = TABS.len();
                        let next = match ev.key().as_str() {
                            "ArrowRight" => (i + 1) % n,
                            "ArrowLeft" => (i + n - 1) % n,
                            _ => return,
                        };
                        ev.prevent_default();
                        current.set(next);
                        if let Some(el) = document().get_element_by_id(&format!("tab-{}", TABS[next].0)) {
                            if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                                let _ = el.focus();
                            }
                        }
                    }
                >
                    {*label}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="tabs" role="tablist" aria-label="Statement details">
            {tabs}
        </div>
        <div
            class="tab-panel"
            role="tabpanel"
            id="panel-timeline"
            aria-labelledby="tab-timeline"
            hidden=move || current.get() != 0
        >
            <h2 id="timeline-title">"Last statement"</h2>
            <Timeline />
        </div>
        <div
            class="tab-panel"
            role="tabpanel"
            id="panel-hash"
            aria-labelledby="tab-hash"
            hidden=move || current.get() != 1
        >
            <h2>"Hash view"</h2>
            <HashPanel />
        </div>
        <div
            class="tab-panel plan-panel"
            role="tabpanel"
            id="panel-plan"
            aria-labelledby="tab-plan"
            hidden=move || current.get() != 2
        >
            <h2>"Plan: EXPLAIN as a picture"</h2>
            <PlanPanel />
        </div>
    }
}
