//! Signal intake for professionals: choose where you are, tick what you saw, name who and
//! what it concerns, and read the explained reading as you go. Drafts are saved on the
//! server as the worker types; submit sends the signal to the coordinators' inbox.

use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::reading::{input_of, read_draft, ReadingView};
use crate::state::AppState;
use crate::views::{date_of, page, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::signal::{
    self, entity_fields, FieldError, SignalDraft, ENTITY_KINDS, PERSON_ROLES, URGENCIES,
};
use baken_domain::Permission;
use baken_store::{SignalRecord, Submission};

/// "Other": every indicator, for places the library has no context for.
pub const OTHER_CONTEXT: &str = "other";
/// Contexts a professional starts from (the public report has its own channel).
const INTAKE_CONTEXTS: &[&str] = &[
    "registration_desk",
    "housing_inspection",
    "business_inspection",
    "neighbourhood",
    "financial_check",
    OTHER_CONTEXT,
];

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct IndicatorView {
    pub id: String,
    pub label: String,
    pub look_for: String,
    pub answer: String,
}

pub struct StageGroup {
    pub name: String,
    pub indicators: Vec<IndicatorView>,
}

pub struct FieldView {
    pub name: String,
    pub id: String,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
    pub kind: &'static str,
    pub choices: Vec<Choice>,
}

pub struct EntityView {
    pub index: usize,
    pub kind_label: String,
    pub kind: String,
    pub fields: Vec<FieldView>,
}

pub struct ErrorLink {
    pub href: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "signal_form.html")]
pub struct IntakePage {
    pub c: Chrome,
    pub id: String,
    pub revision: i64,
    pub context: String,
    pub context_name: String,
    pub subjects: Vec<Choice>,
    pub urgencies: Vec<Choice>,
    pub acute: bool,
    pub groups: Vec<StageGroup>,
    pub entities: Vec<EntityView>,
    pub entity_kinds: Vec<Choice>,
    pub observation: String,
    pub observed_on: String,
    pub place: String,
    pub today: String,
    pub errors: Vec<ErrorLink>,
    pub field_errors: Vec<(String, String)>,
    pub reading: ReadingView,
}

impl IntakePage {
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.field_errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Template)]
#[template(path = "reading_partial.html")]
pub struct ReadingPartial {
    pub t: Tr,
    pub reading: ReadingView,
    pub saved: bool,
    /// The draft's revision after this save, swapped into the form out of band.
    pub revision: Option<i64>,
}

#[derive(Template)]
#[template(path = "signal_new.html")]
pub struct NewSignalPage {
    pub c: Chrome,
    pub contexts: Vec<Choice>,
}

pub struct SignalRow {
    pub id: String,
    pub href: String,
    pub context: String,
    pub status: String,
    pub status_key: String,
    pub date: String,
    pub level: String,
    pub urgency: String,
    pub acute: bool,
}

#[derive(Template)]
#[template(path = "signal_list.html")]
pub struct SignalListPage {
    pub c: Chrome,
    pub heading: String,
    pub intro: String,
    pub rows: Vec<SignalRow>,
    pub show_new: bool,
}

pub struct Pair {
    pub label: String,
    pub value: String,
}

pub struct EntityShow {
    pub kind_label: String,
    pub pairs: Vec<Pair>,
}

#[derive(Template)]
#[template(path = "signal_show.html")]
pub struct SignalPage {
    pub c: Chrome,
    pub id: String,
    pub just_sent: bool,
    pub status: String,
    pub status_label: String,
    pub context_name: String,
    pub urgency: String,
    pub acute: bool,
    pub observation: String,
    pub observed_on: String,
    pub place: String,
    pub answers: Vec<Pair>,
    pub entities: Vec<EntityShow>,
    pub reading: Option<ReadingView>,
    pub library: String,
    pub can_triage: bool,
    pub statuses: Vec<Choice>,
    pub also_seen: Vec<AlsoSeen>,
    pub readers: Vec<Choice>,
    pub dossiers: Vec<Choice>,
    pub conf_levels: Vec<Choice>,
    pub dossier_id: Option<String>,
    pub closed_reason: Option<String>,
}

pub fn context_name(state: &AppState, t: &Tr, context: &str) -> String {
    if context == OTHER_CONTEXT {
        return t.t("context-other");
    }
    state
        .library
        .contexts
        .iter()
        .find(|c| c.id == context)
        .map(|c| c.name.get(t.code()).to_string())
        .unwrap_or_else(|| context.to_string())
}

/// The translated message for a field error code (`postcode.format` → `err-postcode-format`).
pub fn error_message(t: &Tr, code: &str) -> String {
    t.t(&format!("err-{}", code.replace(['.', '_'], "-")))
}

/// Where a field error points on the page (`entities[2].postcode` → `e2-postcode`).
fn field_anchor(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("entities[") {
        if let Some((i, f)) = rest.split_once("].") {
            return format!("e{i}-{f}");
        }
    }
    field.replace('.', "-")
}

fn form_name(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("entities[") {
        if let Some((i, f)) = rest.split_once("].") {
            return format!("e{i}.{f}");
        }
    }
    field.to_string()
}

fn choices(values: &[&str], selected: &str, t: &Tr, prefix: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: v.to_string(),
            label: t.t(&format!("{prefix}{}", v.replace('_', "-"))),
            selected: *v == selected,
        })
        .collect()
}

fn intake_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    revision: i64,
    draft: &SignalDraft,
    errors: &[FieldError],
) -> IntakePage {
    let t = &auth.ctx.tr;
    let lang = t.code();
    let lib = &state.library;
    let groups: Vec<StageGroup> =
        if draft.context == OTHER_CONTEXT || !lib.contexts.iter().any(|c| c.id == draft.context) {
            let mut stages: Vec<_> = lib.stages.iter().collect();
            stages.sort_by_key(|s| s.order);
            stages
                .into_iter()
                .map(|s| {
                    (
                        s,
                        lib.indicators
                            .iter()
                            .filter(|i| i.stage == s.id)
                            .collect::<Vec<_>>(),
                    )
                })
                .filter(|(_, l)| !l.is_empty())
                .collect::<Vec<_>>()
        } else {
            lib.indicators_for_context(&draft.context)
        }
        .into_iter()
        .map(|(stage, list)| StageGroup {
            name: stage.name.get(lang).to_string(),
            indicators: list
                .into_iter()
                .map(|i| IndicatorView {
                    id: i.id.clone(),
                    label: i.label.get(lang).to_string(),
                    look_for: i.look_for.get(lang).to_string(),
                    answer: draft.answers.get(&i.id).cloned().unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let field_errors: Vec<(String, String)> = errors
        .iter()
        .map(|e| (form_name(&e.field), error_message(t, e.code)))
        .collect();
    let entities = draft
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| EntityView {
            index: i,
            kind_label: t.t(&format!("entity-{}", e.kind.replace('_', "-"))),
            kind: e.kind.clone(),
            fields: entity_fields(&e.kind)
                .unwrap_or(&[])
                .iter()
                .map(|f| {
                    let name = format!("e{i}.{f}");
                    FieldView {
                        id: format!("e{i}-{f}"),
                        label: t.t(&format!("field-{}", f.replace('_', "-"))),
                        value: e.get(f).to_string(),
                        error: field_errors
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, m)| m.clone()),
                        kind: match *f {
                            "birth_date" => "date",
                            "estimated_age" => "number",
                            "role" => "select",
                            "address" if e.kind == "email" => "email",
                            "number" => "tel",
                            "url" => "url",
                            _ => "text",
                        },
                        choices: if *f == "role" {
                            choices(PERSON_ROLES, e.get(f), t, "role-person-")
                        } else {
                            Vec::new()
                        },
                        name,
                    }
                })
                .collect(),
        })
        .collect();
    IntakePage {
        c: Chrome::app(auth, "intake-title", "/signals"),
        id: id.to_string(),
        revision,
        context: draft.context.clone(),
        context_name: context_name(state, t, &draft.context),
        subjects: choices(signal::SUBJECTS, &draft.subject, t, "subject-"),
        urgencies: choices(
            URGENCIES,
            if draft.urgency.is_empty() {
                "normal"
            } else {
                &draft.urgency
            },
            t,
            "urgency-",
        ),
        acute: draft.acute,
        groups,
        entities,
        entity_kinds: ENTITY_KINDS
            .iter()
            .map(|(k, _)| Choice {
                value: k.to_string(),
                label: t.t(&format!("entity-{}", k.replace('_', "-"))),
                selected: false,
            })
            .collect(),
        observation: draft.observation.clone(),
        observed_on: draft.observed_on.clone(),
        place: draft.place.clone(),
        today: state.today(),
        errors: errors
            .iter()
            .map(|e| ErrorLink {
                href: format!("#{}", field_anchor(&e.field)),
                message: format!("{}: {}", field_title(t, &e.field), error_message(t, e.code)),
            })
            .collect(),
        field_errors,
        reading: read_draft(&state.library, draft, t),
    }
}

/// A field's name as the error summary says it ("Adres 2 — postcode").
fn field_title(t: &Tr, field: &str) -> String {
    if let Some(rest) = field.strip_prefix("entities[") {
        if let Some((i, f)) = rest.split_once("].") {
            let n: usize = i.parse().unwrap_or(0);
            return format!(
                "{} {} — {}",
                t.t("entity-item"),
                n + 1,
                t.t(&format!("field-{}", f.replace('_', "-")))
            );
        }
    }
    if field.starts_with("answer.") {
        return t.t("intake-indicators");
    }
    t.t(&format!("field-{}", field.replace('_', "-")))
}

fn draft_of(rec: &SignalRecord) -> SignalDraft {
    SignalDraft::from_fields(&rec.fields)
}

// ---- handlers ----

pub async fn new_form(auth: Auth, State(state): State<AppState>) -> AppResult<Response> {
    auth.require(Permission::RecordSignals)?;
    let t = &auth.ctx.tr;
    let contexts = INTAKE_CONTEXTS
        .iter()
        .map(|c| Choice {
            value: c.to_string(),
            label: context_name(&state, t, c),
            selected: false,
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        &NewSignalPage {
            c: Chrome::app(&auth, "intake-title", "/signals"),
            contexts,
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct NewForm {
    #[serde(default)]
    context: String,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    if !INTAKE_CONTEXTS.contains(&form.context.as_str()) {
        return Err(AppError::BadRequest("error-bad-form"));
    }
    let id = state
        .store
        .create_draft(&auth.scope, &form.context, state.now())
        .await?;
    Ok(Redirect::to(&format!("/signals/drafts/{id}")).into_response())
}

pub async fn draft_form(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let rec = state.store.own_draft(&auth.scope, &id, state.now()).await?;
    let draft = draft_of(&rec);
    Ok(page(
        StatusCode::OK,
        &intake_page(&state, &auth, &id, rec.revision, &draft, &[]),
    ))
}

/// Merge what was posted into the stored draft: the context is fixed at creation.
fn posted_draft(rec: &SignalRecord, fields: &[(String, String)]) -> SignalDraft {
    let mut draft = SignalDraft::from_fields(fields);
    draft.context = rec.context.clone();
    draft
}

/// Every save of the intake form: buttons for adding and removing people and things,
/// showing the reading (without JavaScript), and submitting.
pub async fn draft_post(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let now = state.now();
    let rec = state.store.own_draft(&auth.scope, &id, now).await?;
    let mut draft = posted_draft(&rec, &fields);
    let action = fields
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
        .unwrap_or("save");
    let mut anchor = "reading".to_string();
    if let Some(kind) = action.strip_prefix("add:") {
        if entity_fields(kind).is_some() && draft.entities.len() < signal::ENTITIES_MAX {
            anchor = format!("entity-{}", draft.entities.len());
            draft.entities.push(signal::EntityDraft {
                kind: kind.to_string(),
                ..Default::default()
            });
        }
    } else if let Some(index) = action.strip_prefix("remove:") {
        if let Ok(i) = index.parse::<usize>() {
            if i < draft.entities.len() {
                draft.entities.remove(i);
                anchor = "entities".into();
            }
        }
    }
    // A user action always saves (it carries the whole form).
    let revision = state
        .store
        .save_draft(
            &auth.scope,
            &id,
            &draft.to_fields(),
            &draft.context,
            None,
            now,
        )
        .await?
        .unwrap_or(rec.revision);
    if action != "submit" {
        return Ok(Redirect::to(&format!("/signals/drafts/{id}#{anchor}")).into_response());
    }
    let mut errors = match signal::validate(&draft, &state.today()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    for answered in draft.answers.keys() {
        if state.library.indicator(answered).is_none() {
            errors.push(FieldError {
                field: format!("answer.{answered}"),
                code: "indicator.unknown",
            });
        }
    }
    if !errors.is_empty() {
        let page_model = intake_page(&state, &auth, &id, revision, &draft, &errors);
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &page_model));
    }
    submit(&state, &auth, Some(&id), &draft).await?;
    Ok(Redirect::to(&format!("/signals/{id}")).into_response())
}

/// Validate-free submission of a draft already checked; returns the signal id.
pub async fn submit(
    state: &AppState,
    auth_scope: &Auth,
    id: Option<&str>,
    draft: &SignalDraft,
) -> AppResult<String> {
    submit_scoped(state, &auth_scope.scope, id, draft, &state.today()).await
}

pub async fn submit_scoped(
    state: &AppState,
    scope: &baken_store::Scope,
    id: Option<&str>,
    draft: &SignalDraft,
    today: &str,
) -> AppResult<String> {
    let prepared = prepare(state, draft, today)?;
    let submission = prepared.submission(draft);
    let now = state.now();
    let id = match id {
        Some(id) => {
            state
                .store
                .submit_signal(scope, id, &submission, now)
                .await?;
            id.to_string()
        }
        None => {
            state
                .store
                .create_submitted_signal(scope, &submission, now)
                .await?
        }
    };
    index_submitted(state, &id, &scope.org_id, draft);
    Ok(id)
}

/// Create a signal that is submitted at once (the JSON API): one transaction in the store,
/// and the signal as it was stored, so the answer needs no second read.
pub async fn submit_new(
    state: &AppState,
    scope: &baken_store::Scope,
    draft: &SignalDraft,
    today: &str,
) -> AppResult<SignalRecord> {
    let prepared = prepare(state, draft, today)?;
    let rec = state
        .store
        .record_submitted_signal(scope, &prepared.submission(draft), state.now())
        .await?;
    index_submitted(state, &rec.id, &scope.org_id, draft);
    Ok(rec)
}

/// What a submission stores beside the draft: the normalised fields, the reading and the
/// identifiers.
struct Prepared {
    fields: Vec<(String, String)>,
    reading_json: String,
    highest_level: &'static str,
    library_version: String,
    library_hash: String,
    identifiers: Vec<(usize, baken_domain::signal::Identifier)>,
}

impl Prepared {
    fn submission<'a>(&'a self, draft: &'a SignalDraft) -> Submission<'a> {
        Submission {
            fields: &self.fields,
            context: &draft.context,
            urgency: if draft.acute {
                "acute"
            } else if draft.urgency.is_empty() {
                "normal"
            } else {
                &draft.urgency
            },
            acute: draft.acute,
            reading_json: &self.reading_json,
            highest_level: self.highest_level,
            library_version: &self.library_version,
            library_hash: &self.library_hash,
            identifiers: &self.identifiers,
        }
    }
}

fn prepare(state: &AppState, draft: &SignalDraft, today: &str) -> AppResult<Prepared> {
    let valid =
        signal::validate(draft, today).map_err(|_| AppError::BadRequest("error-bad-form"))?;
    // The stored reading is made in Dutch, the record language; it keeps the library stamp.
    let input = input_of(&state.library, draft, "nl");
    let reading = state
        .library
        .assess(&input)
        .map_err(|e| AppError::Internal(format!("assessment: {e:?}")))?;
    let reading_json = serde_json::to_string(&serde_json::json!({
        "input": input,
        "reading": reading,
    }))
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Prepared {
        fields: draft.to_fields(),
        reading_json,
        highest_level: reading.highest_level.as_str(),
        library_version: reading.library.version.clone(),
        library_hash: reading.library.content_hash.clone(),
        identifiers: valid.identifiers,
    })
}

/// Matched at once: from now on other signals can find this one.
fn index_submitted(state: &AppState, id: &str, org_id: &str, draft: &SignalDraft) {
    if let Ok(mut index) = state.links.write() {
        index.insert(id, org_id, draft);
    }
}

pub struct AlsoSeen {
    pub id: String,
    pub date: String,
    pub context: String,
    pub percent: String,
    pub reasons: Vec<String>,
    pub decision: Option<String>,
    pub decision_label: String,
}

fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// Other signals of the reader's organisation that resemble this one, that the reader
/// may see, with the reasons and any decision already taken.
async fn also_seen(
    state: &AppState,
    auth: &Auth,
    rec: &SignalRecord,
    draft: &SignalDraft,
) -> AppResult<Vec<AlsoSeen>> {
    let t = &auth.ctx.tr;
    let found = match state.links.read() {
        Ok(index) => index.also_seen(&rec.id, &rec.org_id, draft),
        Err(_) => Vec::new(),
    };
    let decisions = state.store.link_decisions(&auth.scope, &rec.id).await?;
    let mut out = Vec::new();
    for r in found {
        // Only what this reader may open (their own signals, or all as a case reader).
        let other = match state
            .store
            .signal(&auth.scope, &r.signal_id, state.now())
            .await
        {
            Ok(o) => o,
            Err(baken_store::StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        let decision = decisions
            .iter()
            .find(|(o, _)| *o == other.id)
            .map(|(_, d)| d.clone());
        let reasons = r
            .explanation
            .parts
            .iter()
            .filter(|p| p.level > 0 && p.bits + p.tf_bits > 0.0)
            .map(|p| {
                format!(
                    "{}: {} ({} ~ {}), {:+.1} bits",
                    t.t(&format!("cmp-{}", kebab(&format!("{:?}", p.comparison)))),
                    p.level_code.replace('_', " "),
                    p.left,
                    p.right,
                    p.bits + p.tf_bits
                )
            })
            .collect();
        out.push(AlsoSeen {
            date: date_of(other.submitted_at.unwrap_or(other.created_at)),
            context: context_name(state, t, &other.context),
            percent: format!("{:.0}%", r.explanation.probability * 100.0),
            reasons,
            decision_label: decision
                .as_deref()
                .map(|d| t.t(&format!("link-{d}")))
                .unwrap_or_default(),
            decision,
            id: other.id,
        });
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    other: String,
    #[serde(default)]
    decision: String,
}

/// An analyst confirms or rejects a suggested link, or undoes the decision.
pub async fn decide_link(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<LinkForm>,
) -> AppResult<Response> {
    let decision = match form.decision.as_str() {
        "confirmed" | "rejected" => Some(form.decision.as_str()),
        "undo" => None,
        _ => return Err(AppError::BadRequest("error-bad-form")),
    };
    state
        .store
        .decide_link(&auth.scope, &id, &form.other, decision, state.now())
        .await?;
    Ok(Redirect::to(&format!("/signals/{id}#also-seen")).into_response())
}

/// htmx: save the draft as typed and answer with the reading panel.
pub async fn draft_reading(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let now = state.now();
    let rec = state.store.own_draft(&auth.scope, &id, now).await?;
    let draft = posted_draft(&rec, &fields);
    let from_revision = fields
        .iter()
        .find(|(k, _)| k == "rev")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or(rec.revision);
    // A background save: it only applies to the revision the page was showing, so a
    // late one never overwrites a newer save made by a button.
    let revision = state
        .store
        .save_draft(
            &auth.scope,
            &id,
            &draft.to_fields(),
            &draft.context,
            Some(from_revision),
            now,
        )
        .await?;
    let partial = ReadingPartial {
        reading: read_draft(&state.library, &draft, &auth.ctx.tr),
        t: auth.ctx.tr.clone(),
        saved: revision.is_some(),
        revision,
    };
    Ok(Html(partial.render()?).into_response())
}

fn row(state: &AppState, t: &Tr, r: &SignalRecord, draft_link: bool) -> SignalRow {
    let status_key = if r.status == "draft" {
        "draft".to_string()
    } else {
        r.status.replace('_', "-")
    };
    SignalRow {
        href: if draft_link && r.status == "draft" {
            format!("/signals/drafts/{}", r.id)
        } else {
            format!("/signals/{}", r.id)
        },
        id: r.id.clone(),
        context: context_name(state, t, &r.context),
        status: t.t(&format!("status-{status_key}")),
        status_key,
        date: date_of(r.submitted_at.unwrap_or(r.created_at)),
        level: r
            .highest_level
            .as_deref()
            .map(|l| t.t(&format!("level-{l}")))
            .unwrap_or_default(),
        urgency: t.t(&format!("urgency-{}", r.urgency)),
        acute: r.acute,
    }
}

/// "My signals": what happened to each, without showing what the worker may not see.
pub async fn mine(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let rows = state
        .store
        .own_signals(&auth.scope)
        .await?
        .iter()
        .map(|r| row(&state, t, r, true))
        .collect();
    Ok(page(
        StatusCode::OK,
        &SignalListPage {
            heading: t.t("mine-title"),
            intro: t.t("mine-intro"),
            rows,
            show_new: auth.can(Permission::RecordSignals),
            c: Chrome::app(&auth, "mine-title", "/signals"),
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let lang = t.code();
    let rec = state.store.signal(&auth.scope, &id, state.now()).await?;
    let draft = draft_of(&rec);
    let answers = draft
        .answers
        .iter()
        .map(|(id, a)| Pair {
            label: state
                .library
                .indicator(id)
                .map(|i| i.label.get(lang).to_string())
                .unwrap_or_else(|| id.clone()),
            value: t.t(&format!("answer-{a}")),
        })
        .collect();
    let entities = draft
        .entities
        .iter()
        .map(|e| EntityShow {
            kind_label: t.t(&format!("entity-{}", e.kind.replace('_', "-"))),
            // In the form's order, not alphabetical.
            pairs: entity_fields(&e.kind)
                .unwrap_or(&[])
                .iter()
                .map(|k| (k.to_string(), e.get(k).to_string()))
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| Pair {
                    label: t.t(&format!("field-{}", k.replace('_', "-"))),
                    value: if k == "role" {
                        t.t(&format!("role-person-{}", v.replace('_', "-")))
                    } else {
                        v.clone()
                    },
                })
                .collect(),
        })
        .collect();
    // The reading is shown as it was made (stored library stamp), re-explained in the
    // reader's language only when the library is the same version.
    let same_library = rec.library_hash.as_deref() == Some(state.library.content_hash.as_str());
    let reading = same_library.then(|| read_draft(&state.library, &draft, t));
    let can_triage = auth.can(Permission::ReadCases);
    let also_seen = also_seen(&state, &auth, &rec, &draft).await?;
    // Triage controls, for case readers only.
    let (readers, dossiers, conf_levels) = if can_triage {
        let readers = state
            .store
            .case_readers(&auth.scope)
            .await?
            .into_iter()
            .map(|(id, name)| Choice {
                selected: rec.assignee_id.as_deref() == Some(id.as_str()),
                value: id,
                label: name,
            })
            .collect();
        let dossiers = state
            .store
            .dossiers(&auth.scope, state.now())
            .await?
            .into_iter()
            .filter(|d| d.status != "closed")
            .map(|d| Choice {
                value: d.id,
                label: d.title,
                selected: false,
            })
            .collect();
        let clearance = state.store.clearance(&auth.user.id).await?;
        let levels = baken_domain::dossier::CONFIDENTIALITY
            .iter()
            .enumerate()
            .take(clearance.clamp(1, 8) as usize)
            .map(|(i, code)| Choice {
                value: (i + 1).to_string(),
                label: t.t(&format!("conf-{}", code.replace('_', "-"))),
                selected: i + 1 == 4.min(clearance as usize),
            })
            .collect();
        (readers, dossiers, levels)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(page(
        StatusCode::OK,
        &SignalPage {
            c: Chrome::app(&auth, "signal-title", "/signals"),
            id: rec.id.clone(),
            just_sent: rec.author_id == auth.user.id && rec.status == "received",
            status_label: t.t(&format!("status-{}", rec.status.replace('_', "-"))),
            status: rec.status.clone(),
            context_name: context_name(&state, t, &rec.context),
            urgency: t.t(&format!("urgency-{}", rec.urgency)),
            acute: rec.acute,
            observation: draft.observation.clone(),
            observed_on: draft.observed_on.clone(),
            place: draft.place.clone(),
            answers,
            entities,
            reading,
            library: format!(
                "{} ({})",
                rec.library_version.clone().unwrap_or_default(),
                rec.library_hash
                    .as_deref()
                    .map(|h| &h[..h.len().min(12)])
                    .unwrap_or("")
            ),
            can_triage,
            statuses: choices(baken_store::SIGNAL_STATUSES, &rec.status, t, "status-"),
            also_seen,
            readers,
            dossiers,
            conf_levels,
            dossier_id: rec.dossier_id.clone().filter(|_| can_triage),
            closed_reason: rec.closed_reason.clone().filter(|_| can_triage),
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    state
        .store
        .set_signal_status(&auth.scope, &id, &form.status, state.now())
        .await?;
    Ok(Redirect::to(&format!("/signals/{id}")).into_response())
}

/// The "learn more" card of an indicator: what to look for and what to ask.
pub async fn indicator_card(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let lang = t.code();
    let ind = state.library.indicator(&id).ok_or(AppError::NotFound)?;
    let card = IndicatorCardPage {
        label: ind.label.get(lang).to_string(),
        look_for: ind.look_for.get(lang).to_string(),
        questions: ind
            .questions
            .iter()
            .map(|q| q.get(lang).to_string())
            .collect(),
        stage: state
            .library
            .stages
            .iter()
            .find(|s| s.id == ind.stage)
            .map(|s| s.name.get(lang).to_string())
            .unwrap_or_default(),
        phenomena: ind
            .phenomena
            .iter()
            .map(|p| {
                let name = state
                    .library
                    .phenomenon(&p.phenomenon)
                    .map(|x| x.name.get(lang).to_string())
                    .unwrap_or_else(|| p.phenomenon.clone());
                format!(
                    "{name} ({})",
                    t.t(&format!("strength-{}", p.strength.as_str()))
                )
            })
            .collect(),
        c: Chrome::app(&auth, "card-title", "/signals"),
    };
    Ok(page(StatusCode::OK, &card))
}

#[derive(Template)]
#[template(path = "indicator_card.html")]
pub struct IndicatorCardPage {
    pub c: Chrome,
    pub label: String,
    pub look_for: String,
    pub questions: Vec<String>,
    pub stage: String,
    pub phenomena: Vec<String>,
}
