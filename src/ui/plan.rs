//! The Plan tab: when the last statement was `EXPLAIN ...`, its text exactly as psql prints it
//! next to a picture of the same plan (coordinator on top, the Custom Scan with its task count,
//! the task(s) shown with their worker and the worker's plan). "Explain last query" runs
//! `EXPLAIN` of the last SELECT, INSERT, UPDATE or DELETE through the console. The layout lives
//! in `viz::plan`.

use super::app::AppState;
use crate::planner::explain::plan_rows;
use crate::psql::format::{self, aligned, Table, Verbosity};
use crate::viz::plan::{client_sql, is_explain, picture, PlanPicture, BASELINE, LINE_H, PAD_X};
use leptos::prelude::*;

/// What the panel shows for the last statement.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    /// The last statement was not EXPLAIN.
    Nothing,
    /// EXPLAIN's text and its picture.
    Plan { text: String, picture: PlanPicture },
    /// EXPLAIN failed: psql's error text.
    Error(String),
}

fn num(v: f64) -> String {
    format!("{v:.1}")
}

#[component]
pub fn PlanPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let shown = Memo::new(move |_| {
        let sql = state
            .last_events
            .with(|evs| client_sql(evs).map(str::to_string));
        let Some(sql) = sql.filter(|s| is_explain(s)) else {
            return Shown::Nothing;
        };
        let nodes = state.nodes.get();
        state.runner.with_value(|r| {
            let Some(session) = r.session else {
                return Shown::Nothing;
            };
            match r.exec.plan_sql(session, &sql) {
                Ok(plan) => Shown::Plan {
                    text: aligned(&Table::from_result(&plan_rows(&plan), "")),
                    picture: picture(&plan, &nodes),
                },
                Err(e) => Shown::Error(format::error(&e, Verbosity::Default, "")),
            }
        })
    });
    let explain_last = move |_| {
        if let Some(q) = state.last_query.get_untracked() {
            state.run_sql(&format!("EXPLAIN {q};"));
        }
    };
    let last_query_text = move || {
        state
            .last_query
            .get()
            .map(|q| format!("Last query: {q}"))
            .unwrap_or_else(|| "No SELECT, INSERT, UPDATE or DELETE run yet.".to_string())
    };
    let body = move || match shown.get() {
        Shown::Nothing => view! {
            <p class="empty plan-empty">
                "Run EXPLAIN followed by a query in the console, or press “Explain last query”."
            </p>
        }
        .into_any(),
        Shown::Error(text) => view! { <pre class="plan-text msg-error">{text}</pre> }.into_any(),
        Shown::Plan { text, picture } => view! {
            <div class="plan-body">
                <pre class="plan-text" tabindex="0" aria-label="EXPLAIN output as psql prints it">
                    {text}
                </pre>
                <PlanPictureView picture=picture />
            </div>
        }
        .into_any(),
    };
    view! {
        <div class="plan-actions">
            <button
                type="button"
                class="explain-last"
                aria-label="Explain last query: run EXPLAIN of the last SELECT, INSERT, UPDATE or DELETE in the console"
                disabled=move || state.last_query.with(Option::is_none)
                on:click=explain_last
            >
                "Explain last query"
            </button>
            <span class="plan-last-query">{last_query_text}</span>
        </div>
        {body}
    }
}

/// The plan's boxes and the lines joining them, at natural size (the wrapper scrolls).
#[component]
fn PlanPictureView(picture: PlanPicture) -> impl IntoView {
    let label = picture.describe();
    let edges = picture
        .edges
        .iter()
        .map(|e| {
            view! {
                <line class="plan-edge" x1=num(e.x1) y1=num(e.y1) x2=num(e.x2) y2=num(e.y2) />
            }
        })
        .collect_view();
    let boxes = picture
        .boxes
        .iter()
        .map(|b| {
            let class = format!("plan-box {}", b.part.class());
            let x = b.x + PAD_X;
            let lines = b
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    view! {
                        <tspan class="plan-prop" x=num(x) y=num(b.y + BASELINE + (i + 1) as f64 * LINE_H)>
                            {l.clone()}
                        </tspan>
                    }
                })
                .collect_view();
            view! {
                <g class=class data-node=b.node.clone()>
                    <title>{b.full.clone()}</title>
                    <rect x=num(b.x) y=num(b.y) width=num(b.w) height=num(b.h) rx="4" />
                    <text>
                        <tspan class="plan-title" x=num(x) y=num(b.y + BASELINE)>
                            {b.title.clone()}
                        </tspan>
                        {lines}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <div class="plan-picture-wrap" role="region" aria-label="The plan as a picture" tabindex="0">
            <svg
                class="plan-picture"
                role="img"
                aria-label=label
                width=num(picture.width)
                height=num(picture.height)
                viewBox=format!("0 0 {:.1} {:.1}", picture.width, picture.height)
            >
                {edges}
                {boxes}
            </svg>
        </div>
    }
}
