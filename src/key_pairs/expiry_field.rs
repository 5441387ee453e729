//! *Expires* in Create and Modify: a preset (30, 90 or 365 days, a date, never) turned into
//! the `expires_at` the API takes. The server stores whatever time it is sent; the presets
//! count from the moment OK is pressed.

use keyrack_api::{check_new_expiry, parse_expires_at, FieldError, Rule};
use leptos::prelude::*;

use crate::format;
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
    current: StoredValue<Option<String>>,
}

impl ExpiryChoice {
    /// For a new key: never expires until the user picks otherwise.
    pub fn new() -> Self {
        Self::keeping(None)
    }

    /// For Modify: keeps `current` (or "Never" when there is none) until changed.
    pub fn keeping(current: Option<String>) -> Self {
        let preset = if current.is_some() { "keep" } else { "never" };
        Self {
            preset: RwSignal::new(preset.to_owned()),
            date: RwSignal::new(String::new()),
            current: StoredValue::new(current),
        }
    }

    /// The `expires_at` to send (`None`: never), or why the choice is not valid yet.
    pub fn expires_at(&self) -> Result<Option<String>, FieldError> {
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
                        "pick the date the key expires",
                    ));
                }
                parse_expires_at("expires_at", &format!("{date}T00:00:00Z")).map(Some)
            }
            days => {
                let days: f64 = days.parse().unwrap_or(0.0);
                let at = js_sys::Date::new(&(js_sys::Date::now() + days * DAY_MS).into());
                Ok(Some(String::from(at.to_iso_string())))
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
        let checked = choice.expires_at().and_then(|at| match at {
            Some(at) if new_key => {
                check_new_expiry(&at, &String::from(js_sys::Date::new_0().to_iso_string()))
            }
            _ => Ok(()),
        });
        checked.err().map(|e| sentence(&e))
    });
    let keep = choice
        .current
        .get_value()
        .map(|at| format!("Keep {}", format::timestamp(&at)));
    let options = [
        ("30", "30 days"),
        ("90", "90 days"),
        ("365", "365 days"),
        ("date", "On a date"),
        ("never", "Never"),
    ];
    let selected = move |value: &'static str| move || choice.preset.with(|p| p == value);
    view! {
        <div class="field">
            <label for="key-expiry">"Expires"</label>
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
                    {keep.map(|label| view! { <option value="keep" prop:selected=selected("keep")>{label}</option> })}
                    {options
                        .into_iter()
                        .map(|(value, label)| view! { <option value=value prop:selected=selected(value)>{label}</option> })
                        .collect_view()}
                </select>
                <input
                    id="key-expiry-date"
                    type="date"
                    class="input"
                    aria-label="Expiry date"
                    hidden=move || choice.preset.with(|p| p != "date")
                    prop:value=move || choice.date.get()
                    on:input=move |ev| choice.date.set(event_target_value(&ev))
                    on:change=move |_| set_touched.set(true)
                />
            </div>
            <p class="hint">"From then on sshd no longer accepts the key; it stays listed until you delete it."</p>
            <FieldMessage id="key-expiry-error" message=message />
        </div>
    }
}
