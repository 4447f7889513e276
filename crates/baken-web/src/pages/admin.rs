//! User administration within the administrator's own organisation.

use super::account::role_names;
use super::security_event;
use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::{page, AdminUserPage, AdminUsersPage, Chrome, RoleChoice, RoleOption, UserRow};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::{Permission, Role};
use baken_store::{generate_password, hash_password, Membership, NewUser, StoreError, User};
use serde::Deserialize;

fn row(auth: &Auth, user: &User, memberships: &[Membership]) -> UserRow {
    let t = &auth.ctx.tr;
    let roles: Vec<Role> = memberships.iter().map(|m| m.role).collect();
    UserRow {
        id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles: role_names(t, &roles).join(", "),
        status: t.t(if user.disabled {
            "users-disabled"
        } else {
            "users-active"
        }),
    }
}

async fn users_page(
    state: &AppState,
    auth: &Auth,
    error: Option<&str>,
    form: Option<&AddUserForm>,
) -> AppResult<Response> {
    let users = state.store.users_of_org(&auth.scope, state.now()).await?;
    let t = &auth.ctx.tr;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(page(
        status,
        &AdminUsersPage {
            users: users.iter().map(|(u, m)| row(auth, u, m)).collect(),
            role_options: Role::ALL
                .into_iter()
                .map(|r| RoleOption {
                    code: r.as_str(),
                    label: t.t(&format!("role-{}", r.as_str())),
                })
                .collect(),
            error: error.map(|k| t.t(k)),
            form_username: form.map(|f| f.username.clone()).unwrap_or_default(),
            form_display_name: form.map(|f| f.display_name.clone()).unwrap_or_default(),
            c: Chrome::app(auth, "users-title", "/admin/users"),
        },
    ))
}

pub async fn list(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    users_page(&state, &auth, None, None).await
}

#[derive(Deserialize)]
pub struct AddUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

pub fn valid_username(name: &str) -> bool {
    (3..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<AddUserForm>,
) -> AppResult<Response> {
    auth.require(Permission::ManageUsers)?;
    let username = form.username.trim().to_lowercase();
    let display_name = form.display_name.trim();
    if !valid_username(&username) || display_name.is_empty() || display_name.len() > 200 {
        return users_page(&state, &auth, Some("users-invalid-username"), Some(&form)).await;
    }
    let Some(role) = Role::parse(&form.role) else {
        return Err(AppError::BadRequest("error-bad-form"));
    };
    let password = generate_password();
    let created = state
        .store
        .create_user(
            &NewUser {
                username: &username,
                display_name,
                password_hash: &hash_password(&password),
                must_change_password: true,
            },
            &[(auth.scope.org_id.clone(), role)],
            state.now(),
        )
        .await;
    let user = match created {
        Ok(u) => u,
        Err(StoreError::Conflict(_)) => {
            return users_page(&state, &auth, Some("users-username-taken"), Some(&form)).await
        }
        Err(e) => return Err(e.into()),
    };
    security_event(
        &state,
        Some(&auth.user.id),
        Some(&auth.scope.org_id),
        &format!("user_added:{}", role.as_str()),
        Some(&user.id),
        "ok",
    )
    .await?;
    user_page(&state, &auth, &user.id, Some(password)).await
}

async fn user_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    one_time_password: Option<String>,
) -> AppResult<Response> {
    user_page_with(state, auth, id, one_time_password, None).await
}

/// What an administrator submitted in the access form, shown again with the error.
struct RejectedAccess<'a> {
    error: &'static str,
    /// The id of the control the error is about.
    field: &'static str,
    roles: &'a [Role],
    clearance: i64,
}

async fn user_page_with(
    state: &AppState,
    auth: &Auth,
    id: &str,
    one_time_password: Option<String>,
    rejected: Option<RejectedAccess<'_>>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let (user, memberships) = state
        .store
        .user_of_org(&auth.scope, id, state.now())
        .await?;
    let held: Vec<Role> = memberships.iter().map(|m| m.role).collect();
    let (roles, clearance) = match &rejected {
        Some(r) => (r.roles.to_vec(), r.clearance),
        None => (held, state.store.clearance(&user.id).await?),
    };
    let own = state.store.clearance(&auth.user.id).await?;
    // Up to one's own level, and the user's current level even if it is higher, so that
    // changing roles never lowers a clearance by accident.
    let levels = baken_domain::dossier::CONFIDENTIALITY
        .iter()
        .enumerate()
        .filter(|(i, _)| (*i as i64) < own.clamp(1, 8) || *i as i64 + 1 == clearance)
        .map(|(i, code)| crate::pages::signals::Choice {
            value: (i + 1).to_string(),
            label: format!(
                "{} — {}",
                i + 1,
                t.t(&format!("conf-{}", code.replace('_', "-")))
            ),
            selected: i as i64 + 1 == clearance,
        })
        .collect();
    Ok(page(
        if rejected.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &AdminUserPage {
            user: row(auth, &user, &memberships),
            one_time_password,
            role_choices: Role::ALL
                .iter()
                .map(|r| RoleChoice {
                    code: r.as_str(),
                    label: t.t(&format!("role-{}", r.as_str())),
                    checked: roles.contains(r),
                })
                .collect(),
            levels,
            error_field: rejected.as_ref().map_or("", |r| r.field),
            error: rejected.map(|r| t.t(r.error)),
            c: Chrome::app(auth, "users-title", "/admin/users"),
        },
    ))
}

/// Change a user's roles in this organisation and their clearance.
pub async fn set_access(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    // Values no form offers (a role that does not exist, a level that is no number) come
    // to nothing, so the store decides first whether the user is in reach at all (404)
    // and then says what is missing.
    let roles: Vec<Role> = super::form_values(&fields, "role")
        .iter()
        .filter_map(|v| Role::parse(v))
        .collect();
    let clearance: i64 = super::form_value(&fields, "clearance").parse().unwrap_or(0);
    match state
        .store
        .set_user_access(&auth.scope, &id, &roles, clearance, state.now())
        .await
    {
        Ok(()) => {
            security_event(
                &state,
                Some(&auth.user.id),
                Some(&auth.scope.org_id),
                "user_access_changed",
                Some(&id),
                "ok",
            )
            .await?;
            Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
        }
        Err(StoreError::Conflict(what)) => {
            let (error, field) = match what {
                "roles" => ("users-access-no-role", "access-roles"),
                "own_admin" => ("users-access-own-admin", "access-roles"),
                "clearance_elsewhere" => ("users-access-clearance-elsewhere", "clearance"),
                _ => ("users-access-bad-clearance", "clearance"),
            };
            let rejected = RejectedAccess {
                error,
                field,
                roles: &roles,
                clearance,
            };
            user_page_with(&state, &auth, &id, None, Some(rejected)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user_page(&state, &auth, &id, None).await
}

pub async fn disable(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    // Looking the user up in scope first makes another organisation's user a 404.
    let (user, _) = state
        .store
        .user_of_org(&auth.scope, &id, state.now())
        .await?;
    state.store.disable_user(&user.id).await?;
    security_event(
        &state,
        Some(&auth.user.id),
        Some(&auth.scope.org_id),
        "user_disabled",
        Some(&user.id),
        "ok",
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{}", user.id)).into_response())
}

pub async fn reset_password(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (user, _) = state
        .store
        .user_of_org(&auth.scope, &id, state.now())
        .await?;
    let password = generate_password();
    state
        .store
        .set_password(&user.id, &hash_password(&password), true)
        .await?;
    state.store.delete_sessions_of_user(&user.id).await?;
    security_event(
        &state,
        Some(&auth.user.id),
        Some(&auth.scope.org_id),
        "password_reset",
        Some(&user.id),
        "ok",
    )
    .await?;
    user_page(&state, &auth, &user.id, Some(password)).await
}
