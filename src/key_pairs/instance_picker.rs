//! One pickable instance of the Bind / Unbind dialogs, why it may not be pickable, and the
//! selection the dialog keeps across pages.

use keyrack_api::{BindDirection, Instance, InstanceState, Os, KEYS_PER_INSTANCE_MAX};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{msg, t, Msg};
use crate::routes;
use crate::widgets::instance_state::{os_label, StateBadge};

/// The Bind / Unbind dialog's title, in the guide's words.
pub fn title(direction: BindDirection) -> &'static str {
    match direction {
        BindDirection::Bind => t(Msg::BindBindTitle),
        BindDirection::Unbind => t(Msg::BindUnbindTitle),
    }
}

/// The dialog's primary button.
pub fn action(direction: BindDirection) -> &'static str {
    match direction {
        BindDirection::Bind => t(Msg::BindBind),
        BindDirection::Unbind => t(Msg::BindUnbind),
    }
}

/// Why an instance cannot be picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocker {
    /// Binding: the key is on it already.
    AlreadyBound,
    /// Windows takes no SSH keys.
    Windows,
    /// Binding: it holds 16 keys already.
    KeyLimit,
    /// Not shut down, and *Force shutdown* is not ticked.
    NotStopped,
}

impl Blocker {
    /// The text shown beside the instance.
    pub fn text(self) -> String {
        match self {
            Self::AlreadyBound => t(Msg::BindAlreadyBound).into(),
            Self::Windows => t(Msg::BindWindowsUnsupported).into(),
            Self::KeyLimit => msg::bind_key_limit(KEYS_PER_INSTANCE_MAX),
            Self::NotStopped => t(Msg::BindShutDownFirst).into(),
        }
    }
}

/// The picked instances by id, in the order picked, each kept as it was listed: the
/// selection outlives the page and the search it was made on. A dialog picks a few dozen at
/// most, so a `Vec` searched by id serves as the ordered map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection(Vec<Instance>);

impl Selection {
    /// How many are picked.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is picked.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the instance `id` is picked.
    pub fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|i| i.id == id)
    }

    /// Picks `instance`, or drops it when it is picked already.
    pub fn toggle(&mut self, instance: &Instance) {
        match self.0.iter().position(|i| i.id == instance.id) {
            Some(at) => {
                self.0.remove(at);
            }
            None => self.0.push(instance.clone()),
        }
    }

    /// Keeps only the picked instances for which `keep` holds.
    pub fn retain(&mut self, keep: impl FnMut(&Instance) -> bool) {
        self.0.retain(keep);
    }

    /// The ids, in the order picked.
    pub fn ids(&self) -> Vec<String> {
        self.0.iter().map(|i| i.id.clone()).collect()
    }

    /// The instances, in the order picked.
    pub fn into_instances(self) -> Vec<Instance> {
        self.0
    }
}

/// What keeps `instance` from being picked, if anything.
pub fn blocker(
    instance: &Instance,
    already_bound: bool,
    mode: BindDirection,
    force: bool,
) -> Option<Blocker> {
    if mode == BindDirection::Bind && already_bound {
        Some(Blocker::AlreadyBound)
    } else if instance.os == Os::Windows {
        Some(Blocker::Windows)
    } else if mode == BindDirection::Bind && instance.key_ids.len() >= KEYS_PER_INSTANCE_MAX {
        Some(Blocker::KeyLimit)
    } else if instance.state != InstanceState::Stopped && !force {
        Some(Blocker::NotStopped)
    } else {
        None
    }
}

/// A checkbox row: name, id, state, OS, and the reason when it cannot be picked.
#[component]
pub fn InstancePickRow(
    /// The instance.
    instance: Instance,
    /// Why it cannot be picked, if so.
    blocked: Option<Blocker>,
    /// Whether it is ticked.
    #[prop(into)]
    checked: Signal<bool>,
    /// Called when the checkbox changes.
    #[prop(into)]
    on_toggle: Callback<()>,
) -> impl IntoView {
    let already = blocked == Some(Blocker::AlreadyBound);
    let note = match (blocked, instance.state) {
        (Some(_), _) | (None, InstanceState::Stopped) => None,
        (None, InstanceState::Stopping) => Some(t(Msg::BindNoteStopping)),
        (None, _) => Some(t(Msg::BindNoteRestart)),
    };
    let reason = blocked.map(|b| {
        let link = (b == Blocker::NotStopped).then(|| {
            let href = routes::instances_in(&instance.region);
            view! { " " <A href=href attr:class="pick-link">{t(Msg::BindGoToInstances)}</A> }
        });
        view! { <span class="pick-reason">{b.text()}{link}</span> }
    });
    view! {
        <li class="pick-row" class:pick-blocked=blocked.is_some()>
            <label class="pick-main">
                <input
                    type="checkbox"
                    aria-label=msg::bind_select_instance(&instance.name)
                    disabled=blocked.is_some()
                    prop:checked=move || already || checked.get()
                    on:change=move |_| on_toggle.run(())
                />
                <span class="pick-name">{instance.name.clone()}</span>
                <span class="mono muted">{instance.id.clone()}</span>
                <StateBadge state=instance.state />
                <span class="muted">{os_label(instance.os)}</span>
            </label>
            {reason}
            {note.map(|n| view! { <span class="pick-note">{n}</span> })}
        </li>
    }
}
