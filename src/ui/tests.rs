//! Component tests in a real browser (`wasm-pack test --headless --chrome -- --lib`): each test
//! mounts a component into its own element and checks the DOM it renders and updates.

use super::app::{App, AppState};
use super::console::Console;
use super::lessons::Lessons;
use super::map::ClusterMap;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in `<body>` to mount one component into.
fn container() -> HtmlElement {
    let doc = document();
    let el = doc
        .create_element("div")
        .ok()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        .expect("a div");
    doc.body()
        .expect("a body")
        .append_child(&el)
        .expect("appended");
    el
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).expect("a valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .collect()
}

fn one(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .expect("a valid selector")
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

/// Lets reactive effects and scheduled renders run.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Mounts `App` and returns its root element (kept mounted for the test's duration).
fn mount_app() -> HtmlElement {
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), App);
    handle.forget();
    root
}

#[wasm_bindgen_test]
async fn the_app_shows_the_default_cluster() {
    let root = mount_app();
    settle().await;
    assert!(one(&root, "h1")
        .text_content()
        .unwrap_or_default()
        .contains("ShardScope"));
    let map = one(&root, "svg.map");
    let labels = map.text_content().unwrap_or_default();
    for node in ["coordinator", "worker-1", "worker-2"] {
        assert!(
            labels.contains(node),
            "{node} missing from the map: {labels}"
        );
    }
    assert!(all(&root, "svg.map rect.tile").is_empty(), "no shards yet");
}

#[wasm_bindgen_test]
async fn running_sql_in_the_console_draws_shards_and_task_arrows() {
    let root = mount_app();
    settle().await;
    let input: HtmlTextAreaElement = one(&root, "#sql-input").dyn_into().expect("a textarea");
    input.set_value(
        "CREATE TABLE t (id int PRIMARY KEY, v text);\n\
         SELECT create_distributed_table('t', 'id');\n\
         INSERT INTO t VALUES (1, 'a'), (2, 'b');\n\
         SELECT count(*) FROM t;",
    );
    let _ = input.dispatch_event(&web_sys::Event::new("input").expect("an event"));
    one(&root, "button.run")
        .dyn_into::<HtmlElement>()
        .expect("a button")
        .click();
    settle().await;
    let out = one(&root, ".console-output")
        .text_content()
        .unwrap_or_default();
    assert!(out.contains("INSERT 0 2"), "{out}");
    assert!(out.contains("(1 row)"), "{out}");
    assert_eq!(all(&root, "svg.map rect.tile").len(), 32);
    // The last statement ran on every shard: one task arrow per shard once replayed in full
    // (the replay plays one message at a time, so wait for it to finish).
    one(&root, "button.anim-replay")
        .dyn_into::<HtmlElement>()
        .expect("a button")
        .click();
    for _ in 0..1000 {
        settle().await;
        if all(&root, ".task-arrow").len() == 32 {
            break;
        }
    }
    assert_eq!(all(&root, ".task-arrow").len(), 32);
}

#[wasm_bindgen_test]
async fn a_router_query_outlines_one_tile() {
    let root = container();
    let state = AppState::new();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        view! { <ClusterMap /> }
    });
    handle.forget();
    state.run_sql(
        "CREATE TABLE t (id int, v text); SELECT create_distributed_table('t', 'id'); \
         INSERT INTO t VALUES (3, 'c'); SELECT v FROM t WHERE id = 3;",
    );
    settle().await;
    let touched = all(&root, "rect.tile.touched");
    assert_eq!(touched.len(), 1);
    let expected = state.with_cluster(|c| {
        c.catalog
            .shard_for_value("t", &crate::types::Value::Int4(3))
            .ok()
            .flatten()
            .map(|s| s.shard_id)
    });
    let label = touched[0].get_attribute("aria-label").unwrap_or_default();
    let expected = expected.expect("a shard for 3");
    assert!(
        label.contains(&expected.to_string()),
        "{label} vs {expected}"
    );
}

#[wasm_bindgen_test]
async fn a_lesson_step_is_marked_done_once_its_check_passes() {
    let root = container();
    let state = AppState::new();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        view! { <Console /> <Lessons /> }
    });
    handle.forget();
    settle().await;
    let steps = all(&root, ".lesson");
    assert!(steps.len() > 3);
    assert!(all(&root, ".lesson[data-done='true']").is_empty());
    one(&steps[0], "button.lesson-run")
        .dyn_into::<HtmlElement>()
        .expect("a button")
        .click();
    settle().await;
    assert_eq!(all(&root, ".lesson[data-done='true']").len(), 1);
    // The step ran through the console, as if typed.
    let out = one(&root, ".console-output")
        .text_content()
        .unwrap_or_default();
    assert!(out.contains("CREATE TABLE"), "{out}");
}

#[wasm_bindgen_test]
async fn the_splitters_resize_the_panes_from_the_keyboard() {
    let root = mount_app();
    settle().await;
    let split = one(&root, ".splitter-v");
    assert_eq!(split.get_attribute("aria-valuenow").as_deref(), Some("46"));
    let press = |key: &str| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(key);
        init.set_bubbles(true);
        let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
            .expect("a keyboard event");
        let _ = split.dispatch_event(&ev);
    };
    press("ArrowRight");
    settle().await;
    assert_eq!(split.get_attribute("aria-valuenow").as_deref(), Some("48"));
    let style = one(&root, ".layout")
        .get_attribute("style")
        .unwrap_or_default();
    assert!(style.contains("--console-cols: 48.0fr"), "{style}");
    press("End");
    settle().await;
    assert_eq!(split.get_attribute("aria-valuenow").as_deref(), Some("75"));
}
