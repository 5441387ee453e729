//! The key policy as the dialogs check it, loaded as a dialog opens.

use keyrack_api::Policy;
use leptos::prelude::*;

use crate::api::Api;

/// The key policy, filled in when it arrives. Without it (a failed request) the forms check
/// only the fixed rules, and the server still refuses what the policy does not allow.
pub fn load_policy(api: Api) -> RwSignal<Option<Policy>> {
    let policy = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        if let Ok(p) = api.policy().await {
            let _ = policy.try_set(Some(p));
        }
    });
    policy
}
