//! Referrals after they are made: the partner's referral inbox (only the snapshot of
//! referrals addressed to its organisation, never a dossier), the partner's steps
//! (acknowledge, ask, answer with an outcome), and on the coordinator's side the reply to
//! a question and the record of how a document was sent.

use super::dossiers::{dossier_page, DocumentSection};
use super::signals::Choice;
use crate::context::Auth;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::views::{date_of, page, time_of, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::dossier::{REFERRAL_CHANNELS, REFERRAL_OUTCOMES};
use baken_domain::signal::valid_date;
use baken_store::{IncomingReferral, ReferralSection, ReferralState, StoreError};
use serde::Deserialize;

/// Longest text of a question, reply or outcome.
const TEXT_MAX: usize = 5000;

pub struct MessageRow {
    pub at: String,
    pub author: String,
    pub kind: String,
    pub text: String,
}

/// A referral's state as shown on the dossier page and in the partner's inbox.
pub struct ReferralStateView {
    pub on_baken: bool,
    pub status_key: String,
    pub status: String,
    pub outcome: String,
    pub sent: String,
    pub messages: Vec<MessageRow>,
    pub answered: bool,
}

fn outcome_label(t: &Tr, kind: &str) -> String {
    t.t(&format!("routcome-{}", kind.replace('_', "-")))
}

pub fn state_view(t: &Tr, s: &ReferralState) -> ReferralStateView {
    ReferralStateView {
        on_baken: s.partner_org_id.is_some(),
        status_key: s.status.clone(),
        status: t.t(&format!("rstatus-{}", s.status)),
        outcome: match (&s.outcome_kind, &s.outcome) {
            (Some(k), Some(o)) => format!("{}: {o}", outcome_label(t, k)),
            _ => String::new(),
        },
        sent: match (&s.sent_channel, &s.sent_on) {
            (Some(c), Some(d)) => format!(
                "{} — {d}",
                t.t(&format!("rchannel-{}", c.replace('_', "-")))
            ),
            _ => String::new(),
        },
        messages: s
            .messages
            .iter()
            .map(|m| MessageRow {
                at: time_of(m.at),
                author: m.author.clone(),
                kind: t.t(&format!("rstep-{}", m.kind)),
                text: match m.kind.as_str() {
                    // Stored as "kind: text"; shown with the translated kind.
                    "outcome" => m
                        .text
                        .split_once(": ")
                        .map(|(k, o)| format!("{}: {o}", outcome_label(t, k)))
                        .unwrap_or_else(|| m.text.clone()),
                    _ => m.text.clone(),
                },
            })
            .collect(),
        answered: s.status == "answered",
    }
}

/// The snapshot's sections, each with its legal ground and purpose.
pub fn document_sections(t: &Tr, sections: &[ReferralSection]) -> Vec<DocumentSection> {
    sections
        .iter()
        .map(|s| DocumentSection {
            label: t.t(&format!("refcat-{}", s.category)),
            ground: t.t(&format!("refcat-{}-ground", s.category)),
            purpose: t.t(&format!("refcat-{}-purpose", s.category)),
            lines: s.lines.clone(),
        })
        .collect()
}

pub struct InboxRow {
    pub id: String,
    pub date: String,
    pub from: String,
    pub categories: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "referral_inbox.html")]
pub struct ReferralInboxPage {
    pub c: Chrome,
    pub rows: Vec<InboxRow>,
}

/// The referrals addressed to the user's organisation.
pub async fn inbox(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let rows = state
        .store
        .referral_inbox(&auth.scope, state.now())
        .await?
        .into_iter()
        .map(|r| InboxRow {
            date: date_of(r.created_at),
            categories: r
                .state
                .sections
                .iter()
                .map(|s| t.t(&format!("refcat-{}", s.category)))
                .collect::<Vec<_>>()
                .join(", "),
            status: t.t(&format!("rstatus-{}", r.state.status)),
            from: r.from_org,
            id: r.id,
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        &ReferralInboxPage {
            rows,
            c: Chrome::app(&auth, "rinbox-title", "/referrals"),
        },
    ))
}

#[derive(Template)]
#[template(path = "referral_incoming.html")]
pub struct IncomingPage {
    pub c: Chrome,
    pub id: String,
    pub date: String,
    pub from: String,
    pub to: String,
    pub sections: Vec<DocumentSection>,
    pub state: ReferralStateView,
    pub can_acknowledge: bool,
    pub outcomes: Vec<Choice>,
    pub text: String,
    pub error: Option<String>,
}

async fn incoming_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    kept: (&str, &str),
    error: Option<&str>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let r: IncomingReferral = state
        .store
        .incoming_referral(&auth.scope, id, state.now())
        .await?;
    let (text, outcome) = kept;
    Ok(page(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &IncomingPage {
            id: r.id.clone(),
            date: date_of(r.created_at),
            from: r.from_org.clone(),
            to: r.contact.clone(),
            sections: document_sections(t, &r.state.sections),
            can_acknowledge: r.state.status == "sent",
            state: state_view(t, &r.state),
            outcomes: REFERRAL_OUTCOMES
                .iter()
                .map(|k| Choice {
                    value: k.to_string(),
                    label: outcome_label(t, k),
                    selected: *k == outcome,
                })
                .collect(),
            text: text.to_string(),
            error: error.map(|k| t.t(k)),
            c: Chrome::app(auth, "rincoming-title", "/referrals"),
        },
    ))
}

/// One referral addressed to the user's organisation: the snapshot and the conversation.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    incoming_page(&state, &auth, &id, ("", ""), None).await
}

/// The partner acknowledges, asks a question or answers with an outcome.
pub async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let step = super::form_value(&fields, "step");
    let text = super::form_value(&fields, "text").trim();
    let outcome = super::form_value(&fields, "outcome");
    if text.chars().count() > TEXT_MAX {
        return incoming_page(
            &state,
            &auth,
            &id,
            (text, outcome),
            Some("error-entry-text"),
        )
        .await;
    }
    match state
        .store
        .referral_step(&auth.scope, &id, step, text, outcome, state.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/referrals/{id}")).into_response()),
        Err(StoreError::Conflict(what)) => {
            let key = match what {
                "outcome" => "error-referral-outcome",
                "text" => "error-referral-question",
                _ => "error-referral-step",
            };
            incoming_page(&state, &auth, &id, (text, outcome), Some(key)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The coordinator answers the partner's question, from the dossier page.
pub async fn reply(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, referral)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let text = super::form_value(&fields, "text").trim();
    if text.is_empty() || text.chars().count() > TEXT_MAX {
        return dossier_page(&state, &auth, &id, Some("error-entry-text")).await;
    }
    match state
        .store
        .reply_to_referral(&auth.scope, &id, &referral, text, state.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{id}#referrals")).into_response()),
        Err(StoreError::Conflict(_)) => {
            dossier_page(&state, &auth, &id, Some("error-referral-step")).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The coordinator records how and when a referral document was sent.
pub async fn sent(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, referral)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let channel = super::form_value(&fields, "channel");
    let date = super::form_value(&fields, "date");
    if !valid_date(date, &state.today()) {
        return dossier_page(&state, &auth, &id, Some("error-referral-sent-date")).await;
    }
    match state
        .store
        .record_referral_sent(&auth.scope, &id, &referral, channel, date, state.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{id}#referrals")).into_response()),
        Err(StoreError::Conflict(_)) => {
            dossier_page(&state, &auth, &id, Some("error-referral-channel")).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The channels a document can be sent by, for the dossier page's form.
pub fn channel_choices(t: &Tr) -> Vec<Choice> {
    REFERRAL_CHANNELS
        .iter()
        .map(|c| Choice {
            value: c.to_string(),
            label: t.t(&format!("rchannel-{}", c.replace('_', "-"))),
            selected: false,
        })
        .collect()
}

/// `?format=pdf` asks for the referral document as PDF instead of HTML.
#[derive(Deserialize, Default)]
pub struct DocumentFormat {
    #[serde(default)]
    format: String,
}

impl DocumentFormat {
    pub fn is_pdf(&self) -> bool {
        self.format == "pdf"
    }
}

/// The referral document as PDF: the same facts and sections as the printable page.
pub fn document_pdf(
    t: &Tr,
    date: &str,
    from: &str,
    to: &str,
    reach: &[String],
    sections: &[DocumentSection],
) -> Response {
    let mut doc = crate::pdf::PdfDocument::new(&t.t("referral-title"));
    doc.language(t.code())
        .field(&t.t("referral-date"), date)
        .field(&t.t("referral-from"), from)
        .field(&t.t("referral-to"), to);
    if !reach.is_empty() {
        doc.field(&t.t("referral-reach"), &reach.join(" · "));
    }
    doc.paragraph(&t.t("referral-minimised"));
    for s in sections {
        doc.heading(&s.label).paragraph(&format!(
            "{} {} · {} {}",
            t.t("refer-ground"),
            s.ground,
            t.t("refer-purpose"),
            s.purpose
        ));
        for line in &s.lines {
            doc.bullet(line);
        }
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"referral.pdf\"",
            ),
        ],
        doc.finish(),
    )
        .into_response()
}
