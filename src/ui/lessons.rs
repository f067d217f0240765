//! The guided lessons: each step's SQL runs through the console runner, then its check is
//! evaluated against the cluster and the run's output. A picker switches between lessons; each
//! keeps its own progress.

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
                    <LessonSteps lesson=lesson />
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
fn LessonSteps(lesson: &'static Lesson) -> impl IntoView {
    let state = expect_context::<AppState>();
    let steps_of = lesson.steps;
    let status = RwSignal::new(vec![Status::Todo; steps_of.len()]);
    let done_count = move || status.with(|s| s.iter().filter(|x| **x == Status::Done).count());
    // A lesson starts from a known cluster: a fresh one, said so in the console.
    let start_over = move |_| {
        state.reset_cluster();
        status.set(vec![Status::Todo; steps_of.len()]);
    };

    let steps = steps_of
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let run = move || {
                let out = state.run_sql(step.sql);
                let verdict = state.with_cluster(|c| step.verdict(c, &out));
                status.update(|s| {
                    if let Some(x) = s.get_mut(i) {
                        *x = match verdict {
                            Ok(()) => Status::Done,
                            Err(why) => Status::Unmet(why),
                        };
                    }
                });
            };
            let st = move || status.with(|s| s.get(i).cloned().unwrap_or(Status::Todo));
            let done = move || st() == Status::Done;
            let note = move || match st() {
                Status::Todo => format!("Check: {}", step.expect),
                Status::Done => format!("✓ {}", step.expect),
                Status::Unmet(why) => format!("✗ {why}"),
            };
            view! {
                <li
                    class="lesson"
                    class:done=done
                    class:unmet=move || matches!(st(), Status::Unmet(_))
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
                        <h3>{format!("{}. {}", i + 1, step.title)}</h3>
                        <button
                            type="button"
                            class="lesson-run"
                            aria-label=format!("Run step {}: {}", i + 1, step.title)
                            on:click=move |_| run()
                        >
                            "Run"
                        </button>
                    </div>
                    <p class="lesson-explain">{step.explain}</p>
                    <pre class="lesson-sql">{step.sql}</pre>
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
            " Replaces the cluster with a new coordinator and its workers, as this lesson \
             expects; everything created so far is gone."
        </p>
        <p class="lessons-progress" role="status">
            {move || format!("{} of {} steps done", done_count(), steps_of.len())}
        </p>
        <ol class="lessons" aria-label=format!("{} steps", lesson.title)>
            {steps}
        </ol>
    }
}
