//! Per-request context: language, session, CSRF protection, and the extractors that turn
//! a request into an authenticated [`Auth`] with a [`Scope`].
//!
//! Architecture Invariant: every state-changing form POST passes the CSRF check in
//! [`request_context`] before any handler runs; handlers cannot forget it.

use crate::error::AppError;
use crate::i18n::{Catalog, Lang, Tr};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use baken_domain::{Permission, Role};
use baken_store::{random_token, Membership, Scope, Session, User};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "baken_session";
pub const LANG_COOKIE: &str = "baken_lang";
/// Anonymous CSRF token (double-submit) for forms shown before login.
pub const PRE_COOKIE: &str = "baken_pre";
use crate::upload::{FormData, ParsedForm, FORM_LIMIT_BYTES, UPLOAD_LIMIT_BYTES};

tokio::task_local! {
    static TR: Tr;
}

/// The translator of the current request (Dutch outside a request).
pub fn current_tr() -> Tr {
    TR.try_with(Tr::clone)
        .unwrap_or_else(|_| Tr::new(Lang::DEFAULT, Catalog::global()))
}

#[derive(Clone)]
pub struct RequestContext {
    pub lang: Lang,
    pub session: Option<Session>,
    pub user: Option<User>,
    pub pre_token: String,
}

impl RequestContext {
    /// The token forms must carry: the session's, or before login the anonymous one.
    pub fn csrf_token(&self) -> &str {
        match &self.session {
            Some(s) => &s.csrf_token,
            None => &self.pre_token,
        }
    }
}

pub fn parse_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

fn cookie<'a>(cookies: &'a [(String, String)], name: &str) -> Option<&'a str> {
    cookies
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A `Set-Cookie` value with Baken's flags: HttpOnly, SameSite=Strict, Path=/, and Secure
/// unless relaxed for plain-HTTP localhost.
pub fn set_cookie(name: &str, value: &str, max_age_s: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_s {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

fn is_hex_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Middleware: language, session, anonymous CSRF cookie, and the CSRF check on form POSTs.
pub async fn request_context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cookies = parse_cookies(req.headers());
    let lang = cookie(&cookies, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::DEFAULT);
    let tr = Tr::new(lang, state.catalog.clone());
    // A NUL byte names nothing (ids are hex), and PostgreSQL cannot even compare text with
    // one: answer 404 before the path reaches the database.
    if req.uri().path().to_ascii_lowercase().contains("%00") {
        return TR
            .scope(tr, async { AppError::NotFound.into_response() })
            .await;
    }
    TR.scope(tr, with_context(state, cookies, lang, req, next))
        .await
}

async fn with_context(
    state: AppState,
    cookies: Vec<(String, String)>,
    lang: Lang,
    mut req: Request,
    next: Next,
) -> Response {
    let now = state.now();
    let (session, user) = match load_session(&state, &cookies, now).await {
        Ok(pair) => pair,
        Err(e) => return e.into_response(),
    };
    let (pre_token, new_pre) = match cookie(&cookies, PRE_COOKIE).filter(|t| is_hex_token(t)) {
        Some(t) => (t.to_string(), false),
        None => (random_token(32), true),
    };
    let ctx = RequestContext {
        lang,
        session,
        user,
        pre_token,
    };

    let path = req.uri().path().to_string();
    if req.method() == Method::POST && !path.starts_with("/api/") {
        let (parts, body) = req.into_parts();
        // Only the public channel takes photos; every other form stays small.
        let limit = if path.starts_with("/meld") {
            UPLOAD_LIMIT_BYTES
        } else {
            FORM_LIMIT_BYTES
        };
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => return AppError::BadRequest("error-too-large").into_response(),
        };
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let form = FormData::parse(content_type, bytes.clone()).await;
        let sent = form.as_ref().and_then(|f| f.field("csrf"));
        let valid = match sent {
            Some(token) => digest(token) == digest(ctx.csrf_token()),
            None => false,
        };
        if !valid {
            tracing::warn!(path = %path, "form rejected: missing or wrong CSRF token");
            return AppError::CsrfRejected.into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
        // A handler taking `FormData` gets this parse instead of parsing (a multipart body
        // with photos) a second time.
        if let Some(form) = form {
            req.extensions_mut().insert(ParsedForm::new(form));
        }
    }

    let pre_token = ctx.pre_token.clone();
    req.extensions_mut().insert(ctx);
    let mut response = next.run(req).await;
    if new_pre {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(PRE_COOKIE, &pre_token, None, state.config.secure_cookies),
        );
    }
    response
}

async fn load_session(
    state: &AppState,
    cookies: &[(String, String)],
    now: i64,
) -> Result<(Option<Session>, Option<User>), AppError> {
    let Some(raw) = cookie(cookies, SESSION_COOKIE).filter(|t| is_hex_token(t)) else {
        return Ok((None, None));
    };
    let cfg = &state.config;
    let session = state
        .store
        .live_session(
            raw,
            now,
            cfg.session_idle_timeout_s,
            cfg.session_absolute_timeout_s,
        )
        .await?;
    let Some(session) = session else {
        return Ok((None, None));
    };
    let user = state.store.user_by_id(&session.user_id).await?;
    if user.disabled {
        state.store.delete_session(&session.id_hash).await?;
        return Ok((None, None));
    }
    Ok((Some(session), Some(user)))
}

/// Any request: its context and translator.
pub struct Ctx {
    pub rc: RequestContext,
    pub tr: Tr,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let rc = parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| AppError::Internal("request context missing".into()))?;
        Ok(Ctx {
            rc,
            tr: current_tr(),
        })
    }
}

/// A logged-in user at any stage of login (password done; second factor or a password
/// change may still be due). Only the login and enrolment pages take this.
pub struct PartialAuth {
    pub ctx: Ctx,
    pub session: Session,
    pub user: User,
    pub memberships: Vec<Membership>,
}

impl PartialAuth {
    pub fn needs_second_factor(&self) -> bool {
        self.memberships
            .iter()
            .any(|m| m.role.requires_second_factor())
    }

    /// Where this user must go before reaching the application, if anywhere.
    pub fn pending_step(&self) -> Option<&'static str> {
        if self.user.must_change_password {
            Some("/account/password")
        } else if self.needs_second_factor() && !self.session.second_factor {
            if self.user.totp_enabled {
                Some("/login/second-factor")
            } else {
                Some("/account/second-factor")
            }
        } else {
            None
        }
    }
}

impl FromRequestParts<AppState> for PartialAuth {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let (Some(session), Some(user)) = (ctx.rc.session.clone(), ctx.rc.user.clone()) else {
            return Err(login_redirect(parts));
        };
        let memberships = state
            .store
            .memberships(&user.id)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        Ok(PartialAuth {
            ctx,
            session,
            user,
            memberships,
        })
    }
}

fn login_redirect(parts: &Parts) -> Response {
    if parts.uri.path().starts_with("/api/") {
        return (StatusCode::UNAUTHORIZED, "authentication required").into_response();
    }
    Redirect::to("/login").into_response()
}

/// A fully logged-in user acting for one organisation.
pub struct Auth {
    pub ctx: Ctx,
    pub session: Session,
    pub user: User,
    pub memberships: Vec<Membership>,
    pub scope: Scope,
}

impl Auth {
    pub fn can(&self, permission: Permission) -> bool {
        self.scope.grants(permission)
    }

    /// Whether the user's current organisation is a municipality (public reports are
    /// routed to municipalities by postcode).
    pub fn in_municipality(&self) -> bool {
        self.memberships.iter().any(|m| {
            m.org_id == self.scope.org_id && m.org_kind == baken_domain::OrgKind::Municipality
        })
    }

    pub fn org_name(&self) -> &str {
        self.memberships
            .iter()
            .find(|m| m.org_id == self.scope.org_id)
            .map(|m| m.org_name.as_str())
            .unwrap_or("")
    }

    /// Refuse like a missing page: a user without the right learns nothing.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let partial = PartialAuth::from_request_parts(parts, state).await?;
        if let Some(step) = partial.pending_step() {
            if parts.uri.path().starts_with("/api/") {
                return Err((StatusCode::UNAUTHORIZED, "login not complete").into_response());
            }
            return Err(Redirect::to(step).into_response());
        }
        let org_id = partial
            .session
            .org_id
            .clone()
            .filter(|o| partial.memberships.iter().any(|m| &m.org_id == o))
            .or_else(|| partial.memberships.first().map(|m| m.org_id.clone()));
        let Some(org_id) = org_id else {
            return Err(AppError::BadRequest("error-no-organisation").into_response());
        };
        let roles: Vec<Role> = partial
            .memberships
            .iter()
            .filter(|m| m.org_id == org_id)
            .map(|m| m.role)
            .collect();
        let scope = Scope {
            user_id: partial.user.id.clone(),
            org_id,
            roles,
        };
        Ok(Auth {
            ctx: partial.ctx,
            session: partial.session,
            user: partial.user,
            memberships: partial.memberships,
            scope,
        })
    }
}
