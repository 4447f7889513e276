//! The start page, one's own account, switching organisation, the organisation page.

use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::views::{page, AccountPage, Chrome, HomePage, HomeTile, OrgChoice, OrgPage};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::{Permission, Role};
use serde::Deserialize;

pub(crate) fn role_names(t: &Tr, roles: &[Role]) -> Vec<String> {
    roles
        .iter()
        .map(|r| t.t(&format!("role-{}", r.as_str())))
        .collect()
}

pub async fn home(auth: Auth) -> Response {
    let t = &auth.ctx.tr;
    let mut tiles = Vec::new();
    if auth.can(Permission::RecordSignals) {
        tiles.push(HomeTile {
            href: "/signals/new",
            title: t.t("tile-signal"),
            text: t.t("tile-signal-text"),
        });
    }
    if auth.can(Permission::ReadCases) {
        tiles.push(HomeTile {
            href: "/inbox",
            title: t.t("tile-inbox"),
            text: t.t("tile-inbox-text"),
        });
        tiles.push(HomeTile {
            href: "/dossiers",
            title: t.t("tile-dossiers"),
            text: t.t("tile-dossiers-text"),
        });
    }
    if auth.can(Permission::ManageUsers) {
        tiles.push(HomeTile {
            href: "/admin/users",
            title: t.t("tile-users"),
            text: t.t("tile-users-text"),
        });
    }
    if auth.can(Permission::ReadAudit) {
        tiles.push(HomeTile {
            href: "/audit",
            title: t.t("tile-audit"),
            text: t.t("tile-audit-text"),
        });
    }
    tiles.push(HomeTile {
        href: "/account",
        title: t.t("tile-account"),
        text: t.t("tile-account-text"),
    });
    page(
        StatusCode::OK,
        &HomePage {
            welcome: t.t1("home-welcome", "name", &auth.user.display_name),
            roles: role_names(t, &auth.scope.roles),
            tiles,
            c: Chrome::app(&auth, "home-title", "/"),
        },
    )
}

pub async fn account(auth: Auth) -> Response {
    account_page(&auth, None)
}

fn account_page(auth: &Auth, new_token: Option<String>) -> Response {
    let mut orgs: Vec<OrgChoice> = Vec::new();
    for m in &auth.memberships {
        if !orgs.iter().any(|o| o.id == m.org_id) {
            orgs.push(OrgChoice {
                id: m.org_id.clone(),
                name: m.org_name.clone(),
                selected: m.org_id == auth.scope.org_id,
            });
        }
    }
    page(
        StatusCode::OK,
        &AccountPage {
            username: auth.user.username.clone(),
            display_name: auth.user.display_name.clone(),
            roles: role_names(&auth.ctx.tr, &auth.scope.roles),
            orgs,
            second_factor: auth.user.totp_enabled,
            notice: None,
            new_token,
            token_scopes: crate::api::TOKEN_SCOPES.to_vec(),
            c: Chrome::app(auth, "account-title", "/account"),
        },
    )
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    org_id: String,
}

/// Act for another organisation the user belongs to; any other id is a 404.
pub async fn switch_org(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    if !auth.memberships.iter().any(|m| m.org_id == form.org_id) {
        return Err(AppError::NotFound);
    }
    state
        .store
        .set_session_org(&auth.session.id_hash, &form.org_id)
        .await?;
    super::security_event(
        &state,
        Some(&auth.user.id),
        Some(&form.org_id),
        "switch_organisation",
        Some(&auth.user.id),
        "ok",
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}

pub async fn organisation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let org = state.store.org_in_scope(&auth.scope, &id).await?;
    Ok(page(
        StatusCode::OK,
        &OrgPage {
            name: org.name.clone(),
            kind: org.kind.to_string(),
            country: org.country.to_string(),
            c: Chrome::app(&auth, "account-organisation", "/organisations"),
        },
    ))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "scope")]
    scopes: Vec<String>,
}

/// Create a personal API token; it is shown once, only its hash is kept.
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    axum_extra_form: Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let Form(fields) = axum_extra_form;
    let form = TokenForm {
        name: fields
            .iter()
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default(),
        scopes: super::form_values(&fields, "scope"),
    };
    let scopes: Vec<&str> = crate::api::TOKEN_SCOPES
        .iter()
        .copied()
        .filter(|s| form.scopes.iter().any(|x| x == s))
        .collect();
    if form.name.is_empty() || form.name.len() > 100 || scopes.is_empty() {
        return Err(AppError::BadRequest("error-bad-form"));
    }
    let (token, token_id) = state
        .store
        .create_api_token(&auth.scope, &form.name, &scopes, state.now())
        .await?;
    super::security_event(
        &state,
        Some(&auth.user.id),
        Some(&auth.scope.org_id),
        "api_token_created",
        Some(&token_id),
        "ok",
    )
    .await?;
    Ok(account_page(&auth, Some(token)))
}
