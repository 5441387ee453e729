//! The bulk import of "Use an existing public key": an `authorized_keys` text, a preview of
//! every line (the server's dry run), then the import of the selected new lines. The form
//! never calls the API itself: it hands each request to `on_submit` and shows `results`.

mod results;

use std::collections::{BTreeMap, BTreeSet};

use keyrack_api::{
    validate_name, ImportName, ImportOutcome, ImportRequest, ImportResponse, Policy,
};
use leptos::prelude::*;

use self::results::{Done, Preview};
use super::expiry_field::{ExpiryChoice, ExpiryField};
use crate::format;
use crate::i18n::{msg, t, Msg};
use crate::widgets::form::{sentence, ServerError};
use crate::widgets::request::Request;

/// The form.
#[component]
pub fn ImportKeysForm(
    /// The file's text as pasted or loaded so far.
    #[prop(into)]
    initial: String,
    /// The request: OK waits while it runs; its refusal shows in the form, which keeps
    /// what was typed.
    request: Request,
    /// The answer to the last request: a preview or the import's results.
    #[prop(into)]
    results: Signal<Option<ImportResponse>>,
    /// Receives each request: the preview (`dry_run`) and the import.
    #[prop(into)]
    on_submit: Callback<ImportRequest>,
    /// Called by Cancel and Close.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// The key policy, once loaded (its lifetime applies to every imported key).
    #[prop(optional, into)]
    policy: MaybeProp<Policy>,
) -> impl IntoView {
    let (pending, server_error) = request.signals();
    let text = RwSignal::new(initial);
    let expiry = ExpiryChoice::new();
    expiry.follow(policy, true);
    let (submitted, set_submitted) = signal(false);
    // What the last request was: the answer is a preview of the text as it was then, or the
    // import's results.
    let asked = RwSignal::new(None::<(bool, String)>);
    let selected = RwSignal::new(BTreeSet::<u32>::new());
    let names = RwSignal::new(BTreeMap::<u32, String>::new());
    let phase = Memo::new(move |_| match (asked.get(), results.get()) {
        (Some((true, asked_text)), Some(_)) if text.with(|t| *t == asked_text) => Phase::Preview,
        (Some((false, _)), Some(_)) => Phase::Done,
        _ => Phase::Edit,
    });
    select_new_lines(phase, results, selected, names);
    let bad_name = first_bad_name(selected, names);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_submitted.set(true);
        let Ok(expires_at) = untrack(|| expiry.checked(true)) else {
            return;
        };
        let authorized_keys = text.get_untracked();
        if authorized_keys.trim().is_empty() {
            return;
        }
        let dry_run = phase.get_untracked() != Phase::Preview;
        if !dry_run
            && (bad_name.get_untracked().is_some() || selected.with_untracked(BTreeSet::is_empty))
        {
            return;
        }
        let request = ImportRequest {
            authorized_keys: authorized_keys.clone(),
            dry_run,
            lines: (!dry_run).then(|| selected.get_untracked().into_iter().collect()),
            names: if dry_run {
                Vec::new()
            } else {
                renamed(results, selected, names)
            },
            expires_at,
        };
        asked.set(Some((dry_run, authorized_keys)));
        on_submit.run(request);
    };
    view! {
        <form class="form import-form" on:submit=submit novalidate>
            <AuthorizedKeysField text />
            <ExpiryField choice=expiry submitted=submitted new_key=true />
            {move || match phase.get() {
                Phase::Edit => ().into_any(),
                Phase::Preview => view! { <Preview results selected names /> }.into_any(),
                Phase::Done => view! { <Done results /> }.into_any(),
            }}
            {move || bad_name.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            <ServerError error=server_error />
            <ImportButtons phase pending selected on_cancel />
        </form>
    }
}

/// A new preview selects every new line, under its proposed name, but for lines with
/// options: imported, they would lose restrictions such as from= or command=, so only a
/// person who read why may tick them.
fn select_new_lines(
    phase: Memo<Phase>,
    results: Signal<Option<ImportResponse>>,
    selected: RwSignal<BTreeSet<u32>>,
    names: RwSignal<BTreeMap<u32, String>>,
) {
    Effect::new(move |_| {
        if phase.get() == Phase::Preview {
            let new: Vec<(u32, String, bool)> = results.with_untracked(|r| {
                r.iter()
                    .flat_map(|r| &r.results)
                    .filter(|r| r.outcome == ImportOutcome::New)
                    .map(|r| {
                        let plain = r.dropped_options.is_none();
                        (r.line, r.name.clone().unwrap_or_default(), plain)
                    })
                    .collect()
            });
            selected.set(
                new.iter()
                    .filter(|(_, _, plain)| *plain)
                    .map(|(line, _, _)| *line)
                    .collect(),
            );
            names.set(
                new.into_iter()
                    .map(|(line, name, _)| (line, name))
                    .collect(),
            );
        }
    });
}

/// Why the first selected line's name breaks the name rules, if one does.
fn first_bad_name(
    selected: RwSignal<BTreeSet<u32>>,
    names: RwSignal<BTreeMap<u32, String>>,
) -> Memo<Option<String>> {
    Memo::new(move |_| {
        names.with(|names| {
            selected.with(|selected| {
                names
                    .iter()
                    .filter(|(line, _)| selected.contains(line))
                    .find_map(|(line, name)| {
                        validate_name(name)
                            .err()
                            .map(|e| msg::import_line_problem(line, sentence(&e)))
                    })
            })
        })
    })
}

/// The selected lines whose name was changed from the one the preview proposed.
fn renamed(
    results: Signal<Option<ImportResponse>>,
    selected: RwSignal<BTreeSet<u32>>,
    names: RwSignal<BTreeMap<u32, String>>,
) -> Vec<ImportName> {
    let proposed = |line: u32| {
        results.with_untracked(|r| {
            r.iter()
                .flat_map(|r| &r.results)
                .find(|r| r.line == line)
                .and_then(|r| r.name.clone())
        })
    };
    names
        .get_untracked()
        .into_iter()
        .filter(|(line, name)| {
            selected.with_untracked(|s| s.contains(line))
                && proposed(*line).as_deref() != Some(name)
        })
        .map(|(line, name)| ImportName { line, name })
        .collect()
}

/// The `authorized_keys` text, pasted or loaded.
#[component]
fn AuthorizedKeysField(text: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            // i18n: not text: a file name
            <label for="import-keys">"authorized_keys"</label>
            <textarea
                id="import-keys"
                class="input mono"
                rows="6"
                spellcheck="false"
                autocomplete="off"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <p class="hint">
                {t(Msg::ImportHint)}
            </p>
        </div>
    }
}

/// Preview or Import selected, and Cancel; Close once imported.
#[component]
fn ImportButtons(
    phase: Memo<Phase>,
    pending: Signal<bool>,
    selected: RwSignal<BTreeSet<u32>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let ok_label = move || match (pending.get(), phase.get()) {
        (true, _) => t(Msg::ImportWorking).to_owned(),
        (false, Phase::Preview) => {
            let count = format::number(selected.with(BTreeSet::len) as f64);
            msg::import_import_selected(&count)
        }
        (false, _) => t(Msg::ImportPreview).to_owned(),
    };
    view! {
        <div class="form-buttons">
            {move || if phase.get() == Phase::Done {
                view! {
                    <button type="button" class="button primary" on:click=move |_| on_cancel.run(())>{t(Msg::ImportClose)}</button>
                }.into_any()
            } else {
                view! {
                    <button type="submit" class="button primary" disabled=move || pending.get()>{ok_label}</button>
                    <button type="button" class="button" on:click=move |_| on_cancel.run(())>{t(Msg::ImportCancel)}</button>
                }.into_any()
            }}
        </div>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Typing; OK previews.
    Edit,
    /// The preview of the text as it is; OK imports the selected lines.
    Preview,
    /// The import's results.
    Done,
}
