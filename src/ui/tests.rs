//! Component tests in a real browser (`wasm-pack test --headless --chrome -- --lib`): each test
//! mounts a component into its own element and checks the DOM it renders and updates.

use super::app::{App, AppState};
use super::console::Console;
use super::lessons::Lessons;
use super::map::ClusterMap;
use super::plan::PlanPanel;
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
    // Every App starts as on a first visit: no saved session to replay, the tour open.
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.clear();
    }
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), App);
    handle.forget();
    root
}

/// Mounts `view` with a fresh `AppState` in context; returns the root and the state.
fn mount_with<V: IntoView + 'static>(view: impl Fn() -> V + 'static) -> (HtmlElement, AppState) {
    let root = container();
    let state = AppState::new();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        view()
    });
    handle.forget();
    (root, state)
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
    // The run starts after the page has shown that it is running.
    for _ in 0..100 {
        settle().await;
        if one(&root, ".running").has_attribute("hidden") {
            break;
        }
    }
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
    let (root, state) = mount_with(|| view! { <ClusterMap /> });
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
    let (root, _) = mount_with(|| view! { <Console /> <Lessons /> });
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
    // The guided tour is open on a first visit, so the left column (tour and console) starts
    // wider.
    assert_eq!(split.get_attribute("aria-valuenow").as_deref(), Some("56"));
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
    assert_eq!(split.get_attribute("aria-valuenow").as_deref(), Some("58"));
    let style = one(&root, ".layout")
        .get_attribute("style")
        .unwrap_or_default();
    assert!(style.contains("--console-cols: 58.0fr"), "{style}");
    press("End");
    settle().await;
    assert_eq!(split.get_attribute("aria-valuenow").as_deref(), Some("75"));
}

#[wasm_bindgen_test]
async fn the_plan_panel_draws_explain_as_boxes() {
    let (root, state) = mount_with(|| view! { <PlanPanel /> });
    settle().await;
    assert!(all(&root, ".plan-box").is_empty());
    let button = one(&root, "button.explain-last");
    assert!(button.has_attribute("disabled"), "nothing to explain yet");
    state.run_sql(
        "CREATE TABLE t (id int, v text); SELECT create_distributed_table('t', 'id'); \
         INSERT INTO t VALUES (3, 'c'); EXPLAIN SELECT count(*) FROM t;",
    );
    settle().await;
    // The text is psql's, the picture has the Aggregate above the Custom Scan.
    let text = one(&root, ".plan-text").text_content().unwrap_or_default();
    assert!(text.contains("QUERY PLAN"), "{text}");
    assert!(text.contains("Task Count: 32"), "{text}");
    let coordinator = all(&root, ".plan-box.part-coordinator");
    assert_eq!(coordinator.len(), 1);
    assert!(coordinator[0]
        .text_content()
        .unwrap_or_default()
        .contains("Aggregate"));
    let scan = one(&root, ".plan-box.part-custom-scan")
        .text_content()
        .unwrap_or_default();
    assert!(scan.contains("Task Count: 32"), "{scan}");
    assert_eq!(all(&root, ".plan-box.part-task").len(), 1);
    assert!(!all(&root, ".plan-box.part-worker").is_empty());

    // A router query explained on demand: one task box on the worker holding the shard.
    state.run_sql("SELECT v FROM t WHERE id = 3;");
    settle().await;
    assert!(
        all(&root, ".plan-box").is_empty(),
        "the last statement is not EXPLAIN"
    );
    one(&root, "button.explain-last")
        .dyn_into::<HtmlElement>()
        .expect("a button")
        .click();
    settle().await;
    let tasks = all(&root, ".plan-box.part-task");
    assert_eq!(tasks.len(), 1);
    let expected = state.with_cluster(|c| {
        c.catalog
            .shard_for_value("t", &crate::types::Value::Int4(3))
            .ok()
            .flatten()
            .and_then(|s| c.catalog.task_node(s.shard_id))
            .map(|n| n.name.clone())
    });
    let expected = expected.expect("a worker for 3");
    assert_eq!(
        tasks[0].get_attribute("data-node").as_deref(),
        Some(expected.as_str())
    );
    assert!(tasks[0]
        .text_content()
        .unwrap_or_default()
        .contains(&format!("Task on {expected}")));
    let text = one(&root, ".plan-text").text_content().unwrap_or_default();
    assert!(text.contains("Task Count: 1"), "{text}");
}

#[wasm_bindgen_test]
async fn hovering_a_task_arrow_shows_its_sql() {
    let (root, state) = mount_with(|| view! { <ClusterMap /> });
    state.run_sql(
        "CREATE TABLE t (id int, v text); SELECT create_distributed_table('t', 'id'); \
         SELECT v FROM t WHERE id = 3;",
    );
    let mut hits = Vec::new();
    for _ in 0..200 {
        settle().await;
        hits = all(&root, "line.arrow-hit");
        if !hits.is_empty() {
            break;
        }
    }
    // The hit lines lie beneath the tiles, the drawn arrows on top take no pointer.
    let svg = one(&root, "svg.map");
    // (An SVG element's className is not a string: read the attribute.)
    let class = |e: &Element| e.get_attribute("class").unwrap_or_default();
    let kids = all(&svg, ":scope > *");
    let hit_layer = kids
        .iter()
        .position(|e| class(e) == "arrow-hits")
        .expect("a hit layer");
    let first_tile = kids
        .iter()
        .position(|e| class(e).contains("tile"))
        .expect("tiles");
    assert!(hit_layer < first_tile);
    let hit = hits.first().expect("a hit line for the task");
    let _ = hit.dispatch_event(&web_sys::Event::new("mouseenter").expect("an event"));
    settle().await;
    let sql = one(&root, ".anim-sql").text_content().unwrap_or_default();
    assert!(sql.contains("task coordinator →"), "{sql}");
    assert!(sql.contains("WHERE"), "{sql}");
}

#[wasm_bindgen_test]
async fn results_can_be_shown_as_tables() {
    let (root, state) = mount_with(|| view! { <Console /> });
    state.run_sql(
        "CREATE TABLE g (id int, name text); SELECT create_distributed_table('g', 'id');\n\
         INSERT INTO g VALUES (1, '<b>one</b>'), (2, 'two');\n\
         SELECT id, name FROM g ORDER BY id;",
    );
    settle().await;
    assert!(
        all(&root, "table.result-grid").is_empty() || {
            // Grids exist but stay hidden until the view is switched.
            one(&root, ".out-parts").has_attribute("hidden")
        }
    );
    let toggle = one(&root, "button.view-toggle");
    assert_eq!(
        toggle.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    toggle.dyn_into::<HtmlElement>().expect("a button").click();
    settle().await;
    let entry = all(&root, ".entry").pop().expect("an entry");
    assert!(one(&entry, "pre.out").has_attribute("hidden"));
    // create_distributed_table's void result is a grid too; the SELECT's comes last.
    let grids = all(&entry, "table.result-grid");
    assert_eq!(grids.len(), 2);
    let grid = grids.last().cloned().expect("a grid");
    let headers: Vec<String> = all(&grid, "th")
        .iter()
        .map(|h| h.text_content().unwrap_or_default())
        .collect();
    assert_eq!(headers, vec!["id", "name"]);
    let cells: Vec<String> = all(&grid, "td")
        .iter()
        .map(|c| c.text_content().unwrap_or_default())
        .collect();
    assert_eq!(cells, vec!["1", "<b>one</b>", "2", "two"]);
    // User data stays text: no element was made from it.
    assert!(all(&grid, "b").is_empty());
    assert!(one(&grid, "caption")
        .text_content()
        .unwrap_or_default()
        .contains("(2 rows)"));
    // The other output of the run is still there, as text around the grid.
    let text = one(&entry, ".out-parts").text_content().unwrap_or_default();
    assert!(text.contains("INSERT 0 2"), "{text}");
}
