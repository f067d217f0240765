//! The guided tour: each lesson's steps run their SQL through the console runner, then each
//! step's check is evaluated against the cluster and the run's output. A picker switches
//! between lessons; each keeps its own progress. One step at a time is open (the first not yet
//! done, or the one the learner opened), so the lesson reads without scrolling.

use super::app::AppState;
use crate::viz::lessons::{Lesson, LESSONS};
use leptos::prelude::*;

#[derive(Clone, PartialEq, Eq)]
enum Status {
    Todo,
    Done,
    /// Ran, but failed or left the cluster otherwise than the step expects: why.
    Unmet(String),
}

#[component]
pub fn Lessons() -> impl IntoView {
    let current = RwSignal::new(0usize);
    let picker = LESSONS
        .iter()
        .enumerate()
        .map(|(i, lesson)| {
            view! {
                <button
                    type="button"
                    class="lesson-pick"
                    aria-pressed=move || (current.get() == i).to_string()
                    on:click=move |_| current.set(i)
                >
                    {lesson.title}
                </button>
            }
        })
        .collect_view();
    // Every lesson stays mounted (hidden when not picked) so its progress survives switching.
    let lessons = LESSONS
        .iter()
        .enumerate()
        .map(|(i, lesson)| {
            view! {
                <section
                    class="lesson-set"
                    data-lesson=i.to_string()
                    hidden=move || current.get() != i
                >
                    <LessonSteps lesson=lesson index=i />
                </section>
            }
        })
        .collect_view();
    view! {
        <div class="lesson-picker" role="group" aria-label="Lessons">
            {picker}
        </div>
        {lessons}
    }
}

#[component]
fn LessonSteps(lesson: &'static Lesson, index: usize) -> impl IntoView {
    let state = expect_context::<AppState>();
    let steps_of = lesson.steps;
    let status = RwSignal::new(vec![Status::Todo; steps_of.len()]);
    let done_count = move || status.with(|s| s.iter().filter(|x| **x == Status::Done).count());
    // The step the learner opened; by default the first one not yet done.
    let opened = RwSignal::new(None::<usize>);
    let open_step = Memo::new(move |_| {
        opened.get().unwrap_or_else(|| {
            status.with(|s| s.iter().position(|x| *x != Status::Done).unwrap_or(0))
        })
    });
    // A lesson starts from a known cluster: a fresh one, said so in the console.
    let start_over = move |_| {
        state.reset_cluster();
        status.set(vec![Status::Todo; steps_of.len()]);
        opened.set(None);
    };

    let steps = steps_of
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let run = move || {
                let out = state.run_sql(step.sql);
                let verdict = state.with_cluster(|c| step.verdict(c, &out));
                let passed = verdict.is_ok();
                status.update(|s| {
                    if let Some(x) = s.get_mut(i) {
                        *x = match verdict {
                            Ok(()) => Status::Done,
                            Err(why) => Status::Unmet(why),
                        };
                    }
                });
                // A step done hands over to the next one; a failed one stays open.
                opened.set(if passed { None } else { Some(i) });
            };
            let is_open = move || open_step.get() == i;
            let st = move || status.with(|s| s.get(i).cloned().unwrap_or(Status::Todo));
            let done = move || st() == Status::Done;
            let note = move || match st() {
                Status::Todo => format!("Check: {}", step.expect),
                Status::Done => format!("✓ {}", step.expect),
                // The first step failing usually means the cluster is not the fresh one the
                // lesson begins on.
                Status::Unmet(why) if i == 0 => {
                    format!("✗ {why}. \"Start from a fresh cluster\" gives this lesson the cluster it begins on.")
                }
                Status::Unmet(why) => format!("✗ {why}"),
            };
            view! {
                <li
                    class="lesson"
                    class:done=done
                    class:unmet=move || matches!(st(), Status::Unmet(_))
                    class:open=is_open
                    data-done=move || done().to_string()
                >
                    <div class="lesson-head">
                        <span
                            class="lesson-check"
                            role="checkbox"
                            aria-readonly="true"
                            aria-checked=move || done().to_string()
                            aria-label=format!("Step {} done", i + 1)
                        >
                            {move || if done() { "✓" } else { "" }}
                        </span>
                        <h3>
                            <button
                                type="button"
                                class="lesson-toggle"
                                aria-expanded=move || is_open().to_string()
                                aria-controls=format!("lesson-{index}-step-{}", i + 1)
                                on:click=move |_| opened.set(Some(i))
                            >
                                {format!("{}. {}", i + 1, step.title)}
                            </button>
                        </h3>
                        <button
                            type="button"
                            class="lesson-run"
                            aria-label=format!("Run step {}: {}", i + 1, step.title)
                            on:click=move |_| run()
                        >
                            "Run"
                        </button>
                    </div>
                    <div
                        class="lesson-body"
                        id=format!("lesson-{index}-step-{}", i + 1)
                        hidden=move || !is_open()
                    >
                        <p class="lesson-explain">{step.explain}</p>
                        <pre class="lesson-sql">{step.sql}</pre>
                    </div>
                    <p class="lesson-note">{note}</p>
                </li>
            }
        })
        .collect_view();

    view! {
        <p class="lesson-intro">{lesson.intro}</p>
        <p class="lesson-start">
            <button type="button" class="lesson-reset" on:click=start_over>
                "Start from a fresh cluster"
            </button>
            " This lesson expects a new coordinator and its workers with no tables: the button \
             replaces the cluster (Time travel can still show what was there)."
        </p>
        <p class="lessons-progress" role="status">
            {move || format!("{} of {} steps done", done_count(), steps_of.len())}
        </p>
        <ol class="lessons" aria-label=format!("{} steps", lesson.title)>
            {steps}
        </ol>
    }
}
