//! The browser entry point Trunk builds (`data-bin="app"`); natively it does nothing, so
//! `cargo build` and `cargo test` keep working for the whole crate.

fn main() {
    #[cfg(target_arch = "wasm32")]
    shardscope::ui::mount();
}
