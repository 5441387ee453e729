//! The bulk import of "Use an existing public key": an `authorized_keys` text, a preview of
//! every line (the server's dry run), then the import of the selected new lines. The form
//! never calls the API itself: it hands each request to `on_submit` and shows `results`.

use std::collections::{BTreeMap, BTreeSet};

use keyrack_api::{
    validate_name, ApiError, ImportName, ImportOutcome, ImportRequest, ImportResponse,
    ImportResult, Policy,
};
use leptos::prelude::*;

use super::expiry_field::{ExpiryChoice, ExpiryField};
use crate::format;
use crate::i18n::{language, t, Language, Msg};
use crate::widgets::form::{sentence, ServerError};

/// The form.
#[component]
pub fn ImportKeysForm(
    /// The file's text as pasted or loaded so far.
    #[prop(into)]
    initial: String,
    /// True while a request runs.
    #[prop(into)]
    pending: Signal<bool>,
    /// The last refusal from the server.
    #[prop(into)]
    server_error: Signal<Option<ApiError>>,
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
    let text = RwSignal::new(initial);
    let expiry = ExpiryChoice::new();
    Effect::new(move |_| {
        if let Some(policy) = policy.get() {
            expiry.limit_to(policy.max_lifetime_days, true);
        }
    });
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
    // A new preview selects every new line, under its proposed name, but for lines with
    // options: imported, they would lose restrictions such as from= or command=, so only a
    // person who read why may tick them.
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
    let bad_name = Memo::new(move |_| {
        names.with(|names| {
            selected.with(|selected| {
                names
                    .iter()
                    .filter(|(line, _)| selected.contains(line))
                    .find_map(|(line, name)| {
                        validate_name(name).err().map(|e| {
                            Msg::ImportLineProblem
                                .with(&[("line", line), ("message", &sentence(&e))])
                        })
                    })
            })
        })
    });

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
        let proposed = |line: u32| {
            results.with_untracked(|r| {
                r.iter()
                    .flat_map(|r| &r.results)
                    .find(|r| r.line == line)
                    .and_then(|r| r.name.clone())
            })
        };
        let request = ImportRequest {
            authorized_keys: authorized_keys.clone(),
            dry_run,
            lines: (!dry_run).then(|| selected.get_untracked().into_iter().collect()),
            names: if dry_run {
                Vec::new()
            } else {
                names
                    .get_untracked()
                    .into_iter()
                    .filter(|(line, name)| {
                        selected.with_untracked(|s| s.contains(line))
                            && proposed(*line).as_deref() != Some(name)
                    })
                    .map(|(line, name)| ImportName { line, name })
                    .collect()
            },
            expires_at,
        };
        asked.set(Some((dry_run, authorized_keys)));
        on_submit.run(request);
    };
    let ok_label = move || match (pending.get(), phase.get()) {
        (true, _) => t(Msg::ImportWorking).to_owned(),
        (false, Phase::Preview) => {
            let count = format::number(selected.with(BTreeSet::len) as f64);
            Msg::ImportImportSelected.with(&[("count", &count)])
        }
        (false, _) => t(Msg::ImportPreview).to_owned(),
    };
    view! {
        <form class="form import-form" on:submit=submit novalidate>
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
            <ExpiryField choice=expiry submitted=submitted new_key=true />
            {move || match phase.get() {
                Phase::Edit => ().into_any(),
                Phase::Preview => view! { <Preview results selected names /> }.into_any(),
                Phase::Done => view! { <Done results /> }.into_any(),
            }}
            {move || bad_name.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            <ServerError error=server_error />
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
        </form>
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

/// How many lines have each outcome, as a sentence.
fn summary(results: &[ImportResult]) -> String {
    let count = |o: ImportOutcome| results.iter().filter(|r| r.outcome == o).count();
    [
        (ImportOutcome::New, Msg::ImportSummaryNew),
        (ImportOutcome::Created, Msg::ImportSummaryImported),
        (ImportOutcome::Duplicate, Msg::ImportSummaryDuplicate),
        (ImportOutcome::Refused, Msg::ImportSummaryRefused),
        (ImportOutcome::Skipped, Msg::ImportSummarySkipped),
    ]
    .into_iter()
    .filter_map(|(o, message)| match count(o) {
        0 => None,
        n => Some(message.with(&[("count", &format::number(n as f64))])),
    })
    .collect::<Vec<_>>()
    .join(t(Msg::ImportSummarySeparator))
}

fn badge(outcome: ImportOutcome) -> &'static str {
    match outcome {
        // i18n: not text: CSS classes
        ImportOutcome::New | ImportOutcome::Created => "badge badge-success",
        // i18n: not text: CSS classes
        ImportOutcome::Refused => "badge badge-danger",
        // i18n: not text: CSS classes
        ImportOutcome::Duplicate | ImportOutcome::Skipped => "badge badge-muted",
    }
}

/// A line's outcome on its badge.
fn outcome_label(outcome: ImportOutcome) -> &'static str {
    t(match outcome {
        ImportOutcome::New => Msg::ImportOutcomeNew,
        ImportOutcome::Created => Msg::ImportOutcomeCreated,
        ImportOutcome::Duplicate => Msg::ImportOutcomeDuplicate,
        ImportOutcome::Refused => Msg::ImportOutcomeRefused,
        ImportOutcome::Skipped => Msg::ImportOutcomeSkipped,
    })
}

/// What the line says beside its outcome.
fn reason(r: &ImportResult) -> String {
    let mut parts = Vec::new();
    match r.outcome {
        ImportOutcome::New | ImportOutcome::Created => {}
        // The server's words in English; in Chinese, worded from the outcome and its code.
        _ if language() == Language::English => match (&r.message, r.outcome) {
            (Some(message), _) => parts.push(message.clone()),
            (None, ImportOutcome::Duplicate) => {
                let name = r.name.clone().unwrap_or_default();
                parts.push(Msg::ImportRegisteredAlready.with(&[("name", &name)]));
            }
            (None, _) => {}
        },
        ImportOutcome::Duplicate => parts.push(match (&r.name, &r.id) {
            (Some(name), Some(id)) => {
                Msg::ImportRegisteredAlreadyAs.with(&[("name", name), ("id", id)])
            }
            _ => t(Msg::ImportSameKeyAsEarlierLine).into(),
        }),
        ImportOutcome::Skipped => parts.push(
            t(match r.message.as_deref() {
                Some("comment") => Msg::ImportSkippedComment,
                Some("blank line") => Msg::ImportSkippedBlank, // i18n: not text: the API's word
                _ => Msg::ImportSkippedNotSelected,
            })
            .into(),
        ),
        ImportOutcome::Refused => parts.push(match r.code.as_deref() {
            Some("policy") => t(Msg::ImportRefusedByPolicy).into(),
            Some(code) => crate::messages::refusal_by_code(code),
            None => t(Msg::RulesKeyRefused).into(),
        }),
    }
    if let Some(options) = &r.dropped_options {
        let message = if r.outcome == ImportOutcome::Created {
            Msg::ImportOptionsDropped
        } else {
            Msg::ImportOptionsWouldBeDropped
        };
        parts.push(message.with(&[("options", options)]));
    }
    parts.join(t(Msg::ImportReasonSeparator))
}

/// The preview table: a checkbox and an editable name for each new line.
#[component]
fn Preview(
    results: Signal<Option<ImportResponse>>,
    selected: RwSignal<BTreeSet<u32>>,
    names: RwSignal<BTreeMap<u32, String>>,
) -> impl IntoView {
    let rows = results
        .get_untracked()
        .map(|r| r.results)
        .unwrap_or_default();
    let total = summary(&rows);
    view! {
        <p class="import-summary" role="status">{total}</p>
        <div class="table-wrap import-table">
            <table class="table">
                <thead><tr>
                    <th>{t(Msg::ImportColumnImport)}</th>
                    <th>{t(Msg::ImportColumnLine)}</th>
                    <th>{t(Msg::ImportColumnOutcome)}</th>
                    <th>{t(Msg::ImportColumnName)}</th>
                    <th>{t(Msg::ImportColumnReason)}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let line = r.line;
                        let is_new = r.outcome == ImportOutcome::New;
                        let outcome = outcome_label(r.outcome);
                        let why = reason(&r);
                        let name_cell = if is_new {
                            view! {
                                <input
                                    class="input import-name"
                                    aria-label=Msg::ImportNameForLine.with(&[("line", &line)])
                                    prop:value=move || names.with(|n| n.get(&line).cloned().unwrap_or_default())
                                    on:input=move |ev| {
                                        let value = event_target_value(&ev);
                                        names.update(|n| { n.insert(line, value); });
                                    }
                                />
                            }.into_any()
                        } else {
                            view! { <span>{r.name.clone().unwrap_or_default()}</span> }.into_any()
                        };
                        view! {
                            <tr>
                                <td>
                                    {is_new.then(|| view! {
                                        <input
                                            type="checkbox"
                                            aria-label=Msg::ImportImportLine.with(&[("line", &line)])
                                            prop:checked=move || selected.with(|s| s.contains(&line))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                selected.update(|s| { if on { s.insert(line); } else { s.remove(&line); } });
                                            }
                                        />
                                    })}
                                </td>
                                <td>{line}</td>
                                <td><span class=badge(r.outcome)>{outcome}</span></td>
                                <td>{name_cell}</td>
                                <td class="import-reason">{why}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The results of the import, line by line.
#[component]
fn Done(results: Signal<Option<ImportResponse>>) -> impl IntoView {
    let rows = results
        .get_untracked()
        .map(|r| r.results)
        .unwrap_or_default();
    let total = summary(&rows);
    view! {
        <p class="import-summary" role="status">{total}</p>
        <div class="table-wrap import-table">
            <table class="table">
                <thead><tr>
                    <th>{t(Msg::ImportColumnLine)}</th>
                    <th>{t(Msg::ImportColumnOutcome)}</th>
                    <th>{t(Msg::ImportColumnName)}</th>
                    <th>{t(Msg::ImportColumnReason)}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td>{r.line}</td>
                            <td><span class=badge(r.outcome)>{outcome_label(r.outcome)}</span></td>
                            <td>{r.name.clone().unwrap_or_default()}</td>
                            <td class="import-reason">{reason(&r)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
