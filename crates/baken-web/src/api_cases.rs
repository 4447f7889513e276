//! The JSON API for case work: the inbox, dossiers, tasks, referrals and the directory.
//! Same bearer tokens and problem details as `api.rs`; each call needs its token scope
//! (`cases:read`, `cases:write`, `directory:read`), and the store decides visibility, so
//! a dossier the caller may not see is 404 exactly as on the pages.

use crate::api::{
    problem, ApiCaller, Problem, ProblemField, SCOPE_CASES_READ, SCOPE_CASES_WRITE,
    SCOPE_DIRECTORY_READ,
};
use crate::dossier_json::{self, DossierJson, DossierReferralJson};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baken_domain::signal::valid_date;
use baken_store::{InboxCursor, InboxFilter, StoreError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(
        inbox,
        list_dossiers,
        get_dossier,
        create_dossier,
        add_task,
        referrals,
        directory
    ),
    components(schemas(
        InboxItem,
        DossierSummary,
        DossierInput,
        TaskInput,
        Created,
        ContactJson,
        DossierJson,
        DossierReferralJson,
        Problem,
        ProblemField
    ))
)]
pub struct CasesApiDoc;

fn store_error(e: StoreError, what: &str) -> Response {
    match e {
        StoreError::NotFound => problem(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("No such {what}"),
            None,
            vec![],
        ),
        e => crate::error::AppError::from(e).into_response(),
    }
}

/// A store result as a JSON list of `f` of each row, or the problem for its error.
fn json_list<T, U: Serialize>(
    result: Result<Vec<T>, StoreError>,
    what: &str,
    f: impl Fn(T) -> U,
) -> Response {
    match result {
        Ok(rows) => Json(rows.into_iter().map(f).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e, what),
    }
}

fn invalid(caller: &ApiCaller, title: &str, errors: Vec<(&str, &str, &str)>) -> Response {
    let fields = errors
        .into_iter()
        .map(|(field, code, key)| ProblemField {
            field: field.to_string(),
            code: code.to_string(),
            message: caller.tr.t(key),
        })
        .collect();
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        title,
        None,
        fields,
    )
}

/// A JSON body of type `T`, or problem details saying why not.
fn parse_body<T: DeserializeOwned>(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, Box<Response>> {
    let body = body.map_err(|r| {
        Box::new(problem(
            r.status(),
            "unreadable-body",
            "The body could not be read",
            Some(r.to_string()),
            vec![],
        ))
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        Box::new(problem(
            StatusCode::BAD_REQUEST,
            "invalid-json",
            "The body is not valid JSON of the expected shape",
            Some(format!("line {}, column {}: {e}", e.line(), e.column())),
            vec![],
        ))
    })
}

/// One inbox item: a submitted signal of the organisation.
#[derive(Serialize, ToSchema)]
pub struct InboxItem {
    pub id: String,
    pub status: String,
    pub context: String,
    pub urgency: String,
    pub acute: bool,
    pub highest_level: Option<String>,
    pub submitted_at: Option<i64>,
    pub assignee_id: Option<String>,
    pub dossier_id: Option<String>,
}

#[derive(Deserialize, IntoParams, Default)]
pub struct InboxParams {
    /// received, in_progress, handled, no_follow_up …
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub context: String,
    /// normal, high or acute
    #[serde(default)]
    pub urgency: String,
    /// none, weak, moderate, strong …
    #[serde(default)]
    pub level: String,
    /// Start after this item: the `after` value of the previous page's `Link: rel="next"`.
    #[serde(default)]
    pub after: String,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<String>,
}

const API_PAGE_DEFAULT: usize = 50;
const API_PAGE_MAX: usize = 200;

/// The triage inbox, one page: acute first, then high urgency, then the rest, newest first
/// within each. When there is more, a `Link` header with `rel="next"` gives the next page.
#[utoipa::path(get, path = "/api/v1/inbox", security(("bearer" = [])), params(InboxParams),
    responses((status = 200, body = [InboxItem], headers(("Link" = String, description = "`<URL>; rel=\"next\"` when there is a next page"))), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn inbox(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<InboxParams>,
) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_CASES_READ) {
        return r;
    }
    let mut errors = Vec::new();
    let after = match q.after.as_str() {
        "" => None,
        param => {
            let cursor = InboxCursor::parse(param);
            if cursor.is_none() {
                errors.push(("after", "invalid", "api-error-after"));
            }
            cursor
        }
    };
    let limit = match q.limit.as_deref() {
        None => API_PAGE_DEFAULT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=API_PAGE_MAX).contains(&n) => n,
            _ => {
                errors.push(("limit", "out_of_range", "api-error-limit"));
                API_PAGE_DEFAULT
            }
        },
    };
    if !errors.is_empty() {
        return invalid(&caller, "The page parameters are not valid", errors);
    }
    let filter = InboxFilter {
        status: q.status,
        context: q.context,
        urgency: q.urgency,
        level: q.level,
        assignee: None,
    };
    let mut rows = match state
        .store
        .inbox(
            &caller.scope,
            &filter,
            after.as_ref(),
            limit + 1,
            state.now(),
        )
        .await
    {
        Ok(rows) => rows,
        Err(e) => return store_error(e, "inbox"),
    };
    let next = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        let last = &rows[limit - 1];
        let cursor = InboxCursor {
            rank: last.triage_rank.unwrap_or_default(),
            id: last.id.clone(),
        };
        let mut pairs = vec![
            ("status", filter.status.as_str()),
            ("context", filter.context.as_str()),
            ("urgency", filter.urgency.as_str()),
            ("level", filter.level.as_str()),
        ];
        pairs.retain(|(_, v)| !v.is_empty());
        let limit = limit.to_string();
        let after = cursor.to_param();
        pairs.push(("limit", &limit));
        pairs.push(("after", &after));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("</api/v1/inbox?{query}>; rel=\"next\"")
    });
    let items: Vec<InboxItem> = rows
        .into_iter()
        .map(|r| InboxItem {
            id: r.id,
            status: r.status,
            context: r.context,
            urgency: r.urgency,
            acute: r.acute,
            highest_level: r.highest_level,
            submitted_at: r.submitted_at,
            assignee_id: r.assignee_id,
            dossier_id: r.dossier_id,
        })
        .collect();
    let mut response = Json(items).into_response();
    if let Some(link) = next.and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}

#[derive(Serialize, ToSchema)]
pub struct DossierSummary {
    pub id: String,
    pub title: String,
    /// 1 (openbaar) … 8 (zeer geheim).
    pub confidentiality_level: i64,
    pub status: String,
    pub updated_at: i64,
}

/// The dossiers the caller may see, most recently changed first.
#[utoipa::path(get, path = "/api/v1/dossiers", security(("bearer" = [])),
    responses((status = 200, body = [DossierSummary]), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list_dossiers(State(state): State<AppState>, caller: ApiCaller) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_CASES_READ) {
        return r;
    }
    json_list(
        state.store.dossiers(&caller.scope, state.now()).await,
        "dossier",
        |d| DossierSummary {
            id: d.id,
            title: d.title,
            confidentiality_level: d.confidentiality,
            status: d.status,
            updated_at: d.updated_at,
        },
    )
}

/// A dossier with everything on it (the same document as the JSON export).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}", security(("bearer" = [])),
    params(("id" = String, Path, description = "dossier id")),
    responses((status = 200, body = DossierJson), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_dossier(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_CASES_READ) {
        return r;
    }
    match state
        .store
        .dossier_view(&caller.scope, &id, state.now())
        .await
    {
        Ok(v) => Json(dossier_json::dossier_json(&v, &caller.tr)).into_response(),
        Err(e) => store_error(e, "dossier"),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DossierInput {
    /// 1–200 characters.
    pub title: String,
    /// 1 (openbaar) … 8 (zeer geheim), at most the caller's clearance.
    pub confidentiality: i64,
    /// Submitted signals of the organisation to gather (at least one).
    pub signals: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

fn created(location: String, id: String) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Created { id }),
    )
        .into_response()
}

/// Open a dossier with signals of the organisation; the caller becomes a member.
#[utoipa::path(post, path = "/api/v1/dossiers", request_body = DossierInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json", description = "invalid fields, each named")))]
pub async fn create_dossier(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_CASES_WRITE) {
        return r;
    }
    let input: DossierInput = match parse_body(body) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let title = input.title.trim();
    let mut errors = Vec::new();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(("title", "length", "error-dossier-title"));
    }
    if input.signals.is_empty() {
        errors.push(("signals", "required", "error-dossier-no-signals"));
    }
    if !errors.is_empty() {
        return invalid(&caller, "The dossier has invalid fields", errors);
    }
    match state
        .store
        .create_dossier(
            &caller.scope,
            title,
            input.confidentiality,
            &input.signals,
            state.now(),
        )
        .await
    {
        Ok(id) => created(format!("/api/v1/dossiers/{id}"), id),
        Err(StoreError::Conflict(_)) => invalid(
            &caller,
            "The dossier has invalid fields",
            vec![("confidentiality", "clearance", "error-dossier-level")],
        ),
        Err(StoreError::NotFound) => invalid(
            &caller,
            "The dossier has invalid fields",
            vec![("signals", "unknown", "api-error-signals")],
        ),
        Err(e) => store_error(e, "dossier"),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    /// 1–200 characters.
    pub title: String,
    /// A user of the organisation who reads cases.
    pub owner_id: String,
    /// YYYY-MM-DD, today or later.
    pub deadline: String,
}

/// Why a task cannot be added, each problem naming its field: the same rules as the
/// dossier page's task form.
pub fn task_problems(
    title: &str,
    deadline: &str,
    today: &str,
) -> Vec<(&'static str, &'static str)> {
    let mut errors = Vec::new();
    if title.trim().is_empty() || title.trim().chars().count() > 200 {
        errors.push(("title", "length"));
    }
    if !valid_date(deadline, "9999-12-31") {
        errors.push(("deadline", "date.invalid"));
    } else if deadline < today {
        errors.push(("deadline", "date.past"));
    }
    errors
}

/// Add a task with an owner and a deadline (today or later) to a dossier.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/tasks", request_body = TaskInput, security(("bearer" = [])),
    params(("id" = String, Path, description = "dossier id")),
    responses((status = 201, body = Created), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json", description = "invalid fields, each named; a deadline in the past is `deadline`/`date.past`")))]
pub async fn add_task(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_CASES_WRITE) {
        return r;
    }
    // Visibility before anything about the body: an invisible dossier is just 404.
    if let Err(e) = state
        .store
        .dossier_header(&caller.scope, &id, "api_task", state.now())
        .await
    {
        return store_error(e, "dossier");
    }
    let input: TaskInput = match parse_body(body) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let errors: Vec<(&str, &str, &str)> =
        task_problems(&input.title, &input.deadline, &state.today())
            .into_iter()
            .map(|(field, code)| {
                let key = if field == "title" {
                    "error-task-title"
                } else {
                    "error-task-deadline"
                };
                (field, code, key)
            })
            .collect();
    if !errors.is_empty() {
        return invalid(&caller, "The task has invalid fields", errors);
    }
    match state
        .store
        .add_task(
            &caller.scope,
            &id,
            input.title.trim(),
            &input.owner_id,
            &input.deadline,
            state.now(),
        )
        .await
    {
        Ok(()) => created(format!("/api/v1/dossiers/{id}"), id),
        Err(StoreError::NotFound) => invalid(
            &caller,
            "The task has invalid fields",
            vec![("owner_id", "unknown", "api-error-owner")],
        ),
        Err(e) => store_error(e, "dossier"),
    }
}

/// The dossier's referrals, oldest first.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/referrals", security(("bearer" = [])),
    params(("id" = String, Path, description = "dossier id")),
    responses((status = 200, body = [DossierReferralJson]), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn referrals(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_CASES_READ) {
        return r;
    }
    match state
        .store
        .dossier_view(&caller.scope, &id, state.now())
        .await
    {
        Ok(v) => Json(
            v.referrals
                .iter()
                .map(dossier_json::referral_json)
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => store_error(e, "dossier"),
    }
}

/// A contact point of the organisation's directory.
#[derive(Serialize, ToSchema)]
pub struct ContactJson {
    pub id: String,
    pub partner: String,
    pub name: String,
    /// NL or BE.
    pub country: String,
    pub region: String,
    pub phenomena: Vec<String>,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub hours: String,
}

/// The organisation's contact-point directory.
#[utoipa::path(get, path = "/api/v1/directory", security(("bearer" = [])),
    responses((status = 200, body = [ContactJson]), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn directory(State(state): State<AppState>, caller: ApiCaller) -> Response {
    if let Some(r) = caller.refuse_without(SCOPE_DIRECTORY_READ) {
        return r;
    }
    json_list(
        state.store.contacts(&caller.scope, state.now()).await,
        "directory",
        |c| ContactJson {
            id: c.id,
            partner: c.partner,
            name: c.name,
            country: c.country,
            region: c.region,
            phenomena: c.phenomena,
            phone: c.phone,
            email: c.email,
            address: c.address,
            hours: c.hours,
        },
    )
}
