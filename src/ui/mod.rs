//! The browser UI (wasm32 only): a psql-like console, the cluster map and the message
//! timeline. It renders `Cluster` state and its trace; all engine logic stays in the engine.

mod app;
mod console;
mod faults;
mod hashpanel;
mod lessons;
mod map;
mod plan;
mod routing;
mod sessions;
mod splitter;
#[cfg(test)]
mod tests;
mod theme;
mod timeline;

/// Mounts the app into `<body>`; called by the wasm binary's `main`.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
