//! The parts of the form: *Region* and search, the list of one page, the pager and *Force
//! shutdown*.

use keyrack_api::{BindDirection, Instance, Region};
use leptos::html;
use leptos::prelude::*;

use super::picker::{Listing, Picker};
use super::PAGE_SIZE;
use crate::format::number;
use crate::i18n::{msg, t, Msg};
use crate::key_pairs::instance_picker::InstancePickRow;
use crate::widgets::status::{LoadError, Loading};

/// *Region* and the search box.
#[component]
pub(super) fn PickerFilters(picker: Picker, regions: Vec<Region>) -> impl IntoView {
    let options = move || {
        let mut regions = regions.clone();
        // A region an instance names that the region list lacks.
        if let Some(id) = picker.region.get() {
            if !regions.iter().any(|r| r.id == id) {
                regions.push(Region {
                    id: id.clone(),
                    name: id,
                });
            }
        }
        regions
            .into_iter()
            .map(|r| {
                let selected = picker.region.with(|c| c.as_ref() == Some(&r.id));
                view! { <option value=r.id selected=selected>{r.name}</option> }
            })
            .collect_view()
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        // Enter searches at once rather than submitting the form.
        if ev.key() == "Enter" {
            ev.prevent_default();
            picker.search_now();
        }
    };
    view! {
        <div class="bind-filters">
            <label class="field">
                <span class="label">{t(Msg::BindRegion)}</span>
                <select class="input" on:change=move |ev| picker.set_region(event_target_value(&ev))>
                    {options}
                </select>
            </label>
            <label class="field bind-search">
                <span class="label">{t(Msg::BindSearch)}</span>
                <input
                    type="search"
                    class="input"
                    placeholder=t(Msg::BindSearchPlaceholder)
                    prop:value=move || picker.typed.get()
                    on:input=move |ev| picker.type_search(event_target_value(&ev))
                    on:keydown=on_key
                />
            </label>
        </div>
    }
}

/// The listed instances, each with its checkbox, or why there are none. The box keeps its
/// height whatever it shows, so paging does not move the buttons below it.
#[component]
pub(super) fn PickList(picker: Picker) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    // A new page starts at its top.
    Effect::new(move |_| {
        picker.listing.track();
        if let Some(el) = node.get_untracked() {
            el.set_scroll_top(0);
        }
    });
    let retry = Callback::new(move |()| picker.retry.update(|n| *n += 1));
    let content = move || match picker.listing.get() {
        Listing::Loading => view! { <Loading /> }.into_any(),
        Listing::Failed(error) => view! { <LoadError error on_retry=retry /> }.into_any(),
        Listing::Nothing => empty(t(match picker.mode {
            BindDirection::Bind => Msg::BindNoInstances,
            BindDirection::Unbind => Msg::BindNoneBound,
        })),
        Listing::Page { list, .. } if list.items.is_empty() => empty(picker.empty_text()),
        Listing::Page { list, .. } => view! { <PickRows picker items=list.items /> }.into_any(),
    };
    view! {
        <div class="pick-box" node_ref=node aria-busy=move || picker.loading.get().then_some("true")>
            {content}
        </div>
    }
}

pub(super) fn empty(text: &'static str) -> AnyView {
    view! { <p class="muted pick-empty">{text}</p> }.into_any()
}

/// One page of rows.
#[component]
pub(super) fn PickRows(picker: Picker, items: Vec<Instance>) -> impl IntoView {
    let rows = move || {
        let force = picker.force.get();
        items
            .iter()
            .map(|instance| {
                let blocked = picker.blocker(instance, force);
                let id = instance.id.clone();
                let checked = Signal::derive(move || picker.selected.with(|s| s.contains(&id)));
                let picked = instance.clone();
                let on_toggle =
                    Callback::new(move |()| picker.selected.update(|s| s.toggle(&picked)));
                view! { <InstancePickRow instance=instance.clone() blocked checked on_toggle /> }
            })
            .collect_view()
    };
    view! { <ul class="pick-list">{rows}</ul> }
}

/// "1–20 of 250", with Previous and Next.
#[component]
pub(super) fn Pager(picker: Picker) -> impl IntoView {
    let shown = move || {
        picker.listing.with(|l| match l {
            Listing::Page { offset, list } => Some((*offset, list.items.len() as u32, list.total)),
            _ => None,
        })
    };
    let pages = move || {
        shown().map_or(1, |(_, _, total)| {
            total.div_ceil(u64::from(PAGE_SIZE)).max(1)
        })
    };
    let range = move || match shown() {
        Some((offset, len, total)) if len > 0 => msg::bind_range(
            number(offset + 1),
            number(offset + len),
            number(total as f64),
        ),
        _ => String::new(),
    };
    let at_first = move || picker.page.get() <= 1;
    let at_last = move || u64::from(picker.page.get()) >= pages();
    let step = move |by: i32| {
        picker
            .page
            .update(|p| *p = p.saturating_add_signed(by).max(1))
    };
    view! {
        <div class="pick-pager">
            <span class="pick-range" aria-live="polite">
                {range}
                <span class="spinner spinner-small" hidden=move || !picker.loading.get()></span>
            </span>
            <button
                type="button"
                class="button"
                disabled=at_first
                on:click=move |_| step(-1)
            >
                {t(Msg::BindPrevious)}
            </button>
            <button
                type="button"
                class="button"
                disabled=at_last
                on:click=move |_| step(1)
            >
                {t(Msg::BindNext)}
            </button>
        </div>
    }
}

/// *Force shutdown*.
#[component]
pub(super) fn ForceShutdown(picker: Picker) -> impl IntoView {
    view! {
        <label class="checkbox">
            <input
                type="checkbox"
                prop:checked=move || picker.force.get()
                on:change=move |ev| picker.set_force(event_target_checked(&ev))
            />
            {t(Msg::BindForceShutdown)}
        </label>
    }
}

/// What *Force shutdown* does, while it is ticked.
#[component]
pub(super) fn ForceShutdownWarning(picker: Picker) -> impl IntoView {
    let warning = t(match picker.mode {
        BindDirection::Bind => Msg::BindForceWarningBind,
        BindDirection::Unbind => Msg::BindForceWarningUnbind,
    });
    view! {
        <div class="alert alert-warning" role="note" hidden=move || !picker.force.get()>
            {warning}
        </div>
    }
}
