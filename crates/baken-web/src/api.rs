//! The JSON API (`/api/v1`) and its OpenAPI document, generated from the handlers.
//! Callers authenticate with a personal API token (`Authorization: Bearer bk_…`) whose
//! scopes limit what it may do; errors are `application/problem+json` naming each field.

use crate::context::Auth;
use crate::i18n::{Catalog, Lang, Tr};
use crate::pages::signals::{error_message, submit_new};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baken_domain::signal::{self, EntityDraft, FieldError, SignalDraft};
use baken_store::{Scope, SignalRecord, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

pub const SCOPE_SIGNALS_WRITE: &str = "signals:write";
pub const SCOPE_SIGNALS_READ: &str = "signals:read";
pub const SCOPE_CASES_READ: &str = "cases:read";
pub const SCOPE_CASES_WRITE: &str = "cases:write";
pub const SCOPE_DIRECTORY_READ: &str = "directory:read";
pub const TOKEN_SCOPES: &[&str] = &[
    SCOPE_SIGNALS_WRITE,
    SCOPE_SIGNALS_READ,
    SCOPE_CASES_READ,
    SCOPE_CASES_WRITE,
    SCOPE_DIRECTORY_READ,
];
/// Largest JSON body accepted.
const BODY_LIMIT_BYTES: usize = 256 * 1024;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Baken API", version = "1", description = "Signals of human trafficking: record, link, act, share within the law. Authenticate with a personal API token (Mijn account → API-tokens) as `Authorization: Bearer bk_…`."),
    paths(me, create_signal, get_signal),
    components(schemas(Me, SignalInput, EntityInput, SignalOutput, Problem, ProblemField)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The whole API document: signals (here) and cases (`api_cases`).
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::api_cases::CasesApiDoc::openapi());
    doc
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// RFC 9457 problem details.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One invalid field: where, a stable code, and a message in the caller's language.
#[derive(Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

pub fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: Option<String>,
    errors: Vec<ProblemField>,
) -> Response {
    let body = Problem {
        kind: format!("https://baken.example/problems/{kind}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail,
        errors,
    };
    let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".into());
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response()
}

/// The caller of an API route, from a bearer token.
pub struct ApiCaller {
    pub scope: Scope,
    pub scopes: Vec<String>,
    pub tr: Tr,
}

impl ApiCaller {
    /// `Some(refusal)` when the token lacks `needed`.
    pub(crate) fn refuse_without(&self, needed: &str) -> Option<Response> {
        if self.scopes.iter().any(|s| s == needed) {
            None
        } else {
            Some(problem(
                StatusCode::FORBIDDEN,
                "insufficient-scope",
                "The token lacks the scope this call needs",
                Some(format!("needs scope {needed}")),
                vec![],
            ))
        }
    }
}

fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::DEFAULT)
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            problem(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "A valid API token is required",
                Some("send Authorization: Bearer <token>".into()),
                vec![],
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthorized)?;
        let found = state
            .store
            .api_token(token.trim())
            .await
            .map_err(|e| crate::error::AppError::from(e).into_response())?;
        let token = found.ok_or_else(unauthorized)?;
        let roles = state
            .store
            .memberships(&token.user_id)
            .await
            .map_err(|e| crate::error::AppError::from(e).into_response())?
            .into_iter()
            .filter(|m| m.org_id == token.org_id)
            .map(|m| m.role)
            .collect();
        Ok(ApiCaller {
            scope: Scope {
                user_id: token.user_id,
                org_id: token.org_id,
                roles,
            },
            scopes: token.scopes,
            tr: Tr::new(lang_of(&parts.headers), Catalog::global()),
        })
    }
}

/// The caller and the organisation they act for.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub organisation_id: String,
    pub roles: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, description = "not logged in")))]
pub async fn me(auth: Auth) -> Json<Me> {
    Json(Me {
        username: auth.user.username.clone(),
        display_name: auth.user.display_name.clone(),
        organisation_id: auth.scope.org_id.clone(),
        roles: auth
            .scope
            .roles
            .iter()
            .map(|r| r.as_str().to_string())
            .collect(),
    })
}

/// A signal as the API takes it. Field rules are those of the intake form.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalInput {
    /// registration_desk, housing_inspection, business_inspection, neighbourhood, financial_check or other
    pub context: String,
    /// adult, minor or unknown
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub acute: bool,
    /// normal, high or acute
    #[serde(default)]
    pub urgency: Option<String>,
    /// Indicator id → yes, no or unknown
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub observation: Option<String>,
    /// YYYY-MM-DD
    #[serde(default)]
    pub observed_on: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub entities: Vec<EntityInput>,
}

/// A person or thing: `kind` plus that kind's fields (see the intake form), as strings.
#[derive(Deserialize, ToSchema)]
pub struct EntityInput {
    /// person, address, organisation, vehicle, phone, email, bank_account, website
    pub kind: String,
    #[serde(flatten)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct SignalOutput {
    pub id: String,
    pub status: String,
    pub context: String,
    pub urgency: String,
    pub acute: bool,
    pub submitted_at: Option<i64>,
    pub highest_level: Option<String>,
    pub library_version: Option<String>,
    pub library_hash: Option<String>,
    /// The fields as recorded (name → value).
    pub fields: Vec<(String, String)>,
    /// The stored reading (engine input and explained output), as made at submission.
    #[schema(value_type = Object)]
    pub reading: Option<serde_json::Value>,
}

fn draft_from_input(input: SignalInput) -> SignalDraft {
    SignalDraft {
        context: input.context,
        subject: input.subject.unwrap_or_default(),
        acute: input.acute,
        answers: input.answers,
        observation: input.observation.unwrap_or_default(),
        observed_on: input.observed_on.unwrap_or_default(),
        place: input.place.unwrap_or_default(),
        urgency: input.urgency.unwrap_or_default(),
        entities: input
            .entities
            .into_iter()
            .map(|e| EntityDraft {
                kind: e.kind,
                fields: e.fields,
            })
            .collect(),
    }
}

fn invalid(tr: &Tr, errors: Vec<FieldError>) -> Response {
    let fields = errors
        .into_iter()
        .map(|e| ProblemField {
            message: error_message(tr, e.code),
            field: e.field,
            code: e.code.to_string(),
        })
        .collect();
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        "The signal has invalid fields",
        None,
        fields,
    )
}

/// Record a signal; it goes straight to the coordinators' inbox.
#[utoipa::path(post, path = "/api/v1/signals", request_body = SignalInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = SignalOutput, description = "recorded; Location names it"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "not JSON, not UTF-8, or the wrong shape"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "invalid fields, each named"),
    ))]
pub async fn create_signal(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_SIGNALS_WRITE) {
        return r;
    }
    // Bodies past the server's own limit are refused before this handler reads them; the
    // caller still gets problem details.
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            return problem(
                rejection.status(),
                "unreadable-body",
                "The body could not be read",
                Some(format!("{rejection}; at most {BODY_LIMIT_BYTES} bytes")),
                vec![],
            )
        }
    };
    if body.len() > BODY_LIMIT_BYTES {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "The body is too large",
            Some(format!("at most {BODY_LIMIT_BYTES} bytes")),
            vec![],
        );
    }
    let text = match std::str::from_utf8(&body) {
        Ok(t) => t,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "invalid-utf8",
                "The body is not valid UTF-8",
                Some(format!("invalid byte at offset {}", e.valid_up_to())),
                vec![],
            )
        }
    };
    let input: SignalInput = match serde_json::from_str(text) {
        Ok(i) => i,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "invalid-json",
                "The body is not a valid signal",
                Some(format!("line {}, column {}: {e}", e.line(), e.column())),
                vec![],
            )
        }
    };
    let draft = draft_from_input(input);
    let mut errors = match signal::validate(&draft, &state.today()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    // The form's `answer.ID` is `answers.ID` in the API's body.
    for e in &mut errors {
        if let Some(id) = e.field.strip_prefix("answer.") {
            e.field = format!("answers.{id}");
        }
    }
    let known_context = draft.context == crate::pages::signals::OTHER_CONTEXT
        || state
            .library
            .contexts
            .iter()
            .any(|c| c.id == draft.context && c.id != "public_report");
    if !known_context {
        errors.insert(
            0,
            FieldError {
                field: "context".into(),
                code: "choice.invalid",
            },
        );
    }
    for id in draft.answers.keys() {
        if state.library.indicator(id).is_none() {
            errors.push(FieldError {
                field: format!("answers.{id}"),
                code: "indicator.unknown",
            });
        }
    }
    if !errors.is_empty() {
        return invalid(&caller.tr, errors);
    }
    // One transaction writes the signal and its one audit record; the answer is made from
    // what was written (the caller sent it), not read back and audited a second time.
    match submit_new(&state, &caller.scope, &draft, &state.today()).await {
        Ok(rec) => (
            StatusCode::CREATED,
            [(header::LOCATION, format!("/api/v1/signals/{}", rec.id))],
            Json(output_of(rec)),
        )
            .into_response(),
        Err(crate::error::AppError::NotFound) => problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "This account may not record signals",
            None,
            vec![],
        ),
        Err(e) => e.into_response(),
    }
}

async fn output(state: &AppState, caller: &ApiCaller, id: &str) -> Result<SignalOutput, Response> {
    let rec = match state.store.signal(&caller.scope, id, state.now()).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            return Err(problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "No such signal",
                None,
                vec![],
            ))
        }
        Err(e) => return Err(crate::error::AppError::from(e).into_response()),
    };
    Ok(output_of(rec))
}

fn output_of(rec: SignalRecord) -> SignalOutput {
    SignalOutput {
        reading: rec
            .reading
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        id: rec.id,
        status: rec.status,
        context: rec.context,
        urgency: rec.urgency,
        acute: rec.acute,
        submitted_at: rec.submitted_at,
        highest_level: rec.highest_level,
        library_version: rec.library_version,
        library_hash: rec.library_hash,
        fields: rec.fields,
    }
}

/// A signal the caller may see (their own, or their organisation's if they read cases).
#[utoipa::path(get, path = "/api/v1/signals/{id}", security(("bearer" = [])),
    params(("id" = String, Path, description = "signal id")),
    responses((status = 200, body = SignalOutput), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_signal(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_SIGNALS_READ) {
        return r;
    }
    match output(&state, &caller, &id).await {
        Ok(out) => Json(out).into_response(),
        Err(r) => r,
    }
}
