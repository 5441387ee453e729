//! The language and time-zone menus, in the console's header and on the sign-in page.

use leptos::prelude::*;

use crate::format::TimeZone;
use crate::i18n::{self, t, Language, Msg};

/// The language and time-zone menus. Either choice reloads the page in it.
#[component]
pub fn Preferences() -> impl IntoView {
    let current = i18n::language();
    let languages = Language::ALL.map(|l| {
        view! { <option value=l.tag() lang=l.tag() selected=l == current>{l.name()}</option> }
    });
    let choose_language = move |ev: leptos::ev::Event| {
        let tag = event_target_value(&ev);
        if let Some(l) = Language::from_tag(&tag) {
            i18n::choose(l);
        }
    };
    let zone = TimeZone::current();
    let choose_zone = move |ev: leptos::ev::Event| {
        TimeZone::choose(if event_target_value(&ev) == "local" {
            TimeZone::Local
        } else {
            TimeZone::Utc
        });
    };
    view! {
        <div class="preferences">
            <select class="input" aria-label=t(Msg::LayoutLanguage) on:change=choose_language>
                {languages}
            </select>
            <select class="input" aria-label=t(Msg::LayoutTimeZone) on:change=choose_zone>
                <option value="utc" selected=zone == TimeZone::Utc>{t(Msg::LayoutTimeZoneUtc)}</option>
                <option value="local" selected=zone == TimeZone::Local>{t(Msg::LayoutTimeZoneLocal)}</option>
            </select>
        </div>
    }
}
