//! The browser UI (wasm32 only): a psql-like console, the cluster map and the message
//! timeline. It renders `Cluster` state and its trace; all engine logic stays in the engine.

mod app;
mod console;
mod faults;
mod ha;
mod hashpanel;
mod lessons;
mod map;
mod persist;
mod plan;
mod routing;
mod sessions;
mod splitter;
#[cfg(test)]
mod tests;
mod theme;
mod timeline;
mod timetravel;

/// Mounts the app into `<body>`; called by the wasm binary's `main`.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    // The page's "Starting the cluster…" line is done with. Removed rather than hidden by a
    // `body:has(.app)` rule, which the browser would re-check on every change to the page.
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
}
