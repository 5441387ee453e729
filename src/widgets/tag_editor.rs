//! Key/value rows for a key pair's tags, checked with `keyrack_api::validate_tags`.

use keyrack_api::{validate_tags, FieldError, Tag};
use leptos::prelude::*;

use super::form::sentence;
use crate::i18n::{t, Msg};

/// One editable row.
#[derive(Debug, Clone, Copy)]
pub struct TagRow {
    id: usize,
    key: RwSignal<String>,
    value: RwSignal<String>,
    /// Set once the user committed an edit in this row, so errors do not shout early.
    touched: RwSignal<bool>,
}

/// The rows of a tag editor, owned by the form that submits them.
#[derive(Debug, Clone, Copy)]
pub struct TagRows {
    rows: RwSignal<Vec<TagRow>>,
    next_id: StoredValue<usize>,
}

impl TagRows {
    /// Rows holding these tags.
    pub fn new(tags: &[Tag]) -> Self {
        let this = Self {
            rows: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
        };
        for tag in tags {
            this.push(tag.clone());
        }
        this
    }

    fn push(&self, tag: Tag) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let row = TagRow {
            id,
            key: RwSignal::new(tag.key),
            value: RwSignal::new(tag.value),
            touched: RwSignal::new(false),
        };
        self.rows.update(|rows| rows.push(row));
    }

    fn remove(&self, id: usize) {
        self.rows.update(|rows| rows.retain(|r| r.id != id));
    }

    /// The tags as typed, with rows left entirely blank skipped; tracked.
    pub fn tags(&self) -> Vec<Tag> {
        self.filled().into_iter().map(|(_, t)| t).collect()
    }

    fn filled(&self) -> Vec<(usize, Tag)> {
        self.rows.with(|rows| {
            rows.iter()
                .map(|r| (r.id, Tag::new(r.key.get().trim(), r.value.get().trim())))
                .filter(|(_, t)| !(t.key.is_empty() && t.value.is_empty()))
                .collect()
        })
    }

    /// The first broken rule and the row it belongs to (`None` for the whole set); tracked.
    pub fn error(&self) -> Option<(Option<usize>, FieldError)> {
        let filled = self.filled();
        let tags: Vec<Tag> = filled.iter().map(|(_, t)| t.clone()).collect();
        let e = validate_tags(&tags).err()?;
        let row = row_index(&e.field)
            .and_then(|i| filled.get(i))
            .map(|(id, _)| *id);
        Some((row, e))
    }
}

/// `tags[3].key` -> 3.
fn row_index(field: &str) -> Option<usize> {
    field.strip_prefix("tags[")?.split(']').next()?.parse().ok()
}

/// The editor: one row per tag, with add and remove buttons and inline messages.
#[component]
pub fn TagEditor(
    /// The rows being edited.
    rows: TagRows,
    /// Show every message, as after a submit attempt.
    #[prop(into)]
    show_all: Signal<bool>,
) -> impl IntoView {
    let error = Memo::new(move |_| rows.error());
    let set_error = move || {
        error.get().and_then(|(row, e)| match row {
            None => Some(sentence(&e)),
            Some(_) => None,
        })
    };
    view! {
        <div class="tag-editor">
            <For each=move || rows.rows.get() key=|r| r.id let:row>
                <TagRowView row=row rows=rows error=error show_all=show_all />
            </For>
            <p class="field-error" role="alert" hidden=move || set_error().is_none()>
                {set_error}
            </p>
            <button type="button" class="button link" on:click=move |_| rows.push(Tag::new("", ""))>
                {t(Msg::WidgetsTagAdd)}
            </button>
        </div>
    }
}

#[component]
fn TagRowView(
    row: TagRow,
    rows: TagRows,
    error: Memo<Option<(Option<usize>, FieldError)>>,
    show_all: Signal<bool>,
) -> impl IntoView {
    let message = move || {
        let shown = show_all.get() || row.touched.get();
        error
            .get()
            .filter(|(r, _)| shown && *r == Some(row.id))
            .map(|(_, e)| sentence(&e))
    };
    let msg_id = format!("tag-error-{}", row.id);
    view! {
        <div class="tag-row">
            <input
                type="text"
                class="input"
                placeholder=t(Msg::WidgetsTagKey)
                aria-label=t(Msg::WidgetsTagKey)
                aria-describedby=msg_id.clone()
                prop:value=move || row.key.get()
                on:input=move |ev| row.key.set(event_target_value(&ev))
                on:change=move |_| row.touched.set(true)
            />
            <input
                type="text"
                class="input"
                placeholder=t(Msg::WidgetsTagValue)
                aria-label=t(Msg::WidgetsTagValue)
                prop:value=move || row.value.get()
                on:input=move |ev| row.value.set(event_target_value(&ev))
                on:change=move |_| row.touched.set(true)
            />
            <button type="button" class="icon-button" aria-label=t(Msg::WidgetsTagRemove) on:click=move |_| rows.remove(row.id)>
                "×"
            </button>
            <p class="field-error tag-row-error" id=msg_id role="alert" hidden=move || message().is_none()>
                {message}
            </p>
        </div>
    }
}
