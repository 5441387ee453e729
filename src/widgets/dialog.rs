//! A modal built on the native `<dialog>`: the browser traps focus, draws the backdrop and
//! closes it on Escape.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::html;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;

use crate::i18n::{t, Msg};

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// Opens as a modal when mounted; the owner unmounts it from `on_close`.
#[component]
pub fn Dialog(
    /// The title, also the dialog's accessible name.
    #[prop(into)]
    title: String,
    /// Called when the user closes it (Escape or the × button).
    #[prop(into)]
    on_close: Callback<()>,
    /// Extra class, such as `dialog-wide`.
    #[prop(optional, into)]
    class: String,
    children: Children,
) -> impl IntoView {
    let node = NodeRef::<html::Dialog>::new();
    let title_id = format!("dialog-title-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    // Focus goes back to whatever opened the dialog, however it is closed.
    let opener = SendWrapper::new(document().active_element());
    on_cleanup(move || {
        if let Some(el) = opener
            .take()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    node.on_load(|dialog| {
        // A dialog whose code was fetched on demand (`crate::lazy`) is built before it is
        // mounted: open it once it is in the document. `show_modal` fails only when the
        // element is never connected (a detached test mount).
        if dialog.is_connected() {
            let _ = dialog.show_modal();
        } else {
            request_animation_frame(move || {
                let _ = dialog.show_modal();
            });
        }
    });
    let close = move || {
        if let Some(d) = node.get_untracked() {
            d.close();
        }
    };
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=node
            class=format!("dialog {class}")
            aria-labelledby=labelled_by
            on:close=move |_| on_close.run(())
        >
            <header class="dialog-header">
                <h2 id=title_id>{title}</h2>
                <button type="button" class="icon-button" aria-label=t(Msg::WidgetsDialogClose) on:click=move |_| close()>
                    "×"
                </button>
            </header>
            <div class="dialog-body">{children()}</div>
        </dialog>
    }
}
