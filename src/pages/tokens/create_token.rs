//! The body of "New token": a name and a role; then the token, shown this once.

use keyrack_api::{validate_token_name, CreateToken, TokenRole};
use leptos::prelude::*;

use crate::i18n::{t, Msg};
use crate::widgets::copy_button::CopyButton;
use crate::widgets::form::{FormButtons, ServerError};
use crate::widgets::request::Request;
use crate::widgets::text_field::{CheckFrom, TextField};

/// Name and role; OK sends a valid request.
#[component]
pub fn CreateTokenForm(
    /// The request: OK waits while it runs; its refusal shows in the form, which keeps
    /// what was typed.
    request: Request,
    /// Receives a valid request.
    #[prop(into)]
    on_submit: Callback<CreateToken>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let (pending, server_error) = request.signals();
    let name = RwSignal::new(String::new());
    // Least privilege by default: a token that only reads.
    let role = RwSignal::new(TokenRole::Viewer);
    let (submitted, set_submitted) = signal(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_submitted.set(true);
        let request = CreateToken {
            name: name.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
        };
        if request.validate().is_ok() {
            on_submit.run(request);
        }
    };
    let set_role = move |ev: leptos::ev::Event| {
        role.set(event_target_value(&ev).parse().unwrap_or(TokenRole::Viewer));
    };
    view! {
        <form class="form" on:submit=submit novalidate>
            <TextField
                id="token-name"
                label=t(Msg::TokensNameLabel)
                value=name
                rule=validate_token_name
                submitted
                check_from=CheckFrom::Submitted
                hint=t(Msg::TokensNameHint)
            />
            <div class="field">
                <label for="token-role">{t(Msg::TokensRole)}</label>
                <select id="token-role" class="input" on:change=set_role>
                    <option value="viewer" selected=true>{t(Msg::TokensRoleViewerOption)}</option>
                    <option value="admin">{t(Msg::TokensRoleAdminOption)}</option>
                </select>
            </div>
            <ServerError error=server_error />
            <FormButtons pending=pending on_cancel=on_cancel />
        </form>
    }
}

/// The new token, with a warning that it cannot be shown again.
#[component]
pub fn TokenCreated(
    /// The bearer token.
    token: String,
    /// Its name.
    name: String,
    /// Called by Done.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="form">
            <div class="alert alert-warning" role="status">
                {t(Msg::TokensCreatedWarningStart)}
                <strong>{name}</strong>
                {t(Msg::TokensCreatedWarningEnd)}
            </div>
            <div class="field">
                <label for="new-token">{t(Msg::TokensToken)}</label>
                <div class="token-secret">
                    <input id="new-token" class="input mono" readonly=true prop:value=token.clone() />
                    <CopyButton text=token what=t(Msg::TokensCopyWhat) />
                </div>
            </div>
            <div class="form-buttons">
                <button type="button" class="button primary" on:click=move |_| on_close.run(())>{t(Msg::TokensDone)}</button>
            </div>
        </div>
    }
}
