//! The wiring every list page shares (SSH Key, Instances, Images, Tokens, Audit): the view
//! state its URL holds, the list loaded for it, reloading, the pending state a refresh
//! button shows, the error with **Retry**, and the pagination bar.

use std::future::Future;

use keyrack_api::{ApiError, List};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::routes::ListView;
use crate::widgets::pagination::Pagination;
use crate::widgets::status::{LoadError, Loading};

/// One page's list: loaded when the page opens, again whenever what `fetch` reads changes
/// (such as the URL's view state) or [`ListPage::reload`] runs.
pub struct ListPage<T: Send + Sync + 'static> {
    list: LocalResource<Result<List<T>, ApiError>>,
    reload: Callback<()>,
    /// A reload is under way (the refresh button spins).
    pub loading: ReadSignal<bool>,
    set_loading: WriteSignal<bool>,
}

impl<T: Clone + Send + Sync + 'static> ListPage<T> {
    /// Loads the list with `fetch`.
    pub fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Self
    where
        Fut: Future<Output = Result<List<T>, ApiError>> + 'static,
    {
        let again = RwSignal::new(0u32);
        let list = LocalResource::new(move || {
            again.track();
            fetch()
        });
        let (loading, set_loading) = signal(false);
        Self {
            list,
            reload: Callback::new(move |()| again.update(|n| *n += 1)),
            loading,
            set_loading,
        }
    }

    /// Loads the list again.
    pub fn reload(&self) -> Callback<()> {
        self.reload
    }

    /// The list as `render` shows it once loaded; the error with **Retry** if it failed. The
    /// previous page stays on screen while the next one loads.
    pub fn view(
        self,
        render: impl Fn(List<T>) -> AnyView + Send + Sync + 'static,
    ) -> impl IntoView {
        let Self {
            list,
            reload,
            set_loading,
            ..
        } = self;
        let render = std::sync::Arc::new(render);
        view! {
            <Transition fallback=Loading set_pending=set_loading>
                {move || {
                    let render = render.clone();
                    Suspend::new(async move {
                        match list.await {
                            Ok(list) => render(list),
                            Err(error) => view! { <LoadError error on_retry=reload /> }.into_any(),
                        }
                    })
                }}
            </Transition>
        }
    }
}

/// The view state of a list page, as its URL's query holds it.
pub fn use_list_view<Q: ListView + PartialEq + Send + Sync + 'static>() -> Memo<Q> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| Q::from_url(&q.to_query_string())))
}

/// The pagination bar of a list page whose URL holds its page.
#[component]
pub fn ListPagination<Q: ListView + PartialEq + Send + Sync + 'static>(
    /// The page's view state.
    view: Memo<Q>,
    /// Matches in all pages.
    total: u64,
) -> impl IntoView {
    let current = view.get_untracked();
    let href = Callback::new(move |(page, size)| view.get_untracked().at_page(page, size).href());
    view! { <Pagination total page=current.page() size=current.size() href /> }
}
