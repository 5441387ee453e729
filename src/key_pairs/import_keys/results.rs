//! The import's answer, line by line: the preview (with a checkbox and an editable name
//! for each new line) and the results.

use std::collections::{BTreeMap, BTreeSet};

use keyrack_api::{ImportOutcome, ImportResponse, ImportResult};
use leptos::prelude::*;

use crate::format;
use crate::i18n::{language, msg, t, Language, Msg};

/// How many lines have each outcome, as a sentence.
fn summary(results: &[ImportResult]) -> String {
    let count = |o: ImportOutcome| results.iter().filter(|r| r.outcome == o).count();
    [
        (
            ImportOutcome::New,
            msg::import_summary_new as fn(String) -> String,
        ),
        (ImportOutcome::Created, msg::import_summary_imported),
        (ImportOutcome::Duplicate, msg::import_summary_duplicate),
        (ImportOutcome::Refused, msg::import_summary_refused),
        (ImportOutcome::Skipped, msg::import_summary_skipped),
    ]
    .into_iter()
    .filter_map(|(o, message)| match count(o) {
        0 => None,
        n => Some(message(format::number(n as f64))),
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
                parts.push(msg::import_registered_already(&name));
            }
            (None, _) => {}
        },
        ImportOutcome::Duplicate => parts.push(match (&r.name, &r.id) {
            (Some(name), Some(id)) => msg::import_registered_already_as(name, id),
            _ => t(Msg::ImportSameKeyAsEarlierLine).into(),
        }),
        ImportOutcome::Skipped | ImportOutcome::Refused => parts.push(match r.code {
            Some(code) => crate::messages::import_code(code).into(),
            None => t(Msg::RulesKeyRefused).into(),
        }),
    }
    if let Some(options) = &r.dropped_options {
        parts.push(if r.outcome == ImportOutcome::Created {
            msg::import_options_dropped(options)
        } else {
            msg::import_options_would_be_dropped(options)
        });
    }
    parts.join(t(Msg::ImportReasonSeparator))
}

/// What the preview lets the user choose for each new line: to import it, and its name.
#[derive(Clone, Copy)]
struct Choices {
    selected: RwSignal<BTreeSet<u32>>,
    names: RwSignal<BTreeMap<u32, String>>,
}

/// The preview table: a checkbox and an editable name for each new line.
#[component]
pub fn Preview(
    results: Signal<Option<ImportResponse>>,
    selected: RwSignal<BTreeSet<u32>>,
    names: RwSignal<BTreeMap<u32, String>>,
) -> impl IntoView {
    import_table(results, Some(Choices { selected, names }))
}

/// The results of the import, line by line.
#[component]
pub fn Done(results: Signal<Option<ImportResponse>>) -> impl IntoView {
    import_table(results, None)
}

/// The summary and a row per line; with `choices`, the preview's Import column and names.
fn import_table(
    results: Signal<Option<ImportResponse>>,
    choices: Option<Choices>,
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
                    {choices.map(|_| view! { <th>{t(Msg::ImportColumnImport)}</th> })}
                    <th>{t(Msg::ImportColumnLine)}</th>
                    <th>{t(Msg::ImportColumnOutcome)}</th>
                    <th>{t(Msg::ImportColumnName)}</th>
                    <th>{t(Msg::ImportColumnReason)}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| import_row(r, choices)).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// One line's row; a new line in the preview gets its checkbox and an editable name.
fn import_row(r: ImportResult, choices: Option<Choices>) -> impl IntoView {
    let line = r.line;
    let new_line = choices.filter(|_| r.outcome == ImportOutcome::New);
    let name_cell = match new_line {
        Some(Choices { names, .. }) => view! {
            <input
                class="input import-name"
                aria-label=msg::import_name_for_line(line)
                prop:value=move || names.with(|n| n.get(&line).cloned().unwrap_or_default())
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    names.update(|n| { n.insert(line, value); });
                }
            />
        }
        .into_any(),
        None => view! { <span>{r.name.clone().unwrap_or_default()}</span> }.into_any(),
    };
    let pick = choices.map(|_| {
        let checkbox = new_line.map(|Choices { selected, .. }| view! {
            <input
                type="checkbox"
                aria-label=msg::import_import_line(line)
                prop:checked=move || selected.with(|s| s.contains(&line))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    selected.update(|s| { if on { s.insert(line); } else { s.remove(&line); } });
                }
            />
        });
        view! { <td>{checkbox}</td> }
    });
    view! {
        <tr>
            {pick}
            <td>{line}</td>
            <td><span class=badge(r.outcome)>{outcome_label(r.outcome)}</span></td>
            <td>{name_cell}</td>
            <td class="import-reason">{reason(&r)}</td>
        </tr>
    }
}
