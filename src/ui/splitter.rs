//! Draggable separators between the panes: a pointer drag or the arrow keys move the split;
//! the share is kept as a percentage the layout turns into grid tracks.

use leptos::ev::{KeyboardEvent, PointerEvent};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Shares stay within these bounds so no pane disappears.
pub const MIN_SHARE: f64 = 25.0;
pub const MAX_SHARE: f64 = 75.0;
/// How far one arrow key press moves a split, in percent.
const KEY_STEP: f64 = 2.0;

fn clamp(share: f64) -> f64 {
    share.clamp(MIN_SHARE, MAX_SHARE)
}

/// Where the pointer sits within the `.layout` element along the splitter's axis, in percent.
fn pointer_share(ev: &PointerEvent, vertical: bool) -> Option<f64> {
    let layout = document().query_selector(".layout").ok().flatten()?;
    let rect = layout.get_bounding_client_rect();
    let (pos, start, size) = if vertical {
        (ev.client_x() as f64, rect.left(), rect.width())
    } else {
        (ev.client_y() as f64, rect.top(), rect.height())
    };
    (size > 0.0).then(|| (pos - start) / size * 100.0)
}

/// A separator between two panes. `vertical` splits columns (left/right), otherwise rows.
#[component]
pub fn Splitter(share: RwSignal<f64>, vertical: bool, label: &'static str) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let on_down = move |ev: PointerEvent| {
        if let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        dragging.set(true);
    };
    let on_move = move |ev: PointerEvent| {
        if dragging.get_untracked() {
            if let Some(p) = pointer_share(&ev, vertical) {
                share.set(clamp(p));
            }
        }
    };
    let on_up = move |_: PointerEvent| dragging.set(false);
    let on_key = move |ev: KeyboardEvent| {
        let (less, more) = if vertical {
            ("ArrowLeft", "ArrowRight")
        } else {
            ("ArrowUp", "ArrowDown")
        };
        let key = ev.key();
        let next = match key.as_str() {
            k if k == less => share.get_untracked() - KEY_STEP,
            k if k == more => share.get_untracked() + KEY_STEP,
            "Home" => MIN_SHARE,
            "End" => MAX_SHARE,
            _ => return,
        };
        ev.prevent_default();
        share.set(clamp(next));
    };
    view! {
        <div
            class=if vertical { "splitter splitter-v" } else { "splitter splitter-h" }
            role="separator"
            tabindex="0"
            aria-label=label
            aria-orientation=if vertical { "vertical" } else { "horizontal" }
            aria-valuemin=MIN_SHARE
            aria-valuemax=MAX_SHARE
            aria-valuenow=move || share.get().round()
            class:dragging=move || dragging.get()
            on:pointerdown=on_down
            on:pointermove=on_move
            on:pointerup=on_up
            on:pointercancel=on_up
            on:keydown=on_key
        ></div>
    }
}
