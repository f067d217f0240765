//! Light/dark theme: follows the system unless the user picks one, remembered in localStorage.

use super::persist::storage;
use leptos::prelude::*;

const KEY: &str = "shardscope-theme";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    fn name(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    fn from_name(name: &str) -> Self {
        match name {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }

    fn next(self) -> Self {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }
}

/// Sets `data-theme` on `<html>`; the CSS falls back to prefers-color-scheme without it.
fn apply(theme: Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = match theme {
        Theme::System => root.remove_attribute("data-theme"),
        other => root.set_attribute("data-theme", other.name()),
    };
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let initial = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .map(|n| Theme::from_name(&n))
        .unwrap_or(Theme::System);
    let theme = RwSignal::new(initial);
    Effect::new(move |_| {
        let t = theme.get();
        apply(t);
        if let Some(s) = storage() {
            let _ = s.set_item(KEY, t.name());
        }
    });
    view! {
        <button
            class="theme-toggle"
            type="button"
            aria-label=move || format!("Colour theme: {} (click to change)", theme.get().name())
            on:click=move |_| theme.update(|t| *t = t.next())
        >
            {move || format!("Theme: {}", theme.get().name())}
        </button>
    }
}
