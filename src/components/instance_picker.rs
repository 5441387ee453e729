//! One pickable instance of the Bind / Unbind dialogs, and why it may not be pickable.

use keyrack_api::{Instance, InstanceState, Os, KEYS_PER_INSTANCE_MAX};
use leptos::prelude::*;
use leptos_router::components::A;

use super::instance_state::{os_label, StateBadge};
use crate::routes;

/// Bind or unbind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindMode {
    /// **Bind instance**.
    Bind,
    /// **Unbind instance**.
    Unbind,
}

impl BindMode {
    /// The dialog title, in the guide's words.
    pub fn title(self) -> &'static str {
        match self {
            Self::Bind => "Bind instance",
            Self::Unbind => "Unbind instance",
        }
    }

    /// The primary button.
    pub fn action(self) -> &'static str {
        match self {
            Self::Bind => "Bind",
            Self::Unbind => "Unbind",
        }
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
            Self::AlreadyBound => "Already bound".into(),
            Self::Windows => "Windows instances do not support SSH keys".into(),
            Self::KeyLimit => format!("This instance already has {KEYS_PER_INSTANCE_MAX} keys"),
            Self::NotStopped => "Shut down the instance first".into(),
        }
    }
}

/// What keeps `instance` from being picked, if anything.
pub fn blocker(
    instance: &Instance,
    already_bound: bool,
    mode: BindMode,
    force: bool,
) -> Option<Blocker> {
    if mode == BindMode::Bind && already_bound {
        Some(Blocker::AlreadyBound)
    } else if instance.os == Os::Windows {
        Some(Blocker::Windows)
    } else if mode == BindMode::Bind && instance.key_ids.len() >= KEYS_PER_INSTANCE_MAX {
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
        (None, InstanceState::Stopping) => Some("Will finish shutting down and stay shut down"),
        (None, _) => Some("Will be shut down and started again"),
    };
    let reason = blocked.map(|b| {
        let link = (b == Blocker::NotStopped).then(|| {
            let href = routes::instances_in(&instance.region);
            view! { " " <A href=href attr:class="pick-link">"Go to Instances"</A> }
        });
        view! { <span class="pick-reason">{b.text()}{link}</span> }
    });
    view! {
        <li class="pick-row" class:pick-blocked=blocked.is_some()>
            <label class="pick-main">
                <input
                    type="checkbox"
                    aria-label=format!("Select {}", instance.name)
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
