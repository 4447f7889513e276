//! Exports: a dossier as PDF or JSON for the file, and the organisation's cases as HTCDS
//! (JSON or CSV) for statistics. Each needs a fresh confirmation of the user's password
//! (and TOTP code when enrolled), kept on the session server-side; each is audited with
//! the purpose the user types; each follows the dossier's visibility (404 otherwise).

use super::login::{accept_code, throttled};
use super::security_event;
use super::signals::Choice;
use crate::context::Auth;
use crate::dossier_json;
use crate::error::AppResult;
use crate::pdf::PdfDocument;
use crate::state::AppState;
use crate::views::{date_of, page, Chrome};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::htcds;
use baken_store::verify_password;
use serde::Deserialize;

/// How long a confirmation lasts.
pub const FRESH_SECONDS: i64 = 5 * 60;
const PURPOSE_MAX_CHARS: usize = 500;

#[derive(Template)]
#[template(path = "export.html")]
pub struct ExportPage {
    pub c: Chrome,
    /// What is exported (the dossier's title, or the cases heading).
    pub subject: String,
    /// Where the confirmation form posts to.
    pub confirm_action: String,
    /// Where the download form goes (GET).
    pub file_action: String,
    pub fresh: bool,
    pub totp: bool,
    pub formats: Vec<Choice>,
    pub purpose: String,
    pub error: Option<String>,
    pub back: String,
}

/// Whether this session's user confirmed their credentials within [`FRESH_SECONDS`].
async fn fresh(state: &AppState, auth: &Auth) -> AppResult<bool> {
    let at = state
        .store
        .session_confirmed_at(&auth.session.id_hash)
        .await?;
    Ok(at > 0 && state.now() - at <= FRESH_SECONDS)
}

struct Target {
    subject: String,
    base: String,
    formats: &'static [&'static str],
    back: String,
}

async fn dossier_target(state: &AppState, auth: &Auth, id: &str) -> AppResult<Target> {
    let d = state
        .store
        .dossier_header(&auth.scope, id, "export_form", state.now())
        .await?;
    Ok(Target {
        subject: d.title,
        base: dossier_base(id),
        formats: DOSSIER_FORMATS,
        back: format!("/dossiers/{id}"),
    })
}

/// Where a dossier's export page is.
fn dossier_base(id: &str) -> String {
    format!("/dossiers/{id}/export")
}

const CASES_BASE: &str = "/exports/htcds";
const DOSSIER_FORMATS: &[&str] = &["pdf", "json"];
const CASES_FORMATS: &[&str] = &["json", "csv"];

fn cases_target(auth: &Auth) -> Target {
    Target {
        subject: auth.ctx.tr.t("export-cases-subject"),
        base: CASES_BASE.into(),
        formats: CASES_FORMATS,
        back: "/dossiers".into(),
    }
}

async fn export_page(
    state: &AppState,
    auth: &Auth,
    target: Target,
    purpose: &str,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    Ok(page(
        status,
        &ExportPage {
            subject: target.subject,
            confirm_action: target.base.clone(),
            file_action: format!("{}/file", target.base),
            fresh: fresh(state, auth).await?,
            totp: auth.user.totp_enabled,
            formats: target
                .formats
                .iter()
                .enumerate()
                .map(|(i, f)| Choice {
                    value: f.to_string(),
                    label: t.t(&format!("export-format-{f}")),
                    selected: i == 0,
                })
                .collect(),
            purpose: purpose.to_string(),
            error: error.map(|k| t.t(k)),
            back: target.back,
            c: Chrome::app(auth, "export-title", "/dossiers"),
        },
    ))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// Check the password (and code), throttled like login. `Ok(None)` when confirmed,
/// otherwise the message key and status to show.
async fn confirm(
    state: &AppState,
    auth: &Auth,
    form: &ConfirmForm,
) -> AppResult<Option<(&'static str, StatusCode)>> {
    let now = state.now();
    let key = format!("confirm:{}", auth.user.id);
    if throttled(state, &key, now).await? {
        return Ok(Some(("login-throttled", StatusCode::TOO_MANY_REQUESTS)));
    }
    let password_ok = verify_password(&form.password, &auth.user.password_hash);
    // The code is claimed only after the password matched, and like at login it works
    // once.
    let code_ok = !auth.user.totp_enabled
        || (password_ok && {
            let secret = state.store.open_totp_secret(&auth.user)?;
            let secret = secret.as_deref().map_or("", String::as_str);
            accept_code(state, &auth.user.id, secret, &form.code, now).await?
        });
    let user = Some(auth.user.id.as_str());
    let org = Some(auth.scope.org_id.as_str());
    if !(password_ok && code_ok) {
        state.store.record_login_failure(&key, now).await?;
        security_event(state, user, org, "export_confirm_failed", user, "refused").await?;
        return Ok(Some(("export-confirm-wrong", StatusCode::UNAUTHORIZED)));
    }
    state.store.clear_login_failures(&key).await?;
    state
        .store
        .confirm_session(&auth.session.id_hash, now)
        .await?;
    security_event(state, user, org, "export_confirmed", user, "ok").await?;
    Ok(None)
}

async fn confirm_and_return(
    state: &AppState,
    auth: &Auth,
    target: Target,
    form: &ConfirmForm,
) -> AppResult<Response> {
    match confirm(state, auth, form).await? {
        None => Ok(Redirect::to(&target.base).into_response()),
        Some((key, status)) => export_page(state, auth, target, "", Some(key), status).await,
    }
}

pub async fn dossier_form(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let target = dossier_target(&state, &auth, &id).await?;
    export_page(&state, &auth, target, "", None, StatusCode::OK).await
}

pub async fn dossier_confirm(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let target = dossier_target(&state, &auth, &id).await?;
    confirm_and_return(&state, &auth, target, &form).await
}

pub async fn cases_form(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    auth.scope.require(baken_domain::Permission::ReadCases)?;
    export_page(&state, &auth, cases_target(&auth), "", None, StatusCode::OK).await
}

pub async fn cases_confirm(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    auth.scope.require(baken_domain::Permission::ReadCases)?;
    confirm_and_return(&state, &auth, cases_target(&auth), &form).await
}

#[derive(Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    format: String,
    #[serde(default)]
    purpose: String,
}

/// Before a file: fresh confirmation and a purpose; `Err(response)` says what is missing.
/// The export page at `base` is shown again only then, with the target `target` reads
/// (for a dossier an audited read of its header): a download itself is one audit
/// record, the export.
async fn may_download(
    state: &AppState,
    auth: &Auth,
    base: &str,
    formats: &[&str],
    target: impl AsyncFnOnce() -> AppResult<Target>,
    q: &FileQuery,
) -> AppResult<Result<String, Response>> {
    if !fresh(state, auth).await? {
        return Ok(Err(Redirect::to(base).into_response()));
    }
    let purpose = q.purpose.trim();
    let error = if purpose.is_empty() || purpose.chars().count() > PURPOSE_MAX_CHARS {
        "error-export-purpose"
    } else if !formats.contains(&q.format.as_str()) {
        "error-export-format"
    } else {
        return Ok(Ok(purpose.to_string()));
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let page = export_page(state, auth, target().await?, purpose, Some(error), status);
    Ok(Err(page.await?))
}

fn attachment(content_type: &str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn dossier_file(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<FileQuery>,
) -> AppResult<Response> {
    let target = async || dossier_target(&state, &auth, &id).await;
    let base = dossier_base(&id);
    let purpose = match may_download(&state, &auth, &base, DOSSIER_FORMATS, target, &q).await? {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    let view = state
        .store
        .export_dossier(&auth.scope, &id, &q.format, &purpose, state.now())
        .await?;
    let json = dossier_json::dossier_json(&view, &auth.ctx.tr);
    if q.format == "pdf" {
        let pdf = dossier_pdf(&state, &auth.ctx.tr, &json);
        return Ok(attachment(
            "application/pdf",
            &format!("dossier-{id}.pdf"),
            pdf,
        ));
    }
    let body = serde_json::to_vec_pretty(&json).unwrap_or_default();
    Ok(attachment(
        "application/json",
        &format!("dossier-{id}.json"),
        body,
    ))
}

/// The dossier for the file: everything on the dossier page, in the user's language.
fn dossier_pdf(state: &AppState, t: &crate::i18n::Tr, d: &dossier_json::DossierJson) -> Vec<u8> {
    let mut doc = PdfDocument::new(&d.title);
    doc.language(t.code());
    doc.heading(&d.title)
        .field(
            &t.t("dossier-level"),
            &t.t(&format!("conf-{}", d.confidentiality.replace('_', "-"))),
        )
        .field(&t.t("users-status"), &t.t(&format!("dstatus-{}", d.status)))
        .field(&t.t("export-pdf-opened"), &date_of(d.created_at));
    if let Some(result) = &d.result {
        doc.field(&t.t("export-pdf-result"), result);
    }
    let section = |doc: &mut PdfDocument, key: &str, lines: Vec<String>| {
        doc.heading(&t.t(key));
        if lines.is_empty() {
            doc.paragraph(&t.t("list-empty"));
        }
        for line in lines {
            doc.bullet(&line);
        }
    };
    section(&mut doc, "export-pdf-members", d.members.clone());
    section(&mut doc, "export-pdf-entities", d.entities.clone());
    let signals = d
        .signals
        .iter()
        .map(|s| {
            let level = s
                .highest_level
                .as_deref()
                .map(|l| t.t(&format!("level-{l}")))
                .unwrap_or_default();
            let observation = super::form_value(&s.fields, "observation");
            format!(
                "{} — {} — {}: {level}. {observation}",
                date_of(s.submitted_at.unwrap_or(0)),
                super::signals::context_name(state, t, &s.context),
                t.t("export-pdf-reading"),
            )
        })
        .collect();
    section(&mut doc, "export-pdf-signals", signals);
    let event_line = |e: &dossier_json::DossierEventJson| {
        format!(
            "{} {} — {}: {}",
            crate::views::time_of(e.at),
            e.actor,
            t.t(&format!("event-{}", e.kind.replace('_', "-"))),
            e.text
        )
    };
    section(
        &mut doc,
        "export-pdf-timeline",
        d.timeline.iter().map(event_line).collect(),
    );
    let tasks = d
        .tasks
        .iter()
        .map(|k| {
            let done = if k.done { " [x]" } else { "" };
            format!("{} — {} — {}{done}", k.title, k.owner, k.deadline)
        })
        .collect();
    section(&mut doc, "export-pdf-tasks", tasks);
    let barriers = d
        .barriers
        .iter()
        .map(|b| {
            format!(
                "{} — {}: {} {}",
                b.barrier_id,
                b.applied_by,
                t.t(&format!("bstatus-{}", b.status.replace('_', "-"))),
                b.outcome
            )
        })
        .collect();
    section(&mut doc, "export-pdf-barriers", barriers);
    let referrals = d
        .referrals
        .iter()
        .map(|r| {
            let categories: Vec<String> = r
                .categories
                .iter()
                .map(|c| t.t(&format!("refcat-{c}")))
                .collect();
            format!(
                "{} — {} — {}: {}",
                r.date,
                r.partner,
                r.contact,
                categories.join(", ")
            )
        })
        .collect();
    section(&mut doc, "export-pdf-referrals", referrals);
    section(
        &mut doc,
        "export-pdf-decisions",
        d.decisions.iter().map(event_line).collect(),
    );
    doc.finish()
}

/// The organisation's cases as HTCDS records, each checked against the field list.
pub async fn cases_file(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<FileQuery>,
) -> AppResult<Response> {
    auth.scope.require(baken_domain::Permission::ReadCases)?;
    let target = async || Ok(cases_target(&auth));
    let purpose = match may_download(&state, &auth, CASES_BASE, CASES_FORMATS, target, &q).await? {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    let org = state
        .store
        .org_in_scope(&auth.scope, &auth.scope.org_id)
        .await?;
    let cases = state
        .store
        .export_cases(&auth.scope, &q.format, &purpose, state.now())
        .await?;
    let records: Vec<Vec<(String, String)>> = cases
        .iter()
        .map(|c| {
            let opened = date_of(c.created_at);
            let referred = c.first_referral.as_ref().map(|(p, at)| (p, date_of(*at)));
            htcds::record(&htcds::CaseFacts {
                org_name: &org.name,
                org_kind: org.kind,
                country: org.country,
                case_number: &c.id,
                status: &c.status,
                opened_on: &opened,
                first_referral: referred.as_ref().map(|(p, d)| (p.as_str(), d.as_str())),
                signals: c.signals,
                minors: c.minors,
                referrals: c.referrals,
            })
        })
        .collect();
    let today = state.today();
    if q.format == "csv" {
        Ok(attachment(
            "text/csv; charset=utf-8",
            &format!("htcds-{today}.csv"),
            htcds_csv(&records).into_bytes(),
        ))
    } else {
        let objects: Vec<serde_json::Map<String, serde_json::Value>> = records
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect()
            })
            .collect();
        Ok(attachment(
            "application/json",
            &format!("htcds-{today}.json"),
            serde_json::to_vec_pretty(&objects).unwrap_or_default(),
        ))
    }
}

/// RFC 4180 CSV: a header of the field names, every value quoted.
fn htcds_csv(records: &[Vec<(String, String)>]) -> String {
    let quote = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    let mut out = htcds::FIELDS
        .iter()
        .map(|f| quote(&f.name))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for r in records {
        out.push_str(
            &r.iter()
                .map(|(_, v)| quote(v))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}
