//! The SSH Key page: toolbar, table, pagination and the dialogs.

pub mod bind_dialogs;
pub mod dialogs;
mod row;
mod table;
mod toolbar;

use keyrack_api::{KeyPair, KeyPairQuery};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use self::bind_dialogs::{BindDialogHost, BindingDialog};
use self::dialogs::{KeyDialog, KeyDialogHost};
use self::table::KeyTable;
use self::toolbar::Toolbar;
use crate::api::Api;
use crate::components::pagination::Pagination;
use crate::components::status::{LoadError, Loading};
use crate::routes::ListView;

/// The selection and the dialog opener, shared with rows as one small handle.
#[derive(Debug, Clone, Copy)]
pub struct KeysPageState {
    /// The key pairs ticked on this page.
    pub selected: RwSignal<Vec<KeyPair>>,
    /// Opens a dialog.
    pub open: WriteSignal<Option<KeyDialog>>,
    /// Opens **Bind instance** or **Unbind instance**.
    pub bind: WriteSignal<Option<BindingDialog>>,
}

/// `/keys`
#[component]
pub fn KeysPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let query = use_query_map();
    let view_state =
        Memo::new(move |_| query.with(|q| KeyPairQuery::from_url(&q.to_query_string())));
    let (reload, set_reload) = signal(0u32);
    let keys = LocalResource::new(move || {
        let query = view_state.get().list_query();
        reload.track();
        async move { api.list_key_pairs(&query).await }
    });
    let dialog = RwSignal::new(None::<KeyDialog>);
    let binding = RwSignal::new(None::<BindingDialog>);
    let state = KeysPageState {
        selected: RwSignal::new(Vec::new()),
        open: dialog.write_only(),
        bind: binding.write_only(),
    };
    provide_context(state);
    // A selection belongs to the rows on screen: a new filter or page starts empty.
    Effect::new(move |_| {
        view_state.track();
        state.selected.set(Vec::new());
    });
    let refresh = Callback::new(move |()| {
        state.selected.set(Vec::new());
        set_reload.update(|n| *n += 1);
    });
    let (loading, set_loading) = signal(false);
    let page_href =
        Callback::new(move |(page, size)| view_state.get_untracked().at_page(page, size).href());
    view! {
        <section class="card">
            <Toolbar view=view_state refresh loading />
            <Transition fallback=Loading set_pending=set_loading>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(list) if list.total == 0 && is_unfiltered(&view_state.get_untracked()) => {
                            view! { <EmptyState /> }.into_any()
                        }
                        Ok(list) => {
                            let current = view_state.get_untracked();
                            view! {
                                <KeyTable items=list.items view=view_state />
                                <Pagination total=list.total page=current.page() size=current.size() href=page_href />
                            }.into_any()
                        }
                        Err(error) => view! { <LoadError error on_retry=refresh /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <KeyDialogHost dialog on_changed=refresh />
        <BindDialogHost dialog=binding on_changed=refresh />
    }
}

fn is_unfiltered(v: &KeyPairQuery) -> bool {
    v.q.is_none() && v.tag.is_none() && v.page() == 1
}

/// No key yet: invite creating or importing the first one.
#[component]
fn EmptyState() -> impl IntoView {
    let state = expect_context::<KeysPageState>();
    view! {
        <div class="state empty">
            <h2>"No SSH keys yet"</h2>
            <p class="muted">
                "Import the public key you already use, or create a new key pair, then bind it to your instances."
            </p>
            <button type="button" class="button primary admin-only" on:click=move |_| state.open.set(Some(KeyDialog::Create))>
                "Create an SSH key"
            </button>
        </div>
    }
}
