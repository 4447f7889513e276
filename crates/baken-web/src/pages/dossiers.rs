//! Triage and dossiers: filter and assign the inbox, close a signal without follow-up,
//! gather signals into a dossier, and work the dossier — timeline, notes and decisions,
//! tasks, members, and the status workflow.

use super::signals::{context_name, Choice};
use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::views::{date_of, page, time_of, Chrome};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::dossier::{
    confidentiality_code, CONFIDENTIALITY, DOSSIER_STATUSES, REFERRAL_CATEGORIES,
};
use baken_domain::signal::valid_date;
use baken_store::{InboxCursor, InboxFilter, SignalRecord, StoreError, BARRIER_STATUSES};
use serde::Deserialize;

fn options(values: &[&str], selected: &str, t: &Tr, prefix: &str, any: bool) -> Vec<Choice> {
    let mut out = Vec::new();
    if any {
        out.push(Choice {
            value: String::new(),
            label: t.t("filter-any"),
            selected: selected.is_empty(),
        });
    }
    out.extend(values.iter().map(|v| Choice {
        value: v.to_string(),
        label: t.t(&format!("{prefix}{}", v.replace('_', "-"))),
        selected: *v == selected,
    }));
    out
}

fn levels_up_to(t: &Tr, clearance: i64, selected: i64) -> Vec<Choice> {
    CONFIDENTIALITY
        .iter()
        .enumerate()
        .take(clearance.clamp(1, 8) as usize)
        .map(|(i, code)| Choice {
            value: (i + 1).to_string(),
            label: t.t(&format!("conf-{}", code.replace('_', "-"))),
            selected: i as i64 + 1 == selected,
        })
        .collect()
}

/// The display name of an assignee among the organisation's case readers, or "".
pub(crate) fn reader_name(readers: &[(String, String)], assignee: Option<&str>) -> String {
    assignee
        .and_then(|a| readers.iter().find(|(id, _)| id == a))
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

pub struct InboxRow {
    pub id: String,
    pub date: String,
    pub age_days: i64,
    pub overdue: bool,
    pub context: String,
    pub urgency: String,
    pub acute: bool,
    pub level: String,
    pub status: String,
    pub assignee: String,
    pub in_dossier: bool,
    /// The row's page; an anonymous report (`/reports/…`) is not a signal.
    pub href: String,
    pub anonymous: bool,
    /// Place in the inbox order; the last row's key starts the next page.
    pub key: baken_store::InboxCursor,
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    pub c: Chrome,
    pub rows: Vec<InboxRow>,
    pub statuses: Vec<Choice>,
    pub contexts: Vec<Choice>,
    pub urgencies: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub assignees: Vec<Choice>,
    pub conf_levels: Vec<Choice>,
    pub error: Option<String>,
    pub next_page: Option<String>,
    pub first_page: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    context: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    assignee: String,
    /// Where the page starts (`InboxCursor::to_param`); empty for the first page.
    #[serde(default)]
    after: String,
}

/// Rows per inbox page: what a coordinator scans at once, and cheap at any inbox size.
const PAGE: usize = 50;

/// The inbox with the same filters, starting after `after` (the first page for `None`).
fn page_link(q: &InboxQuery, after: Option<&InboxCursor>) -> String {
    let mut pairs: Vec<(&str, &str)> = [
        ("status", q.status.as_str()),
        ("context", q.context.as_str()),
        ("urgency", q.urgency.as_str()),
        ("level", q.level.as_str()),
        ("assignee", q.assignee.as_str()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let cursor = after.map(InboxCursor::to_param);
    if let Some(c) = cursor.as_deref() {
        pairs.push(("after", c));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if query.is_empty() {
        "/inbox".into()
    } else {
        format!("/inbox?{query}")
    }
}

async fn inbox_page(
    state: &AppState,
    auth: &Auth,
    q: &InboxQuery,
    error: Option<&str>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let now = state.now();
    let filter = InboxFilter {
        status: q.status.clone(),
        context: q.context.clone(),
        urgency: q.urgency.clone(),
        level: q.level.clone(),
        assignee: match q.assignee.as_str() {
            "" => None,
            "me" => Some(auth.user.id.clone()),
            other => Some(other.to_string()),
        },
    };
    let after = match q.after.as_str() {
        "" => None,
        param => Some(InboxCursor::parse(param).ok_or(AppError::BadRequest("error-page-cursor"))?),
    };
    let signals = state
        .store
        .inbox(&auth.scope, &filter, after.as_ref(), PAGE + 1, now)
        .await?;
    let readers = state.store.case_readers(&auth.scope).await?;
    let overdue_after = state.config.triage_overdue_hours * 3600;
    let rows = signals
        .iter()
        .map(|r| {
            let submitted = r.submitted_at.unwrap_or(r.created_at);
            InboxRow {
                id: r.id.clone(),
                date: date_of(submitted),
                age_days: (now - submitted).max(0) / 86_400,
                // Untouched since it came in, for longer than the organisation allows.
                overdue: r.status == "received"
                    && r.assignee_id.is_none()
                    && now - r.updated_at > overdue_after,
                context: context_name(state, t, &r.context),
                urgency: t.t(&format!("urgency-{}", r.urgency)),
                acute: r.acute,
                level: r
                    .highest_level
                    .as_deref()
                    .map(|l| t.t(&format!("level-{l}")))
                    .unwrap_or_default(),
                status: t.t(&format!("status-{}", r.status.replace('_', "-"))),
                assignee: reader_name(&readers, r.assignee_id.as_deref()),
                in_dossier: r.dossier_id.is_some(),
                href: format!("/signals/{}", r.id),
                anonymous: false,
                key: baken_store::InboxCursor {
                    rank: r.triage_rank.unwrap_or_default(),
                    id: r.id.clone(),
                },
            }
        })
        .collect::<Vec<_>>();
    let mut rows = rows;
    rows.extend(
        crate::reports::inbox_rows(state, auth, &filter, &readers, after.as_ref(), PAGE + 1)
            .await?,
    );
    // Both sources are in triage order; merged, one more row than a page tells whether
    // there is a next page.
    rows.sort_by(|a, b| (a.key.rank, &a.key.id).cmp(&(b.key.rank, &b.key.id)));
    rows.truncate(PAGE + 1);
    let next_page = (rows.len() > PAGE).then(|| {
        rows.truncate(PAGE);
        let last = &rows[PAGE - 1].key;
        page_link(q, Some(last))
    });
    let first_page = after.is_some().then(|| page_link(q, None));
    let mut contexts = vec![Choice {
        value: String::new(),
        label: t.t("filter-any"),
        selected: q.context.is_empty(),
    }];
    contexts.push(Choice {
        value: crate::public::PUBLIC_CONTEXT.into(),
        label: t.t("report-anonymous"),
        selected: q.context == crate::public::PUBLIC_CONTEXT,
    });
    for ctx in [
        "registration_desk",
        "housing_inspection",
        "business_inspection",
        "neighbourhood",
        "financial_check",
        "other",
    ] {
        contexts.push(Choice {
            value: ctx.into(),
            label: context_name(state, t, ctx),
            selected: q.context == ctx,
        });
    }
    let mut assignees = vec![
        Choice {
            value: String::new(),
            label: t.t("filter-any"),
            selected: q.assignee.is_empty(),
        },
        Choice {
            value: "me".into(),
            label: t.t("filter-me"),
            selected: q.assignee == "me",
        },
        Choice {
            value: "none".into(),
            label: t.t("filter-unassigned"),
            selected: q.assignee == "none",
        },
    ];
    assignees.extend(readers.iter().map(|(id, name)| Choice {
        value: id.clone(),
        label: name.clone(),
        selected: q.assignee == *id,
    }));
    let clearance = state.store.clearance(&auth.user.id).await?;
    Ok(page(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &InboxPage {
            rows,
            statuses: options(baken_store::SIGNAL_STATUSES, &q.status, t, "status-", true),
            contexts,
            urgencies: options(
                baken_domain::signal::URGENCIES,
                &q.urgency,
                t,
                "urgency-",
                true,
            ),
            levels: options(
                &["none", "weak", "possible", "strong"],
                &q.level,
                t,
                "level-",
                true,
            ),
            assignees,
            conf_levels: levels_up_to(t, clearance, 4.min(clearance)),
            error: error.map(|k| t.t(k)),
            next_page,
            first_page,
            c: Chrome::app(auth, "inbox-title", "/inbox"),
        },
    ))
}

pub async fn inbox(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<InboxQuery>,
) -> AppResult<Response> {
    inbox_page(&state, &auth, &q, None).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assignee: String,
}

pub async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let who = match form.assignee.as_str() {
        "" => None,
        "me" => Some(auth.user.id.as_str()),
        other => Some(other),
    };
    state
        .store
        .assign_signal(&auth.scope, &id, who, state.now())
        .await?;
    Ok(Redirect::to(&format!("/signals/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn no_follow_up(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::BadRequest("error-reason-required"));
    }
    state
        .store
        .no_follow_up(&auth.scope, &id, reason, state.now())
        .await?;
    Ok(Redirect::to(&format!("/signals/{id}")).into_response())
}

fn new_dossier_fields(fields: &[(String, String)]) -> (String, i64, Vec<String>, String) {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let signals = super::form_values(fields, "signal");
    (
        get("title"),
        get("confidentiality").parse().unwrap_or(0),
        signals,
        get("dossier"),
    )
}

/// From the inbox: a new dossier with the ticked signals.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (title, level, signals, _) = new_dossier_fields(&fields);
    let problem = if title.is_empty() || title.chars().count() > 200 {
        Some("error-dossier-title")
    } else if signals.is_empty() {
        Some("error-dossier-no-signals")
    } else {
        None
    };
    if let Some(key) = problem {
        return inbox_page(&state, &auth, &InboxQuery::default(), Some(key)).await;
    }
    match state
        .store
        .create_dossier(&auth.scope, &title, level, &signals, state.now())
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/dossiers/{id}")).into_response()),
        Err(StoreError::Conflict(_)) => {
            inbox_page(
                &state,
                &auth,
                &InboxQuery::default(),
                Some("error-dossier-level"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// From a signal page: into a new dossier, or attached to an existing one.
pub async fn signal_to_dossier(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (title, level, _, target) = new_dossier_fields(&fields);
    let now = state.now();
    let dossier = if target.is_empty() || target == "new" {
        if title.is_empty() || title.chars().count() > 200 {
            return Err(AppError::BadRequest("error-dossier-title"));
        }
        match state
            .store
            .create_dossier(&auth.scope, &title, level, std::slice::from_ref(&id), now)
            .await
        {
            Ok(d) => d,
            Err(StoreError::Conflict(_)) => {
                return Err(AppError::BadRequest("error-dossier-level"))
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        state
            .store
            .attach_signal(&auth.scope, &target, &id, now)
            .await?;
        target
    };
    Ok(Redirect::to(&format!("/dossiers/{dossier}")).into_response())
}

pub struct DossierRow {
    pub id: String,
    pub title: String,
    pub level: String,
    pub status: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "dossier_list.html")]
pub struct DossierListPage {
    pub c: Chrome,
    pub rows: Vec<DossierRow>,
}

pub async fn list(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let rows = state
        .store
        .dossiers(&auth.scope, state.now())
        .await?
        .into_iter()
        .map(|d| DossierRow {
            level: t.t(&format!(
                "conf-{}",
                confidentiality_code(d.confidentiality).replace('_', "-")
            )),
            status: t.t(&format!("dstatus-{}", d.status)),
            updated: date_of(d.updated_at),
            title: d.title,
            id: d.id,
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        &DossierListPage {
            rows,
            c: Chrome::app(&auth, "dossiers-title", "/dossiers"),
        },
    ))
}

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

pub struct TaskRow {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub deadline: String,
    pub done: bool,
}

/// A library barrier offered on the dossier, with the dossier's indicators behind it.
pub struct BarrierOffer {
    pub id: String,
    pub name: String,
    pub what: String,
    pub instrument_nl: String,
    pub instrument_be: String,
    pub who: String,
    pub why: String,
}

/// A data category a referral may carry, with its legal ground and purpose.
pub struct CategoryChoice {
    pub code: String,
    pub label: String,
    pub ground: String,
    pub purpose: String,
    pub checked: bool,
}

pub struct ReferralRow {
    pub id: String,
    pub date: String,
    pub partner: String,
    pub categories: String,
    /// What happened since, for the coordinator (see `referrals.rs`).
    pub state: super::referrals::ReferralStateView,
}

/// A barrier applied on the dossier.
pub struct AppliedBarrier {
    pub row: String,
    pub name: String,
    pub applied_by: String,
    pub status: String,
    pub outcome: String,
    pub statuses: Vec<Choice>,
}

pub struct AttachedSignal {
    pub id: String,
    pub date: String,
    pub context: String,
    pub level: String,
}

#[derive(Template)]
#[template(path = "dossier.html")]
pub struct DossierPage {
    pub c: Chrome,
    pub id: String,
    pub title: String,
    pub level: String,
    pub status: String,
    pub result: String,
    pub closed: bool,
    /// A coordinator may turn the closed dossier into a practice case.
    pub can_practice: bool,
    pub members: Vec<String>,
    pub signals: Vec<AttachedSignal>,
    /// Anonymous reports attached to the dossier, with their reading.
    pub reports: Vec<AttachedSignal>,
    pub things: Vec<String>,
    pub events: Vec<EventRow>,
    pub tasks: Vec<TaskRow>,
    pub offers: Vec<BarrierOffer>,
    pub applied: Vec<AppliedBarrier>,
    pub partners: Vec<Choice>,
    pub categories: Vec<CategoryChoice>,
    pub referrals: Vec<ReferralRow>,
    pub channels: Vec<Choice>,
    pub next_statuses: Vec<Choice>,
    pub readers: Vec<Choice>,
    pub today: String,
    pub error: Option<String>,
    /// What was typed into the form that failed, shown again.
    pub kept: Kept,
}

pub(crate) fn things_of(signals: &[SignalRecord], t: &Tr) -> Vec<String> {
    let mut things = Vec::new();
    for s in signals {
        let draft = baken_domain::signal::SignalDraft::from_fields(&s.fields);
        for e in &draft.entities {
            let values: Vec<&str> = baken_domain::signal::entity_fields(&e.kind)
                .unwrap_or(&[])
                .iter()
                .map(|f| e.get(f).trim())
                .filter(|v| !v.is_empty())
                .collect();
            if !values.is_empty() {
                let line = format!(
                    "{}: {}",
                    t.t(&format!("entity-{}", e.kind.replace('_', "-"))),
                    values.join(", ")
                );
                if !things.contains(&line) {
                    things.push(line);
                }
            }
        }
    }
    things
}

/// What a user typed into one of the dossier page's forms, to show it again with the
/// error instead of losing it, and the field the error is about.
#[derive(Default)]
pub struct Kept {
    form: &'static str,
    /// The id of the field the error message links to.
    pub field: &'static str,
    fields: Vec<(String, String)>,
}

impl Kept {
    pub fn of(form: &'static str, field: &'static str, fields: Vec<(String, String)>) -> Kept {
        Kept {
            form,
            field,
            fields,
        }
    }

    /// The typed value of `name` if the failed form was `form`, else empty.
    pub fn value(&self, form: &str, name: &str) -> &str {
        if self.form != form {
            return "";
        }
        super::form_value(&self.fields, name)
    }

    /// Whether `name` was submitted with `value` in the failed form `form`.
    pub fn has(&self, form: &str, name: &str, value: &str) -> bool {
        self.form == form && self.fields.iter().any(|(k, v)| k == name && v == value)
    }

    /// Whether the failed form was `form`: its choices come from what was typed.
    pub fn is(&self, form: &str) -> bool {
        self.form == form
    }
}

pub(crate) async fn dossier_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    error: Option<&str>,
) -> AppResult<Response> {
    dossier_form_error(state, auth, id, error, Kept::default()).await
}

/// The dossier page with an error about one of its forms, keeping what was typed in it.
pub(crate) async fn dossier_form_error(
    state: &AppState,
    auth: &Auth,
    id: &str,
    error: Option<&str>,
    kept: Kept,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let v = state
        .store
        .dossier_view(&auth.scope, id, state.now())
        .await?;
    let d = &v.dossier;
    let reports = crate::reports::attached_reports(state, auth, id).await?;
    let things = things_of(&v.signals, t);
    let offers = barrier_offers(state, &v.signals, t.code());
    let applied = v
        .barriers
        .iter()
        .map(|b| AppliedBarrier {
            row: b.id.clone(),
            name: barrier_name(state, &b.barrier_id, t.code()),
            applied_by: b.applied_by.clone(),
            status: t.t(&format!("bstatus-{}", b.status.replace('_', "-"))),
            outcome: b.outcome.clone(),
            statuses: options(&BARRIER_STATUSES, &b.status, t, "bstatus-", false),
        })
        .collect();
    let partners = state
        .store
        .contacts(&auth.scope, state.now())
        .await?
        .into_iter()
        .map(|c| Choice {
            label: if c.name.is_empty() {
                format!("{} ({}, {})", c.partner, c.region, c.country)
            } else {
                format!("{} — {} ({}, {})", c.partner, c.name, c.region, c.country)
            },
            value: c.id,
            selected: false,
        })
        .collect();
    let referrals = v
        .referrals
        .iter()
        .map(|r| ReferralRow {
            id: r.id.clone(),
            date: date_of(r.created_at),
            partner: format!("{} — {}", r.partner, r.contact),
            categories: r
                .categories
                .iter()
                .map(|c| t.t(&format!("refcat-{c}")))
                .collect::<Vec<_>>()
                .join(", "),
            state: super::referrals::state_view(t, &r.state),
        })
        .collect();
    let next_statuses = DOSSIER_STATUSES
        .iter()
        .filter(|s| baken_domain::dossier::can_move(&d.status, s))
        .map(|s| Choice {
            value: s.to_string(),
            label: t.t(&format!("dstatus-{s}")),
            selected: false,
        })
        .collect();
    let readers = state
        .store
        .case_readers(&auth.scope)
        .await?
        .into_iter()
        .map(|(id, name)| Choice {
            selected: id == auth.user.id,
            value: id,
            label: name,
        })
        .collect();
    Ok(page(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &DossierPage {
            id: d.id.clone(),
            title: d.title.clone(),
            level: t.t(&format!(
                "conf-{}",
                confidentiality_code(d.confidentiality).replace('_', "-")
            )),
            status: t.t(&format!("dstatus-{}", d.status)),
            result: d.result.clone().unwrap_or_default(),
            closed: d.status == "closed",
            can_practice: d.status == "closed"
                && auth.scope.roles.contains(&baken_domain::Role::Coordinator),
            members: v.members.iter().map(|(_, n)| n.clone()).collect(),
            signals: v
                .signals
                .iter()
                .map(|s| AttachedSignal {
                    id: s.id.clone(),
                    date: date_of(s.submitted_at.unwrap_or(s.created_at)),
                    context: context_name(state, t, &s.context),
                    level: s
                        .highest_level
                        .as_deref()
                        .map(|l| t.t(&format!("level-{l}")))
                        .unwrap_or_default(),
                })
                .collect(),
            reports,
            things,
            events: v
                .events
                .iter()
                .map(|e| EventRow {
                    at: time_of(e.at),
                    actor: e.actor.clone(),
                    kind: t.t(&format!("event-{}", e.kind.replace('_', "-"))),
                    text: e.text.clone(),
                })
                .collect(),
            tasks: v
                .tasks
                .iter()
                .map(|k| TaskRow {
                    id: k.id.clone(),
                    title: k.title.clone(),
                    owner: k.owner.clone(),
                    deadline: k.deadline.clone(),
                    done: k.done,
                })
                .collect(),
            offers,
            applied,
            partners,
            categories: category_choices(
                t,
                &kept
                    .fields
                    .iter()
                    .filter(|(k, _)| kept.form == "refer" && k == "category")
                    .map(|(_, v)| v.clone())
                    .collect::<Vec<_>>(),
            ),
            referrals,
            channels: super::referrals::channel_choices(t),
            next_statuses,
            readers,
            today: state.today(),
            error: error.map(|k| t.t(k)),
            kept,
            c: Chrome::app(auth, "dossier-title", "/dossiers"),
        },
    ))
}

/// The library's barriers that the indicators observed ("yes") in the dossier's signals
/// point to, most matching indicators first (library order among equals), with why.
fn barrier_offers(state: &AppState, signals: &[SignalRecord], lang: &str) -> Vec<BarrierOffer> {
    let mut observed: Vec<String> = Vec::new();
    for s in signals {
        let draft = baken_domain::signal::SignalDraft::from_fields(&s.fields);
        for (indicator, answer) in &draft.answers {
            if answer == "yes" && !observed.contains(indicator) {
                observed.push(indicator.clone());
            }
        }
    }
    let library = &state.library;
    let mut offers: Vec<(usize, BarrierOffer)> = library
        .barriers
        .iter()
        .filter_map(|b| {
            let why: Vec<String> = b
                .indicators
                .iter()
                .filter(|i| observed.contains(i))
                .map(|i| {
                    let label = library
                        .indicator(i)
                        .map(|x| x.label.get(lang).to_string())
                        .unwrap_or_default();
                    format!("{i} {label}")
                })
                .collect();
            (!why.is_empty()).then(|| {
                (
                    why.len(),
                    BarrierOffer {
                        id: b.id.clone(),
                        name: b.name.get(lang).to_string(),
                        what: b.what.get(lang).to_string(),
                        instrument_nl: b.instrument_nl.get(lang).to_string(),
                        instrument_be: b.instrument_be.get(lang).to_string(),
                        who: b.who.get(lang).to_string(),
                        why: why.join("; "),
                    },
                )
            })
        })
        .collect();
    offers.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    offers.into_iter().map(|(_, o)| o).collect()
}

fn barrier_name(state: &AppState, id: &str, lang: &str) -> String {
    state
        .library
        .barriers
        .iter()
        .find(|b| b.id == id)
        .map(|b| format!("{id} {}", b.name.get(lang)))
        .unwrap_or_else(|| id.to_string())
}

/// Apply one of the library's barriers; who applies it is a free name or organisation.
pub async fn apply_barrier(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let barrier = super::form_value(&fields, "barrier");
    let applied_by = super::form_value(&fields, "applied_by").trim();
    let problem = if !state.library.barriers.iter().any(|b| b.id == barrier) {
        Some(("error-barrier-choice", "barrier-choice"))
    } else if applied_by.is_empty() || applied_by.chars().count() > 200 {
        Some(("error-barrier-applied-by", "applied-by"))
    } else {
        None
    };
    if let Some((key, field)) = problem {
        let kept = Kept::of("barrier", field, fields.clone());
        return dossier_form_error(&state, &auth, &id, Some(key), kept).await;
    }
    state
        .store
        .apply_barrier(&auth.scope, &id, barrier, applied_by, state.now())
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{id}#barriers")).into_response())
}

/// Set an applied barrier's status and outcome.
pub async fn update_barrier(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, row)): Path<(String, String)>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let outcome = form.result.trim();
    if outcome.chars().count() > 2000 {
        return dossier_page(&state, &auth, &id, Some("error-entry-text")).await;
    }
    match state
        .store
        .update_barrier(&auth.scope, &id, &row, &form.status, outcome, state.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{id}#barriers")).into_response()),
        Err(StoreError::Conflict(_)) => {
            dossier_page(&state, &auth, &id, Some("error-barrier-status")).await
        }
        Err(e) => Err(e.into()),
    }
}

fn category_choices(t: &Tr, checked: &[String]) -> Vec<CategoryChoice> {
    REFERRAL_CATEGORIES
        .iter()
        .map(|c| CategoryChoice {
            code: c.to_string(),
            label: t.t(&format!("refcat-{c}")),
            ground: t.t(&format!("refcat-{c}-ground")),
            purpose: t.t(&format!("refcat-{c}-purpose")),
            checked: checked.iter().any(|x| x == c),
        })
        .collect()
}

/// Refer the dossier to a contact point with the data categories ticked (at least one).
/// The referral stores a snapshot of exactly those categories, made now.
pub async fn refer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let categories: Vec<String> = super::form_values(&fields, "category");
    let t = &auth.ctx.tr;
    let v = state
        .store
        .dossier_view(&auth.scope, &id, state.now())
        .await?;
    let sections = referral_sections(&state, t, &v, &categories);
    match state
        .store
        .refer_dossier(
            &auth.scope,
            &id,
            super::form_value(&fields, "contact"),
            &sections,
            state.now(),
        )
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/dossiers/{id}/referrals/{r}")).into_response()),
        Err(StoreError::Conflict(_)) => {
            let kept = Kept::of("refer", "refer-categories", fields);
            dossier_form_error(&state, &auth, &id, Some("error-referral-categories"), kept).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The data of each chosen category as it is now: what a referral's snapshot holds.
/// Unknown categories get no lines (the store refuses them).
fn referral_sections(
    state: &AppState,
    t: &Tr,
    v: &baken_store::DossierView,
    categories: &[String],
) -> Vec<baken_store::ReferralSection> {
    categories
        .iter()
        .map(|c| {
            let lines = match c.as_str() {
                "summary" => vec![
                    v.dossier.title.clone(),
                    t.t(&format!("dstatus-{}", v.dossier.status)),
                ],
                "observations" => v
                    .signals
                    .iter()
                    .map(|s| {
                        format!(
                            "{}: {}",
                            date_of(s.submitted_at.unwrap_or(s.created_at)),
                            super::form_value(&s.fields, "observation")
                        )
                    })
                    .collect(),
                "entities" => things_of(&v.signals, t),
                "barriers" => v
                    .barriers
                    .iter()
                    .map(|b| {
                        let line = format!(
                            "{} — {}: {}",
                            barrier_name(state, &b.barrier_id, t.code()),
                            b.applied_by,
                            t.t(&format!("bstatus-{}", b.status.replace('_', "-"))),
                        );
                        if b.outcome.is_empty() {
                            line
                        } else {
                            format!("{line} — {}", b.outcome)
                        }
                    })
                    .collect(),
                _ => Vec::new(),
            };
            baken_store::ReferralSection {
                category: c.clone(),
                lines,
            }
        })
        .collect()
}

pub struct DocumentSection {
    pub label: String,
    pub ground: String,
    pub purpose: String,
    pub lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "referral.html")]
pub struct ReferralPage {
    pub c: Chrome,
    pub id: String,
    pub date: String,
    pub from: String,
    pub to: String,
    pub reach: Vec<String>,
    pub sections: Vec<DocumentSection>,
}

/// The printable referral document: only the categories chosen, each with its legal
/// ground and purpose. Read through the dossier, so as visible and audited as it.
pub async fn referral_document(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, referral)): Path<(String, String)>,
    Query(format): Query<super::referrals::DocumentFormat>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let v = state
        .store
        .dossier_view(&auth.scope, &id, state.now())
        .await?;
    let r = v
        .referrals
        .iter()
        .find(|r| r.id == referral)
        .ok_or(AppError::NotFound)?;
    let contact = state
        .store
        .contacts(&auth.scope, state.now())
        .await?
        .into_iter()
        .find(|c| c.id == r.contact_id);
    let reach: Vec<String> = contact
        .map(|c| {
            [c.phone, c.email, c.address, c.hours]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let sections = super::referrals::document_sections(t, &r.state.sections);
    let from = auth.org_name().to_string();
    let to = format!("{} — {}", r.partner, r.contact);
    if format.is_pdf() {
        return Ok(super::referrals::document_pdf(
            t,
            &date_of(r.created_at),
            &from,
            &to,
            &reach,
            &sections,
        ));
    }
    Ok(page(
        StatusCode::OK,
        &ReferralPage {
            id: id.clone(),
            date: date_of(r.created_at),
            from,
            to,
            reach,
            sections,
            c: Chrome::app(&auth, "referral-title", "/dossiers"),
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    dossier_page(&state, &auth, &id, None).await
}

pub async fn add_entry(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let text = super::form_value(&fields, "text").trim();
    if text.is_empty() || text.chars().count() > 5000 {
        let kept = Kept::of("entry", "entry-text", fields.clone());
        return dossier_form_error(&state, &auth, &id, Some("error-entry-text"), kept).await;
    }
    state
        .store
        .add_dossier_entry(
            &auth.scope,
            &id,
            super::form_value(&fields, "kind"),
            text,
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{id}#timeline")).into_response())
}

#[derive(Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    deadline: String,
}

pub async fn add_task(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<TaskForm>,
) -> AppResult<Response> {
    let title = form.title.trim();
    let today = state.today();
    // A deadline is a real date, today or later.
    let problem = if title.is_empty() || title.chars().count() > 200 {
        Some(("error-task-title", "task-title"))
    } else if !valid_date(&form.deadline, "9999-12-31") || form.deadline.as_str() < today.as_str() {
        Some(("error-task-deadline", "task-deadline"))
    } else {
        None
    };
    if let Some((key, field)) = problem {
        let typed = vec![
            ("title".to_string(), form.title.clone()),
            ("owner".to_string(), form.owner.clone()),
            ("deadline".to_string(), form.deadline.clone()),
        ];
        let kept = Kept::of("task", field, typed);
        return dossier_form_error(&state, &auth, &id, Some(key), kept).await;
    }
    state
        .store
        .add_task(
            &auth.scope,
            &id,
            title,
            &form.owner,
            &form.deadline,
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{id}#tasks")).into_response())
}

pub async fn complete_task(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, task)): Path<(String, String)>,
) -> AppResult<Response> {
    state
        .store
        .complete_task(&auth.scope, &id, &task, state.now())
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{id}#tasks")).into_response())
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    result: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let result = Some(form.result.trim()).filter(|r| !r.is_empty());
    match state
        .store
        .set_dossier_status(&auth.scope, &id, &form.status, result, state.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{id}")).into_response()),
        Err(StoreError::Conflict(_)) => {
            let typed = vec![
                ("status".to_string(), form.status.clone()),
                ("result".to_string(), form.result.clone()),
            ];
            let kept = Kept::of("status", "next-status", typed);
            dossier_form_error(&state, &auth, &id, Some("error-dossier-status"), kept).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    user: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> AppResult<Response> {
    state
        .store
        .add_member(&auth.scope, &id, &form.user, state.now())
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{id}")).into_response())
}
