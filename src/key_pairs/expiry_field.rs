//! *Expires* in Create and Modify: a preset (30, 90 or 365 days, a date, never) turned into
//! the `expires_at` the API takes. The server stores whatever time it is sent; the presets
//! count from the moment OK is pressed. Under a key policy with a maximum lifetime, a new
//! key starts at that maximum, and longer presets and "Never" are not offered.

use keyrack_api::{check_new_expiry, FieldError, Policy, Rule, Timestamp};
use leptos::prelude::*;

use crate::format;
use crate::i18n::{msg, t, Msg};
use crate::widgets::form::{sentence, FieldMessage};

const DAY_MS: f64 = 86_400_000.0;

/// The choice behind the field.
#[derive(Debug, Clone, Copy)]
pub struct ExpiryChoice {
    /// The selected preset: `never`, `30`, `90`, `365`, `date`, or `keep` (Modify's current).
    preset: RwSignal<String>,
    /// `YYYY-MM-DD` from the date input, for `date`.
    date: RwSignal<String>,
    /// The key's current expiry (Modify), which `keep` keeps.
    current: StoredValue<Option<Timestamp>>,
    /// The key policy's maximum lifetime in days, once it is known.
    max_days: RwSignal<Option<u32>>,
}

/// A time on the browser's clock, as the API writes times.
fn browser_time(at: &js_sys::Date) -> Result<Timestamp, FieldError> {
    Timestamp::parse("expires_at", &String::from(at.to_iso_string()))
}

impl ExpiryChoice {
    /// For a new key: never expires until the user picks otherwise.
    pub fn new() -> Self {
        Self::keeping(None)
    }

    /// For Modify: keeps `current` (or "Never" when there is none) until changed.
    pub fn keeping(current: Option<Timestamp>) -> Self {
        let preset = if current.is_some() { "keep" } else { "never" };
        Self {
            preset: RwSignal::new(preset.to_owned()),
            date: RwSignal::new(String::new()),
            current: StoredValue::new(current),
            max_days: RwSignal::new(None),
        }
    }

    /// Follows the key policy once it is loaded, and whenever it changes.
    pub fn follow(self, policy: MaybeProp<Policy>, new_key: bool) {
        Effect::new(move |_| {
            if let Some(policy) = policy.get() {
                self.limit_to(policy.max_lifetime_days, new_key);
            }
        });
    }

    /// Follows the key policy: a new key still set to "Never" is set to the longest
    /// lifetime allowed.
    fn limit_to(&self, max_days: Option<u32>, new_key: bool) {
        self.max_days.set(max_days);
        if let (Some(days), true) = (max_days, new_key) {
            if self.preset.get_untracked() == "never" {
                self.preset.set(days.to_string());
            }
        }
    }

    /// The `expires_at` to send, checked as the server will check it: a new key's expiry is
    /// ahead, and a new or changed expiry fits the policy's lifetime.
    pub fn checked(&self, new_key: bool) -> Result<Option<String>, FieldError> {
        let at = self.expires_at()?;
        let now = browser_time(&js_sys::Date::new_0())?;
        if let (Some(at), true) = (&at, new_key) {
            check_new_expiry(at, &now)?;
        }
        if new_key || self.changed() {
            let policy = Policy {
                max_lifetime_days: self.max_days.get(),
                ..Policy::default()
            };
            policy.check_expiry(at.as_ref(), &now).map_err(|v| {
                let message = crate::messages::policy_violation(&v);
                FieldError::new(v.field, Rule::Range, message)
            })?;
        }
        Ok(at.as_ref().map(Timestamp::to_string))
    }

    /// The `expires_at` to send (`None`: never), or why the choice is not valid yet.
    pub fn expires_at(&self) -> Result<Option<Timestamp>, FieldError> {
        let preset = self.preset.get();
        match preset.as_str() {
            "never" => Ok(None),
            "keep" => Ok(self.current.get_value()),
            "date" => {
                let date = self.date.get();
                if date.is_empty() {
                    return Err(FieldError::new(
                        "expires_at",
                        Rule::Required,
                        t(Msg::CreateExpiryPickDate),
                    ));
                }
                Timestamp::parse("expires_at", &format!("{date}T00:00:00Z")).map(Some)
            }
            days => {
                let days: f64 = days.parse().unwrap_or(0.0);
                let at = js_sys::Date::new(&(js_sys::Date::now() + days * DAY_MS).into());
                browser_time(&at).map(Some)
            }
        }
    }

    /// Whether the choice differs from the key's current expiry.
    pub fn changed(&self) -> bool {
        match self.preset.get_untracked().as_str() {
            "keep" => false,
            "never" => self.current.get_value().is_some(),
            _ => true,
        }
    }
}

impl Default for ExpiryChoice {
    fn default() -> Self {
        Self::new()
    }
}

/// The preset list and, for "On a date", the date input. `new_key`: the expiry must be in
/// the future (Modify may retire a key at once with a past date).
#[component]
pub fn ExpiryField(
    choice: ExpiryChoice,
    /// True after a submit attempt.
    #[prop(into)]
    submitted: Signal<bool>,
    /// Create or import, not Modify.
    #[prop(optional)]
    new_key: bool,
) -> impl IntoView {
    let (touched, set_touched) = signal(false);
    let message = Signal::derive(move || {
        if !(touched.get() || submitted.get()) {
            return None;
        }
        choice.checked(new_key).err().map(|e| sentence(&e))
    });
    let keep = choice
        .current
        .get_value()
        .map(|at| msg::create_expiry_keep(format::timestamp(&at)));
    let selected = move |value: String| move || choice.preset.with(|p| *p == value);
    // The presets, the policy's maximum among them, and whether each is allowed.
    let options = move || {
        let max = choice.max_days.get();
        let mut days = vec![30, 90, 365];
        if let Some(m) = max.filter(|m| !days.contains(m)) {
            days.push(m);
            days.sort_unstable();
        }
        let mut options: Vec<(String, String, bool)> = days
            .into_iter()
            .map(|d| {
                let label = if Some(d) == max {
                    msg::create_expiry_days_policy_maximum(d as usize)
                } else {
                    msg::create_expiry_days(d as usize)
                };
                (d.to_string(), label, max.is_none_or(|m| d <= m))
            })
            .collect();
        options.push(("date".into(), t(Msg::CreateExpiryOnDate).into(), true));
        // A key that never expired may stay so (Modify leaves it alone); nothing new may.
        let never_ok = max.is_none() || (!new_key && choice.current.get_value().is_none());
        options.push(("never".into(), t(Msg::CreateExpiryNever).into(), never_ok));
        options
    };
    view! {
        <div class="field">
            <label for="key-expiry">{t(Msg::CreateExpires)}</label>
            <div class="expiry-inputs">
                <select
                    id="key-expiry"
                    class="input"
                    aria-describedby="key-expiry-error"
                    on:change=move |ev| {
                        choice.preset.set(event_target_value(&ev));
                        set_touched.set(true);
                    }
                >
                    {keep.map(|label| view! { <option value="keep" prop:selected=selected("keep".into())>{label}</option> })}
                    {move || options()
                        .into_iter()
                        .map(|(value, label, allowed)| view! {
                            <option value=value.clone() disabled=!allowed prop:selected=selected(value)>{label}</option>
                        })
                        .collect_view()}
                </select>
                <input
                    id="key-expiry-date"
                    type="date"
                    class="input"
                    aria-label=t(Msg::CreateExpiryDate)
                    hidden=move || choice.preset.with(|p| p != "date")
                    prop:value=move || choice.date.get()
                    on:input=move |ev| choice.date.set(event_target_value(&ev))
                    on:change=move |_| set_touched.set(true)
                />
            </div>
            <p class="hint">{t(Msg::CreateExpiryHint)}</p>
            <FieldMessage id="key-expiry-error" message=message />
        </div>
    }
}
