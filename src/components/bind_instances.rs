//! **Bind instance** and **Unbind instance**: *Region*, a searchable multi-select of
//! instances and *Force shutdown*. The per-instance results are in [`super::bind_results`].

use keyrack_api::{ApiError, BindRequest, Instance, Region, BIND_INSTANCES_MAX};
use leptos::prelude::*;

use super::form::{FormButtons, ServerError};
use super::instance_picker::{blocker, BindMode, Blocker, InstancePickRow};

/// The form of both dialogs. It never calls the API: `on_submit` gets the request.
#[component]
pub fn BindInstancesForm(
    /// Bind or unbind.
    mode: BindMode,
    /// The key pair's id.
    #[prop(into)]
    key_id: String,
    /// The instances the key pair is bound to (`instance_ids`); Unbind lists only these.
    bound_ids: Vec<String>,
    /// Every region.
    regions: Vec<Region>,
    /// Every instance the picker may show.
    instances: Vec<Instance>,
    /// True while the request runs.
    #[prop(into)]
    pending: Signal<bool>,
    /// The last refusal from the server.
    #[prop(into)]
    server_error: Signal<Option<ApiError>>,
    /// Called by **Bind** / **Unbind** with the picked instances.
    #[prop(into)]
    on_submit: Callback<BindRequest>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let candidates = candidates(mode, &key_id, &bound_ids, instances);
    let regions = region_options(regions, &candidates);
    let picker = Picker::new(mode, candidates, &regions);
    let count = move || picker.selected.with(Vec::len);
    let too_many = move || count() > BIND_INSTANCES_MAX;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let instance_ids = picker.selected.get_untracked();
        if !instance_ids.is_empty() && instance_ids.len() <= BIND_INSTANCES_MAX {
            let force_stop = picker.force.get_untracked();
            on_submit.run(BindRequest {
                instance_ids,
                force_stop,
            });
        }
    };
    view! {
        <form class="form bind-form" on:submit=submit>
            <PickerFilters picker regions />
            <PickList picker />
            <ForceShutdown picker />
            <p class="muted" aria-live="polite">
                {move || format!("{} selected", count())}
                {move || too_many().then(|| format!("; at most {BIND_INSTANCES_MAX} per request"))}
            </p>
            <ServerError error=server_error />
            <FormButtons
                pending
                blocked=Signal::derive(move || count() == 0 || too_many())
                on_cancel
                ok_label=mode.action()
            />
        </form>
    }
}

/// The instances the dialog may list, each with whether the key is bound to it: every
/// instance to bind, only the bound ones to unbind.
fn candidates(
    mode: BindMode,
    key_id: &str,
    bound_ids: &[String],
    instances: Vec<Instance>,
) -> Vec<(Instance, bool)> {
    instances
        .into_iter()
        .map(|i| {
            let bound = bound_ids.contains(&i.id) || i.key_ids.iter().any(|k| k == key_id);
            (i, bound)
        })
        .filter(|(_, bound)| mode == BindMode::Bind || *bound)
        .collect()
}

/// The picker's state; `Copy`, so every part of the form can hold it.
#[derive(Debug, Clone, Copy)]
struct Picker {
    mode: BindMode,
    /// The listable instances and whether each is bound.
    candidates: StoredValue<Vec<(Instance, bool)>>,
    region: RwSignal<String>,
    search: RwSignal<String>,
    force: RwSignal<bool>,
    /// Picked instance ids, in the order picked.
    selected: RwSignal<Vec<String>>,
}

impl Picker {
    /// Starts in the first region that has instances to list.
    fn new(mode: BindMode, candidates: Vec<(Instance, bool)>, regions: &[Region]) -> Self {
        let first = regions
            .iter()
            .find(|r| candidates.iter().any(|(i, _)| i.region == r.id))
            .or(regions.first())
            .map(|r| r.id.clone())
            .unwrap_or_default();
        Self {
            mode,
            candidates: StoredValue::new(candidates),
            region: RwSignal::new(first),
            search: RwSignal::new(String::new()),
            force: RwSignal::new(false),
            selected: RwSignal::new(Vec::new()),
        }
    }

    /// The instances of the chosen region that match the search box (tracked).
    fn visible(self) -> Vec<(Instance, bool)> {
        let region = self.region.get();
        let needle = self.search.with(|s| s.trim().to_lowercase());
        self.candidates.with_value(|c| {
            c.iter()
                .filter(|(i, _)| i.region == region && matches(i, &needle))
                .cloned()
                .collect()
        })
    }

    fn blocker(self, instance: &Instance, bound: bool) -> Option<Blocker> {
        blocker(instance, bound, self.mode, self.force.get())
    }

    fn set_region(self, region: String) {
        self.region.set(region);
        self.selected.set(Vec::new());
    }

    /// Unticking *Force shutdown* drops the instances it made pickable.
    fn set_force(self, on: bool) {
        self.force.set(on);
        if !on {
            let mode = self.mode;
            self.candidates.with_value(|c| {
                self.selected.update(|s| {
                    s.retain(|id| {
                        c.iter()
                            .any(|(i, b)| &i.id == id && blocker(i, *b, mode, false).is_none())
                    })
                })
            });
        }
    }

    fn toggle(self, id: &str) {
        self.selected
            .update(|s| match s.iter().position(|x| x == id) {
                Some(at) => {
                    s.remove(at);
                }
                None => s.push(id.to_owned()),
            })
    }

    /// Why nothing is listed, if nothing is.
    fn empty_text(self, shown: usize) -> Option<&'static str> {
        if self.candidates.with_value(Vec::is_empty) {
            Some(match self.mode {
                BindMode::Bind => "There are no instances yet.",
                BindMode::Unbind => "This key is not bound to any instance.",
            })
        } else if shown > 0 {
            None
        } else if self.search.with(|s| s.trim().is_empty()) {
            Some("No instances in this region.")
        } else {
            Some("No instance matches this search.")
        }
    }
}

/// *Region* and the search box.
#[component]
fn PickerFilters(picker: Picker, regions: Vec<Region>) -> impl IntoView {
    view! {
        <div class="bind-filters">
            <label class="field">
                <span class="label">"Region"</span>
                <select class="input" on:change=move |ev| picker.set_region(event_target_value(&ev))>
                    {regions.into_iter().map(|r| {
                        let id = r.id.clone();
                        view! { <option value=r.id selected=move || picker.region.get() == id>{r.name}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="field bind-search">
                <span class="label">"Search"</span>
                <input
                    type="search"
                    class="input"
                    placeholder="Name, ID or IP"
                    prop:value=move || picker.search.get()
                    on:input=move |ev| picker.search.set(event_target_value(&ev))
                />
            </label>
        </div>
    }
}

/// The listed instances, each with its checkbox, or why there are none.
#[component]
fn PickList(picker: Picker) -> impl IntoView {
    move || {
        let rows = picker.visible();
        let note = picker
            .empty_text(rows.len())
            .map(|t| view! { <p class="muted pick-empty">{t}</p> });
        let items = rows
            .into_iter()
            .map(|(instance, bound)| {
                let blocked = picker.blocker(&instance, bound);
                let id = instance.id.clone();
                let checked = {
                    let id = id.clone();
                    Signal::derive(move || picker.selected.with(|s| s.contains(&id)))
                };
                let on_toggle = Callback::new(move |()| picker.toggle(&id));
                view! { <InstancePickRow instance blocked checked on_toggle /> }
            })
            .collect_view();
        view! { {note} <ul class="pick-list">{items}</ul> }
    }
}

/// *Force shutdown*, and the warning while it is ticked.
#[component]
fn ForceShutdown(picker: Picker) -> impl IntoView {
    let verb = match picker.mode {
        BindMode::Bind => "bound",
        BindMode::Unbind => "unbound",
    };
    view! {
        <label class="checkbox">
            <input
                type="checkbox"
                prop:checked=move || picker.force.get()
                on:change=move |ev| picker.set_force(event_target_checked(&ev))
            />
            "Force shutdown"
        </label>
        <div class="alert alert-warning" role="note" hidden=move || !picker.force.get()>
            {format!(
                "Instances that are not shut down will be shut down, the key will be {verb}, and \
                 those that were running will be started again. Their services are interrupted meanwhile."
            )}
        </div>
    }
}

/// The regions of the select: the known ones, plus any region an instance names that the
/// region list lacks.
fn region_options(mut regions: Vec<Region>, candidates: &[(Instance, bool)]) -> Vec<Region> {
    for (i, _) in candidates {
        if !regions.iter().any(|r| r.id == i.region) {
            regions.push(Region {
                id: i.region.clone(),
                name: i.region.clone(),
            });
        }
    }
    regions
}

/// Case-insensitive match of name, id or an address; `needle` is lowercase.
fn matches(i: &Instance, needle: &str) -> bool {
    needle.is_empty()
        || i.name.to_lowercase().contains(needle)
        || i.id.to_lowercase().contains(needle)
        || i.private_ip.contains(needle)
        || i.public_ip.as_deref().is_some_and(|ip| ip.contains(needle))
}
