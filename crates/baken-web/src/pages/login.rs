//! Login with password and second factor, enrolment, password change, logout, language.

use super::security_event;
use crate::context::{set_cookie, Ctx, PartialAuth, LANG_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::totp;
use crate::views::{page, Chrome, EnrolPage, LoginPage, PasswordPage, SecondFactorPage};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_store::{hash_password, verify_password, StoreError};
use serde::Deserialize;

/// Verified against when the account does not exist, so both paths cost one argon2 run.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no account has this password"));

pub const MIN_PASSWORD_CHARS: usize = 12;

pub async fn login_form(ctx: Ctx) -> Response {
    if ctx.rc.session.is_some() {
        return Redirect::to("/").into_response();
    }
    page(
        StatusCode::OK,
        &LoginPage {
            c: Chrome::public(&ctx, "login-title", "/login"),
            username: String::new(),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// A TOTP code is accepted when it matches a step near `now` that was not accepted
/// before for this user: each code works once.
pub(crate) async fn accept_code(
    state: &AppState,
    user_id: &str,
    secret: &str,
    code: &str,
    now: i64,
) -> AppResult<bool> {
    match totp::matching_step(secret, code, now) {
        Some(step) => Ok(state.store.claim_totp_step(user_id, step).await?),
        None => Ok(false),
    }
}

fn throttle_key(username: &str) -> String {
    format!("login:{}", username.trim().to_lowercase())
}

/// Seconds to wait before the next try, given the failures so far.
fn wait_seconds(failures: i64, free: i64, max_wait: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(20) as u32;
    (1i64 << doublings).min(max_wait)
}

/// Whether `key` (a user name, a second-factor or a confirmation key) must wait before
/// its next try: the one throttle for every password and code check.
pub(crate) async fn throttled(state: &AppState, key: &str, now: i64) -> AppResult<bool> {
    let (failures, last) = state.store.login_failures(key).await?;
    let cfg = &state.config;
    Ok(now < last + wait_seconds(failures, cfg.login_free_failures, cfg.login_max_wait_s))
}

pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let now = state.now();
    let username = form.username.trim().chars().take(200).collect::<String>();
    let again = |status: StatusCode, key: &str| {
        page(
            status,
            &LoginPage {
                c: Chrome::public(&ctx, "login-title", "/login"),
                username: username.clone(),
                error: Some(ctx.tr.t(key)),
            },
        )
    };
    let key = throttle_key(&username);
    if throttled(&state, &key, now).await? {
        security_event(&state, None, None, "login_throttled", None, "refused").await?;
        return Ok(again(StatusCode::TOO_MANY_REQUESTS, "login-throttled"));
    }
    let user = match state.store.user_by_username(&username).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |u| u.password_hash.as_str());
    let password_ok = verify_password(&form.password, hash);
    let Some(user) = user.filter(|u| password_ok && !u.disabled) else {
        state.store.record_login_failure(&key, now).await?;
        security_event(&state, None, None, "login_failed", None, "refused").await?;
        return Ok(again(StatusCode::UNAUTHORIZED, "login-failed"));
    };
    state.store.clear_login_failures(&key).await?;
    let memberships = state.store.memberships(&user.id).await?;
    let org_id = memberships.first().map(|m| m.org_id.as_str());
    let (raw, _session) = state.store.create_session(&user.id, org_id, now).await?;
    security_event(
        &state,
        Some(&user.id),
        org_id,
        "login",
        Some(&user.id),
        "ok",
    )
    .await?;
    let mut response = Redirect::to("/").into_response();
    let secure = state.config.secure_cookies;
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &raw, None, secure),
    );
    if let Some(lang) = user.lang.as_deref().and_then(Lang::parse) {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), secure),
        );
    }
    Ok(response)
}

pub async fn second_factor_form(auth: PartialAuth) -> Response {
    if auth.pending_step() != Some("/login/second-factor") {
        return Redirect::to("/").into_response();
    }
    page(
        StatusCode::OK,
        &SecondFactorPage {
            c: Chrome::public(&auth.ctx, "totp-title", "/login/second-factor"),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn second_factor_submit(
    State(state): State<AppState>,
    auth: PartialAuth,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    if auth.pending_step() != Some("/login/second-factor") {
        return Ok(Redirect::to("/").into_response());
    }
    let now = state.now();
    let key = format!("totp:{}", auth.user.id);
    let throttled = throttled(&state, &key, now).await?;
    let secret = state.store.open_totp_secret(&auth.user)?;
    let secret = secret.as_deref().map_or("", String::as_str);
    if throttled || !accept_code(&state, &auth.user.id, secret, &form.code, now).await? {
        if !throttled {
            state.store.record_login_failure(&key, now).await?;
        }
        security_event(
            &state,
            Some(&auth.user.id),
            None,
            "second_factor_failed",
            Some(&auth.user.id),
            "refused",
        )
        .await?;
        let (status, msg) = if throttled {
            (StatusCode::TOO_MANY_REQUESTS, "login-throttled")
        } else {
            (StatusCode::UNAUTHORIZED, "totp-wrong")
        };
        return Ok(page(
            status,
            &SecondFactorPage {
                c: Chrome::public(&auth.ctx, "totp-title", "/login/second-factor"),
                error: Some(auth.ctx.tr.t(msg)),
            },
        ));
    }
    state.store.clear_login_failures(&key).await?;
    state
        .store
        .mark_second_factor(&auth.session.id_hash)
        .await?;
    security_event(
        &state,
        Some(&auth.user.id),
        None,
        "second_factor",
        Some(&auth.user.id),
        "ok",
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}

/// Enrolment: a secret is kept (not yet enabled) until the user proves their app has it.
pub async fn enrol_form(State(state): State<AppState>, auth: PartialAuth) -> AppResult<Response> {
    if auth.pending_step() != Some("/account/second-factor") {
        return Ok(Redirect::to("/").into_response());
    }
    let secret = match state.store.open_totp_secret(&auth.user)? {
        Some(s) => s.to_string(),
        None => {
            let s = totp::new_secret();
            state.store.set_totp(&auth.user.id, Some(&s), false).await?;
            s
        }
    };
    Ok(enrol_page(&auth, &secret, None, StatusCode::OK))
}

fn enrol_page(
    auth: &PartialAuth,
    secret: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    page(
        status,
        &EnrolPage {
            c: Chrome::public(&auth.ctx, "enrol-title", "/account/second-factor"),
            qr_svg: totp::qr_svg(&totp::otpauth_url(&auth.user.username, secret)),
            secret: secret.to_string(),
            error,
        },
    )
}

pub async fn enrol_submit(
    State(state): State<AppState>,
    auth: PartialAuth,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    if auth.pending_step() != Some("/account/second-factor") {
        return Ok(Redirect::to("/").into_response());
    }
    let Some(secret) = state.store.open_totp_secret(&auth.user)? else {
        return Ok(Redirect::to("/account/second-factor").into_response());
    };
    if !accept_code(&state, &auth.user.id, &secret, &form.code, state.now()).await? {
        return Ok(enrol_page(
            &auth,
            &secret,
            Some(auth.ctx.tr.t("totp-wrong")),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    state
        .store
        .set_totp(&auth.user.id, Some(&secret), true)
        .await?;
    state
        .store
        .mark_second_factor(&auth.session.id_hash)
        .await?;
    security_event(
        &state,
        Some(&auth.user.id),
        None,
        "second_factor_enrolled",
        Some(&auth.user.id),
        "ok",
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}

pub async fn password_form(auth: PartialAuth) -> Response {
    page(
        StatusCode::OK,
        &PasswordPage {
            c: Chrome::public(&auth.ctx, "password-title", "/account/password"),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    auth: PartialAuth,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let problem = if !verify_password(&form.current, &auth.user.password_hash) {
        Some("password-wrong-current")
    } else if form.new.chars().count() < MIN_PASSWORD_CHARS {
        Some("password-too-short")
    } else if form.new == form.current {
        Some("password-same")
    } else {
        None
    };
    if let Some(key) = problem {
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                c: Chrome::public(&auth.ctx, "password-title", "/account/password"),
                error: Some(auth.ctx.tr.t(key)),
            },
        ));
    }
    state
        .store
        .set_password(&auth.user.id, &hash_password(&form.new), false)
        .await?;
    security_event(
        &state,
        Some(&auth.user.id),
        None,
        "password_changed",
        Some(&auth.user.id),
        "ok",
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}

fn clear_session_cookie(state: &AppState, mut response: Response) -> Response {
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies),
    );
    response
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let (Some(session), Some(user)) = (&ctx.rc.session, &ctx.rc.user) {
        state.store.delete_session(&session.id_hash).await?;
        security_event(
            &state,
            Some(&user.id),
            session.org_id.as_deref(),
            "logout",
            Some(&user.id),
            "ok",
        )
        .await?;
    }
    Ok(clear_session_cookie(
        &state,
        Redirect::to("/login").into_response(),
    ))
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    auth: PartialAuth,
) -> AppResult<Response> {
    let ended = state.store.delete_sessions_of_user(&auth.user.id).await?;
    security_event(
        &state,
        Some(&auth.user.id),
        auth.session.org_id.as_deref(),
        "logout_everywhere",
        Some(&auth.user.id),
        &format!("ok: {ended} sessions ended"),
    )
    .await?;
    Ok(clear_session_cookie(
        &state,
        Redirect::to("/login").into_response(),
    ))
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    return_to: String,
}

/// Switch language: persisted in a cookie, and on the account when logged in.
pub async fn set_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LanguageForm>,
) -> AppResult<Response> {
    let Some(lang) = Lang::parse(&form.lang) else {
        return Err(AppError::BadRequest("error-unknown-language"));
    };
    if let Some(user) = &ctx.rc.user {
        state.store.set_user_lang(&user.id, lang.code()).await?;
    }
    // Only return to one of our own paths: no open redirect.
    let back = if form.return_to.starts_with('/') && !form.return_to.starts_with("//") {
        form.return_to.as_str()
    } else {
        "/"
    };
    let mut response = Redirect::to(back).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            Some(365 * 24 * 3600),
            state.config.secure_cookies,
        ),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_doubles_after_the_free_failures_and_is_capped() {
        assert_eq!(wait_seconds(4, 5, 900), 0);
        assert_eq!(wait_seconds(5, 5, 900), 1);
        assert_eq!(wait_seconds(8, 5, 900), 8);
        assert_eq!(wait_seconds(60, 5, 900), 900);
    }

    #[test]
    fn the_dummy_hash_is_argon2id_and_matches_no_typed_password() {
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
        assert!(!verify_password("anything", &DUMMY_HASH));
    }
}
