//! The SSH Key page: toolbar, table, pagination and the dialogs.

pub mod export;
mod row;
mod table;
mod toolbar;

use keyrack_api::{KeyPair, KeyPairQuery};
use leptos::prelude::*;

use self::table::KeyTable;
use self::toolbar::Toolbar;
use crate::api::Api;
use crate::i18n::{t, Msg};
use crate::key_pairs::dialogs::{KeyDialog, KeyDialogHost};
use crate::routes::ListView;
use crate::widgets::list_page::{use_list_view, ListPage, ListPagination};

/// The selection and the dialog opener, shared with rows as one small handle.
#[derive(Debug, Clone, Copy)]
pub struct KeysPageState {
    /// The key pairs ticked on this page.
    pub selected: RwSignal<Vec<KeyPair>>,
    /// Opens a dialog.
    pub open: WriteSignal<Option<KeyDialog>>,
}

/// `/keys`
#[component]
pub fn KeysPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let view_state = use_list_view::<KeyPairQuery>();
    let keys = ListPage::new(move || {
        let query = view_state.get().list_query();
        async move { api.list_key_pairs(&query).await }
    });
    let dialog = RwSignal::new(None::<KeyDialog>);
    let state = KeysPageState {
        selected: RwSignal::new(Vec::new()),
        open: dialog.write_only(),
    };
    provide_context(state);
    // A selection belongs to the rows on screen: a new filter or page starts empty.
    Effect::new(move |_| {
        view_state.track();
        state.selected.set(Vec::new());
    });
    let reload = keys.reload();
    let refresh = Callback::new(move |()| {
        state.selected.set(Vec::new());
        reload.run(());
    });
    let loading = keys.loading;
    view! {
        <section class="card">
            <Toolbar view=view_state refresh loading />
            {keys.view(move |list| {
                if list.total == 0 && is_unfiltered(&view_state.get_untracked()) {
                    return view! { <EmptyState /> }.into_any();
                }
                view! {
                    <KeyTable items=list.items view=view_state />
                    <ListPagination view=view_state total=list.total />
                }.into_any()
            })}
        </section>
        <KeyDialogHost dialog on_changed=refresh />
    }
}

fn is_unfiltered(v: &KeyPairQuery) -> bool {
    v.q.is_none() && v.tag.is_none() && v.status.is_none() && v.page() == 1
}

/// No key yet: invite creating or importing the first one.
#[component]
fn EmptyState() -> impl IntoView {
    let state = expect_context::<KeysPageState>();
    view! {
        <div class="state empty">
            <h2>{t(Msg::KeysEmptyTitle)}</h2>
            <p class="muted">{t(Msg::KeysEmptyText)}</p>
            <button type="button" class="button primary admin-only" on:click=move |_| state.open.set(Some(KeyDialog::Create))>
                {t(Msg::KeysEmptyCreate)}
            </button>
        </div>
    }
}
