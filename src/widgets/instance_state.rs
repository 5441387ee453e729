//! How an instance's power state and OS are shown wherever instances are listed.

use keyrack_api::{InstanceState, Os};
use leptos::prelude::*;

use crate::i18n::{t, Msg};

/// True while the instance is starting or shutting down.
pub fn is_transitional(state: InstanceState) -> bool {
    matches!(state, InstanceState::Starting | InstanceState::Stopping)
}

/// "Linux" or "Windows".
pub fn os_label(os: Os) -> &'static str {
    match os {
        Os::Linux => "Linux",     // i18n: not text: operating system names
        Os::Windows => "Windows", // i18n: not text: operating system names
    }
}

/// The state as a badge reads it: RUNNING, STOPPED, STARTING, STOPPING in English.
pub fn state_label(state: InstanceState) -> &'static str {
    t(match state {
        InstanceState::Running => Msg::WidgetsStateRunning,
        InstanceState::Stopped => Msg::WidgetsStateStopped,
        InstanceState::Starting => Msg::WidgetsStateStarting,
        InstanceState::Stopping => Msg::WidgetsStateStopping,
    })
}

/// A coloured state label: RUNNING green, STOPPED grey, STARTING/STOPPING amber with a
/// spinner.
#[component]
pub fn StateBadge(
    /// The state shown.
    state: InstanceState,
) -> impl IntoView {
    let class = match state {
        InstanceState::Running => "badge badge-success",
        InstanceState::Stopped => "badge badge-muted",
        InstanceState::Starting | InstanceState::Stopping => "badge badge-warning",
    };
    view! {
        <span class=class>
            {is_transitional(state).then(|| view! { <span class="spinner spinner-small" aria-hidden="true"></span> })}
            {state_label(state)}
        </span>
    }
}
