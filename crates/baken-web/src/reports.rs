//! The analysts' side of anonymous reports: the organisation's list (`/reports`), one
//! report with the reading of the assessment engine and its thread, questions to the
//! reporter and internal notes. Everything goes through the store with the user's
//! `Scope`: case readers of the receiving organisation only, 404 otherwise, audited.

use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::signals::Choice;
use crate::public::{ReportContent, PUBLIC_CONTEXT};
use crate::reading::{read_draft, ReadingView};
use crate::state::AppState;
use crate::views::{page, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::signal::SignalDraft;
use baken_domain::Permission;
use baken_store::{ReportRecord, REPORT_STATUSES, REPORT_TEXT_MAX};

pub struct ReportRow {
    pub href: String,
    pub date: String,
    pub status: String,
    pub level: String,
    pub level_key: &'static str,
    pub lang: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "report_list.html")]
pub struct ReportListPage {
    pub c: Chrome,
    pub rows: Vec<ReportRow>,
}

pub struct Pair {
    pub label: String,
    pub value: String,
}

pub struct MessageView {
    pub kind_label: String,
    pub kind: String,
    pub date: String,
    pub body: String,
}

pub struct StatusChoice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "report_show.html")]
pub struct ReportPage {
    pub c: Chrome,
    pub t: Tr,
    pub id: String,
    pub created_on: String,
    pub lang: String,
    pub status_label: String,
    pub fields: Vec<Pair>,
    pub seen: Vec<String>,
    /// The reading, when the report was sent under the library this server reads with.
    pub reading: Option<ReadingView>,
    pub library: String,
    pub saved: bool,
    pub messages: Vec<MessageView>,
    /// Sequence numbers of the report's photos.
    pub photos: Vec<i64>,
    pub statuses: Vec<StatusChoice>,
    /// Triage: the case readers to assign to, the dossiers it can join, and why it needs
    /// no follow-up (internal; never shown to the reporter).
    pub assignees: Vec<Choice>,
    pub dossiers: Vec<Choice>,
    pub closed_reason: Option<String>,
    pub dossier_id: Option<String>,
}

pub fn content_of(rec: &ReportRecord) -> ReportContent {
    serde_json::from_str(&rec.content).unwrap_or_default()
}

/// The engine reads an anonymous report like a signal in the `public_report` context,
/// with the ticked indicators as "yes".
pub fn reading_of(state: &AppState, content: &ReportContent, t: &Tr) -> Option<ReadingView> {
    if content.library_hash != state.library.content_hash {
        return None;
    }
    let mut draft = SignalDraft {
        context: PUBLIC_CONTEXT.to_string(),
        ..SignalDraft::default()
    };
    for id in &content.seen {
        draft.answers.insert(id.clone(), "yes".to_string());
    }
    Some(read_draft(&state.library, &draft, t))
}

/// GET /reports: the organisation's anonymous reports.
pub async fn list(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    auth.require(Permission::ReadCases)?;
    let t = &auth.ctx.tr;
    let records = state
        .store
        .reports(&auth.scope, &state.reports.keys, state.now())
        .await?;
    let rows = records
        .iter()
        .map(|r| {
            let reading = reading_of(&state, &content_of(r), t);
            ReportRow {
                href: format!("/reports/{}", r.id),
                date: r.created_on.clone(),
                status: t.t(&format!("status-{}", r.status.replace('_', "-"))),
                level: reading
                    .as_ref()
                    .map(|x| x.highest_label.clone())
                    .unwrap_or_default(),
                level_key: reading.as_ref().map(|x| x.highest).unwrap_or("none"),
                lang: r.lang.clone(),
                unread: r.messages.last().is_some_and(|m| m.kind == "reporter"),
            }
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        &ReportListPage {
            c: Chrome::app(&auth, "report-list-title", "/reports"),
            rows,
        },
    ))
}

/// GET /reports/{id}
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let rec = state
        .store
        .report(&auth.scope, &state.reports.keys, &id, state.now())
        .await?;
    let readers = state.store.case_readers(&auth.scope).await?;
    let mut assignees = vec![Choice {
        value: String::new(),
        label: "—".into(),
        selected: rec.assignee_id.is_none(),
    }];
    assignees.extend(readers.into_iter().map(|(uid, name)| Choice {
        selected: rec.assignee_id.as_deref() == Some(uid.as_str()),
        value: uid,
        label: name,
    }));
    let dossiers = state
        .store
        .dossiers(&auth.scope, state.now())
        .await?
        .into_iter()
        .filter(|d| d.status != "closed")
        .map(|d| Choice {
            selected: rec.dossier_id.as_deref() == Some(d.id.as_str()),
            value: d.id,
            label: d.title,
        })
        .collect();
    let content = content_of(&rec);
    let lang = t.code();
    let when = if content.when.is_empty() {
        String::new()
    } else {
        t.t(&format!("report-when-{}", content.when))
    };
    let fields = [
        ("report-what", content.what.clone()),
        ("report-place", content.place.clone()),
        ("report-when", when),
        ("report-people", content.people.clone()),
        ("report-addresses", content.addresses.clone()),
        ("report-vehicles", content.vehicles.clone()),
        ("report-phones", content.phones.clone()),
        ("report-websites", content.websites.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| Pair {
        label: t.t(k),
        value: v,
    })
    .collect();
    let seen = content
        .seen
        .iter()
        .map(|i| {
            state
                .library
                .indicator(i)
                .map(|x| x.label.get(lang).to_string())
                .unwrap_or_else(|| i.clone())
        })
        .collect();
    let messages = rec
        .messages
        .iter()
        .map(|m| MessageView {
            kind_label: t.t(&format!("report-kind-{}", m.kind)),
            kind: m.kind.clone(),
            date: m.created_on.clone(),
            body: m.body.clone(),
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        &ReportPage {
            c: Chrome::app(&auth, "report-title", "/reports"),
            t: t.clone(),
            id: rec.id.clone(),
            created_on: rec.created_on.clone(),
            lang: rec.lang.clone(),
            status_label: t.t(&format!("status-{}", rec.status.replace('_', "-"))),
            fields,
            seen,
            reading: reading_of(&state, &content, t),
            library: format!(
                "{} ({})",
                content.library_version,
                content.library_hash.chars().take(12).collect::<String>()
            ),
            saved: false,
            messages,
            photos: rec.photos.clone(),
            statuses: REPORT_STATUSES
                .iter()
                .map(|s| StatusChoice {
                    value: s,
                    label: t.t(&format!("status-{}", s.replace('_', "-"))),
                    selected: *s == rec.status,
                })
                .collect(),
            assignees,
            dossiers,
            closed_reason: rec.closed_reason.clone(),
            dossier_id: rec.dossier_id.clone(),
        },
    ))
}

/// GET /reports/{id}/photos/{seq}: one photo (already without metadata), decrypted for a
/// case reader of the receiving organisation. Audited.
pub async fn photo(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, seq)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (media_type, bytes) = state
        .store
        .report_photo(&auth.scope, &state.reports.keys, &id, seq, state.now())
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// POST /reports/{id}/messages: a question to the reporter or an internal note.
pub async fn add_message(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let kind = crate::pages::form_value(&fields, "kind");
    let body = crate::pages::form_value(&fields, "body");
    if body.trim().is_empty() {
        // Nothing to add: back to the report (which answers 404 if it is not ours).
        return Ok(Redirect::to(&format!("/reports/{id}")).into_response());
    }
    if body.chars().count() > REPORT_TEXT_MAX / 4 {
        return Err(AppError::BadRequest("error-too-large"));
    }
    state
        .store
        .add_analyst_message(
            &auth.scope,
            &state.reports.keys,
            &id,
            kind,
            body,
            &state.today(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/reports/{id}#thread")).into_response())
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// POST /reports/{id}/status
pub async fn set_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    state
        .store
        .set_report_status(&auth.scope, &id, &form.status, state.now())
        .await?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

/// POST /reports/{id}/assign: to a case reader of the organisation, or nobody.
pub async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let who = crate::pages::form_value(&fields, "assignee");
    let who = (!who.is_empty()).then_some(who);
    state
        .store
        .assign_report(&auth.scope, &id, who, state.now())
        .await?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

/// POST /reports/{id}/no-follow-up: handled, with a reason (internal).
pub async fn no_follow_up(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let reason = crate::pages::form_value(&fields, "reason").trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::BadRequest("error-reason-required"));
    }
    state
        .store
        .report_no_follow_up(&auth.scope, &id, reason, state.now())
        .await?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

/// POST /reports/{id}/dossier: attach to a dossier the user may see.
pub async fn to_dossier(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let dossier = crate::pages::form_value(&fields, "dossier");
    state
        .store
        .attach_report(&auth.scope, dossier, &id, state.now())
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{dossier}")).into_response())
}

/// The organisation's anonymous reports as inbox rows, narrowed by the inbox filter where
/// it means something for a report (status, context, urgency, level, assignee).
pub async fn inbox_rows(
    state: &AppState,
    auth: &Auth,
    filter: &baken_store::InboxFilter,
    readers: &[(String, String)],
    after: Option<&baken_store::InboxCursor>,
    limit: usize,
) -> AppResult<Vec<crate::pages::dossiers::InboxRow>> {
    let t = &auth.ctx.tr;
    let wanted_context = filter.context.is_empty() || filter.context == PUBLIC_CONTEXT;
    // Reports carry no urgency of their own: they are `normal`.
    let wanted_urgency = filter.urgency.is_empty() || filter.urgency == "normal";
    if !wanted_context || !wanted_urgency {
        return Ok(Vec::new());
    }
    let today = state.today();
    let days = |d: &str| -> i64 {
        match (
            baken_domain::triage::day_start(d),
            baken_domain::triage::day_start(&today),
        ) {
            (Some(a), Some(b)) => ((b - a) / 86_400).max(0),
            _ => 0,
        }
    };
    let overdue_days = (state.config.triage_overdue_hours + 23) / 24;
    let store_filter = baken_store::ReportInboxFilter {
        status: &filter.status,
        assignee: filter.assignee.as_deref(),
        after,
        limit,
    };
    let row = |r: baken_store::ReportRecord| {
        let reading = reading_of(state, &content_of(&r), t);
        let level = reading.as_ref().map(|x| x.highest).unwrap_or("none");
        if !filter.level.is_empty() && filter.level != level {
            return None;
        }
        let age = days(&r.created_on);
        Some(crate::pages::dossiers::InboxRow {
            id: r.id.clone(),
            date: r.created_on.clone(),
            age_days: age,
            overdue: r.status == "received" && r.assignee_id.is_none() && age > overdue_days,
            context: t.t("report-anonymous"),
            urgency: t.t("urgency-normal"),
            acute: false,
            level: reading.map(|x| x.highest_label).unwrap_or_default(),
            status: t.t(&format!("status-{}", r.status.replace('_', "-"))),
            assignee: crate::pages::dossiers::reader_name(readers, r.assignee_id.as_deref()),
            in_dossier: r.dossier_id.is_some(),
            href: format!("/reports/{}", r.id),
            anonymous: true,
            key: baken_store::InboxCursor {
                rank: r.triage_rank,
                id: r.id.clone(),
            },
        })
    };
    let out = state
        .store
        .inbox_reports(
            &auth.scope,
            &state.reports.keys,
            &store_filter,
            row,
            state.now(),
        )
        .await?;
    Ok(out)
}

/// The reports attached to a dossier the user may see, as the dossier page lists them.
pub async fn attached_reports(
    state: &AppState,
    auth: &Auth,
    dossier_id: &str,
) -> AppResult<Vec<crate::pages::dossiers::AttachedSignal>> {
    let t = &auth.ctx.tr;
    let records = state
        .store
        .dossier_reports(&auth.scope, &state.reports.keys, dossier_id, state.now())
        .await?;
    Ok(records
        .iter()
        .map(|r| crate::pages::dossiers::AttachedSignal {
            id: r.id.clone(),
            date: r.created_on.clone(),
            context: t.t("report-anonymous"),
            level: reading_of(state, &content_of(r), t)
                .map(|x| x.highest_label)
                .unwrap_or_default(),
        })
        .collect())
}
