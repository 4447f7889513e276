//! The audit trail for privacy officers: recent actions, per user, per person concerned.
//! The person concerned is searched by POST so no personal reference lands in a URL.

use crate::context::Auth;
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::{page, AuditPage, AuditRow, Chrome};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use baken_store::{AuditQuery, AuditRecord};
use serde::Deserialize;

fn rows(records: Vec<AuditRecord>) -> Vec<AuditRow> {
    records
        .into_iter()
        .map(|r| AuditRow {
            seq: r.seq,
            at: crate::views::second_of(r.at),
            actor: r.actor_user_id.unwrap_or_default(),
            action: r.action,
            object: match r.object_id {
                Some(id) => format!("{} {id}", r.object_type),
                None => r.object_type,
            },
            subject: r.subject.unwrap_or_default(),
            purpose: r.purpose,
            result: r.result,
        })
        .collect()
}

async fn render(
    state: &AppState,
    auth: &Auth,
    query: AuditQuery,
    heading_key: &str,
    subject: String,
) -> AppResult<Response> {
    let records = state
        .store
        .audit_records(&auth.scope, &query, 200, state.now())
        .await?;
    Ok(page(
        StatusCode::OK,
        &AuditPage {
            heading: auth.ctx.tr.t(heading_key),
            rows: rows(records),
            subject,
            c: Chrome::app(auth, "audit-title", "/audit"),
        },
    ))
}

pub async fn recent(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    render(
        &state,
        &auth,
        AuditQuery::Recent,
        "audit-recent",
        String::new(),
    )
    .await
}

pub async fn by_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(
        &state,
        &auth,
        AuditQuery::ByUser(id),
        "audit-by-user",
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct SubjectForm {
    #[serde(default)]
    subject: String,
}

pub async fn by_subject(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<SubjectForm>,
) -> AppResult<Response> {
    let subject: String = form.subject.trim().chars().take(200).collect();
    render(
        &state,
        &auth,
        AuditQuery::BySubject(subject.clone()),
        "audit-by-subject",
        subject,
    )
    .await
}
