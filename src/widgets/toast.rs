//! Success and failure notices that dismiss themselves.

use std::time::Duration;

use leptos::prelude::*;

use crate::i18n::{t, Msg};

/// Success or failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    /// Something worked.
    Success,
    /// Something failed.
    Failure,
}

#[derive(Debug, Clone)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

/// The handle components use to show a toast; provided by [`ToastHost`].
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toasts {
    fn new() -> Self {
        Self {
            list: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
        }
    }

    /// Shows a toast; failures stay longer, since they need reading.
    pub fn show(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let text = text.into();
        self.list.update(|l| l.push(Toast { id, kind, text }));
        let secs = if kind == ToastKind::Success { 4 } else { 8 };
        let this = *self;
        set_timeout(move || this.dismiss(id), Duration::from_secs(secs));
    }

    /// A success toast.
    pub fn success(&self, text: impl Into<String>) {
        self.show(ToastKind::Success, text);
    }

    /// A failure toast.
    pub fn failure(&self, text: impl Into<String>) {
        self.show(ToastKind::Failure, text);
    }

    fn dismiss(&self, id: u64) {
        // The host may be gone (a test unmounted it); nothing to do then.
        let _ = self.list.try_update(|l| l.retain(|t| t.id != id));
    }
}

/// Provides [`Toasts`] to its children and renders them in a live region.
#[component]
pub fn ToastHost(children: Children) -> impl IntoView {
    let toasts = Toasts::new();
    provide_context(toasts);
    view! {
        {children()}
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <div class=match toast.kind {
                    ToastKind::Success => "toast toast-success",
                    ToastKind::Failure => "toast toast-failure",
                }>
                    <span>{toast.text}</span>
                    <button type="button" class="icon-button" aria-label=t(Msg::WidgetsToastDismiss) on:click=move |_| toasts.dismiss(toast.id)>
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
