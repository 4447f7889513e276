//! Lessons from practice: a coordinator turns a closed dossier into a practice-case draft
//! with one action; a trainer of the organisation reviews and publishes it; published
//! drafts are played on `/learn` like the shipped cases (id `org-<draft id>`), by the
//! organisation only.
//!
//! The draft is made anonymised: the dossier's title and its signals' observations pass
//! through `baken_learn::privacy::anonymise`, and the people and things recorded on the
//! signals are replaced wherever they occur literally. The same checker
//! (`privacy::scan`) warns on the review page and refuses to publish while it finds
//! anything. The expected answer comes from the engine's reading of the indicators the
//! signals ticked, in the first signal's context.

use std::collections::BTreeMap;

use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::{page, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::Role;
use baken_indicators::{Level, Library, Subject, Text};
use baken_learn::privacy::{self, Kind};
use baken_learn::Action;
use baken_store::{CaseDraft, DraftEdit, NewCaseDraft, SignalRecord, StoreError, CASE_SUBJECTS};

use super::form_value;
use super::learn_share::{moderate, Warning};

/// Longest title and scenario a trainer may save (characters).
const MAX_TITLE: usize = 200;
const MAX_SCENARIO: usize = 10_000;

/// The id a published draft is played under on `/learn`.
pub(crate) const ORG_CASE_PREFIX: &str = "org-";

/// Which placeholder stands in for an entity field recorded on a signal (fields that
/// identify nobody on their own, such as a town or a house number, are left).
fn entity_kind(kind: &str, field: &str) -> Option<Kind> {
    match (kind, field) {
        ("person", "name") | ("organisation", "name") => Some(Kind::Name),
        ("person", "bsn") | ("person", "national_number") => Some(Kind::Bsn),
        ("address", "street") | ("address", "postcode") => Some(Kind::Address),
        ("vehicle", "plate") => Some(Kind::Plate),
        ("phone", "number") => Some(Kind::Phone),
        ("email", "address") => Some(Kind::Email),
        ("bank_account", "iban") => Some(Kind::Iban),
        _ => None,
    }
}

/// What a practice case takes from one of the dossier's signals.
pub(crate) struct SignalFacts<'a> {
    pub context: &'a str,
    pub acute: bool,
    pub draft: baken_domain::signal::SignalDraft,
}

impl<'a> SignalFacts<'a> {
    fn of(s: &'a SignalRecord) -> SignalFacts<'a> {
        SignalFacts {
            context: &s.context,
            acute: s.acute,
            draft: baken_domain::signal::SignalDraft::from_fields(&s.fields),
        }
    }
}

/// Replace `value` in `text` by `with` where it stands as a whole word.
fn replace_word(text: &str, value: &str, with: &str) -> String {
    // Case does not matter ("AHMED", "ahmed" and "Ahmed" are one name). Positions found
    // in the lower-cased text are used in the original, so only when lower-casing keeps
    // every byte where it was (true for the Latin scripts of NL/BE names); otherwise exact.
    let (lower, needle) = (text.to_lowercase(), value.to_lowercase());
    let same_shape = lower.len() == text.len() && needle.len() == value.len();
    let (hay, needle) = if same_shape {
        (lower.as_str(), needle.as_str())
    } else {
        (text, value)
    };
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(found) = hay[from..].find(needle) {
        let (at, end) = (from + found, from + found + needle.len());
        if !text.is_char_boundary(at) || !text.is_char_boundary(end) {
            break;
        }
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        out.push_str(&text[from..at]);
        if word(before) || word(after) {
            out.push_str(&text[at..end]);
        } else {
            out.push_str(with);
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

/// `text` without the people and things recorded on `signals`, then through the checker.
pub(crate) fn anonymise(text: &str, signals: &[SignalFacts<'_>]) -> String {
    let mut out = text.to_string();
    let mut known: Vec<(String, Kind)> = Vec::new();
    for s in signals {
        for e in &s.draft.entities {
            for (field, value) in &e.fields {
                let value = value.trim();
                if let Some(kind) = entity_kind(&e.kind, field) {
                    if value.chars().count() >= 2 {
                        known.push((value.to_string(), kind));
                    }
                }
                // Each part of a name on its own ("Jan" for "Jan de Vries") too.
                if kind_is_name(&e.kind, field) {
                    for part in value.split_whitespace() {
                        if part.chars().count() >= 3 && part.starts_with(char::is_uppercase) {
                            known.push((part.to_string(), Kind::Name));
                        }
                    }
                }
            }
        }
    }
    // Longest first, so "Jan de Vries" goes before "Jan".
    known.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
    for (value, kind) in &known {
        out = replace_word(&out, value, &privacy::placeholder(*kind));
    }
    privacy::anonymise(&out)
}

fn kind_is_name(kind: &str, field: &str) -> bool {
    kind == "person" && field == "name"
}

/// The engine's level and phenomena for `indicators` answered yes in `context`.
fn expected_reading(
    lib: &Library,
    subject: Subject,
    context: &str,
    indicators: &[String],
) -> (Level, Vec<String>) {
    let input = baken_learn::yes_input(subject, context, indicators, "en");
    lib.assess(&input)
        .map(|r| baken_learn::reading_summary(&r))
        .unwrap_or((Level::None, Vec::new()))
}

/// The case's context, indicators and expected action from the dossier's signals: the
/// first signal's context the library knows; the union of indicators answered yes (that
/// the library knows), in library order; call the police when a signal was marked acute,
/// otherwise nothing when the engine reads no level, else record a signal (as the
/// shipped cases do).
fn answer_of(lib: &Library, signals: &[SignalFacts<'_>]) -> Answer {
    let context = signals
        .iter()
        .map(|s| s.context)
        .find(|c| lib.contexts.iter().any(|x| x.id == *c))
        .or_else(|| lib.contexts.first().map(|c| c.id.as_str()))
        .unwrap_or_default()
        .to_string();
    let mut indicators: Vec<String> = Vec::new();
    for s in signals {
        for (id, answer) in &s.draft.answers {
            if answer == "yes" && lib.indicator(id).is_some() && !indicators.contains(id) {
                indicators.push(id.clone());
            }
        }
    }
    // In library order (by stage), as a trained observer would meet them.
    indicators.sort_by_key(|id| lib.indicators.iter().position(|i| i.id == *id));
    let subject = case_subject(signals);
    let (level, _) = expected_reading(lib, subject, &context, &indicators);
    let acute = if signals.iter().any(|s| s.acute) {
        Action::CallPolice
    } else {
        Action::RecordSignal
    };
    let action = expected_action(acute, level);
    Answer {
        context,
        indicators,
        action,
        subject,
    }
}

/// The action a case expects: calling the police stays (a signal was marked acute);
/// otherwise nothing when the engine reads no level, else recording a signal. Applied
/// again when a case is played or reviewed, so that a trainer who changes whom the case
/// is about changes the expected action with the reading.
fn expected_action(stored: Action, level: Level) -> Action {
    match (stored, level) {
        (Action::CallPolice, _) => Action::CallPolice,
        (_, Level::None) => Action::Nothing,
        _ => Action::RecordSignal,
    }
}

/// A stored draft's expected action for `level`.
fn stored_action(d: &CaseDraft, level: Level) -> Action {
    expected_action(
        Action::parse(&d.expected_action).unwrap_or(Action::RecordSignal),
        level,
    )
}

/// What a practice case drafted from a dossier expects of the learner.
#[derive(Debug, PartialEq)]
struct Answer {
    context: String,
    indicators: Vec<String>,
    action: Action,
    subject: Subject,
}

/// Whom the dossier's signals are about: a minor when any signal says so (the engine
/// reads indicators more strictly for minors, and a case must not teach otherwise),
/// else an adult when any says so, else unknown.
fn case_subject(signals: &[SignalFacts<'_>]) -> Subject {
    let said = |s: Subject| {
        signals
            .iter()
            .any(|f| crate::reading::subject_of(&f.draft) == s)
    };
    if said(Subject::Minor) {
        Subject::Minor
    } else if said(Subject::Adult) {
        Subject::Adult
    } else {
        Subject::Unknown
    }
}

/// A stored draft's subject (drafts made before subjects were kept read as adults).
fn stored_subject(d: &CaseDraft) -> Subject {
    Subject::try_from(d.subject.clone()).unwrap_or(Subject::Adult)
}

/// A published draft as a practice case the learning pages can play and compare.
pub(crate) fn org_case(lib: &Library, d: &CaseDraft) -> baken_learn::Case {
    let text = |s: &str| {
        Text::new(
            baken_learn::LANGUAGES
                .iter()
                .map(|l| (l.to_string(), s.to_string()))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    let subject = stored_subject(d);
    let (level, phenomena) = expected_reading(lib, subject, &d.context, &d.indicators);
    baken_learn::Case {
        id: format!("{ORG_CASE_PREFIX}{}", d.id),
        context: d.context.clone(),
        subject,
        indicators: d.indicators.clone(),
        level,
        phenomena,
        action: stored_action(d, level),
        title: text(&d.title),
        scenario: text(&d.scenario),
        file: String::new(),
    }
}

/// The organisation's published practice cases, as cases.
pub(crate) async fn org_cases(state: &AppState, auth: &Auth) -> AppResult<Vec<baken_learn::Case>> {
    Ok(state
        .store
        .published_cases(&auth.scope)
        .await?
        .iter()
        .map(|d| org_case(&state.library, d))
        .collect())
}

/// `POST /dossiers/{id}/practice-case`: draft a practice case from a closed dossier and
/// go to its review page. Not closed: the dossier page says so (422).
pub async fn from_dossier(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    // Only coordinators draft (the store decides too); nobody else even reads the dossier.
    if !auth.scope.roles.contains(&Role::Coordinator) {
        return Err(AppError::NotFound);
    }
    let now = state.now();
    let v = state.store.dossier_view(&auth.scope, &id, now).await?;
    if v.dossier.status != "closed" {
        return super::dossiers::dossier_page(
            &state,
            &auth,
            &id,
            Some("practice-error-not-closed"),
        )
        .await;
    }
    let observations: Vec<&str> = v
        .signals
        .iter()
        .map(|s| form_value(&s.fields, "observation").trim())
        .filter(|o| !o.is_empty())
        .collect();
    let facts: Vec<SignalFacts<'_>> = v.signals.iter().map(SignalFacts::of).collect();
    let title = anonymise(&v.dossier.title, &facts);
    let scenario = anonymise(&observations.join("\n\n"), &facts);
    let Answer {
        context,
        indicators,
        action,
        subject,
    } = answer_of(&state.library, &facts);
    match state
        .store
        .create_case_draft(
            &auth.scope,
            &id,
            &NewCaseDraft {
                title: &title,
                scenario: &scenario,
                context: &context,
                indicators: &indicators,
                expected_action: action.as_str(),
                subject: subject.as_str(),
            },
            now,
        )
        .await
    {
        Ok(draft) => Ok(Redirect::to(&format!("/learn/drafts/{draft}")).into_response()),
        Err(StoreError::Conflict(_)) => {
            super::dossiers::dossier_page(&state, &auth, &id, Some("practice-error-not-closed"))
                .await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct DraftRow {
    pub id: String,
    pub title: String,
    pub status: String,
    pub published: bool,
}

#[derive(Template)]
#[template(path = "learn_drafts.html")]
pub struct DraftsPage {
    pub c: Chrome,
    pub rows: Vec<DraftRow>,
}

fn status_label(auth: &Auth, status: &str) -> String {
    auth.ctx.tr.t(&format!("practice-status-{status}"))
}

/// `GET /learn/drafts`: the organisation's drafts and published cases, with their status.
pub async fn list(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let rows = state
        .store
        .case_drafts(&auth.scope, state.now())
        .await?
        .into_iter()
        .map(|d| DraftRow {
            status: status_label(&auth, &d.status),
            published: d.status == "published",
            title: d.title,
            id: d.id,
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        &DraftsPage {
            rows,
            c: Chrome::app(&auth, "practice-drafts-title", "/learn"),
        },
    ))
}

#[derive(Template)]
#[template(path = "learn_draft.html")]
pub struct DraftPage {
    pub c: Chrome,
    pub id: String,
    pub case_id: String,
    pub status: String,
    pub published: bool,
    pub can_edit: bool,
    pub title: String,
    pub scenario: String,
    pub context: String,
    /// Whom the case is about, translated.
    pub subject: String,
    /// The subject choices (value, label, selected) for a trainer.
    pub subjects: Vec<(&'static str, String, bool)>,
    pub indicators: Vec<String>,
    pub action: String,
    pub error: Option<String>,
    pub warnings: Vec<Warning>,
    /// Translation keys above and below the checker's findings: they hold back a
    /// publish, or are shown for review.
    pub warnings_title: &'static str,
    pub warnings_hint: &'static str,
}

/// What the personal-data checker finds in a draft's title and scenario.
fn findings(auth: &Auth, title: &str, scenario: &str) -> Vec<Warning> {
    moderate(
        auth,
        &[
            ("share-field-title", title),
            ("practice-field-scenario", scenario),
        ],
    )
}

/// The review page for `d`, with `title`, `scenario` and `subject` as typed (or as
/// stored); the expected action follows the subject.
fn draft_page(
    state: &AppState,
    auth: &Auth,
    d: &CaseDraft,
    typed: TypedDraft,
    error: Option<&str>,
) -> DraftPage {
    let TypedDraft {
        title,
        scenario,
        subject,
    } = typed;
    let subject = subject.unwrap_or_else(|| stored_subject(d));
    let t = &auth.ctx.tr;
    let lang = t.code();
    let lib = &state.library;
    let warnings = findings(auth, &title, &scenario);
    let mut c = Chrome::app(auth, "practice-draft-title", "/learn");
    c.title = format!("{} – {}", t.t("practice-draft-title"), d.title);
    DraftPage {
        id: d.id.clone(),
        case_id: format!("{ORG_CASE_PREFIX}{}", d.id),
        status: status_label(auth, &d.status),
        published: d.status == "published",
        can_edit: auth.can(baken_domain::Permission::ManageLearning),
        context: super::signals::context_name(state, t, &d.context),
        subject: t.t(&format!("subject-{}", subject.as_str())),
        subjects: CASE_SUBJECTS
            .iter()
            .map(|&v| (v, t.t(&format!("subject-{v}")), v == subject.as_str()))
            .collect(),
        indicators: d
            .indicators
            .iter()
            .map(|i| {
                lib.indicator(i)
                    .map_or_else(|| i.clone(), |x| format!("{i} {}", x.label.get(lang)))
            })
            .collect(),
        action: t.t(&format!(
            "learn-action-{}",
            stored_action(
                d,
                expected_reading(lib, subject, &d.context, &d.indicators).0
            )
            .as_str()
            .replace('_', "-")
        )),
        title,
        scenario,
        error: error.map(|k| t.t(k)),
        warnings,
        warnings_title: "practice-findings",
        warnings_hint: "practice-findings-hint",
        c,
    }
}

/// `GET /learn/drafts/{id}`: the draft with the checker's findings.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let d = state
        .store
        .case_draft(&auth.scope, &id, state.now())
        .await?;
    let stored = TypedDraft {
        title: d.title.clone(),
        scenario: d.scenario.clone(),
        subject: None,
    };
    let p = draft_page(&state, &auth, &d, stored, None);
    Ok(page(StatusCode::OK, &p))
}

/// The typed text, or the message for what is wrong with it. Browsers send a textarea's
/// line breaks as CRLF; the scenario is kept with plain `\n`, so that its blank lines
/// still separate the paragraphs the case page shows.
fn typed(fields: &[(String, String)]) -> (TypedDraft, Option<&'static str>) {
    let title = form_value(fields, "title").trim().to_string();
    let scenario = form_value(fields, "scenario")
        .replace("\r\n", "\n")
        .trim()
        .to_string();
    // No subject field (a form from before subjects could be chosen) keeps the stored one.
    let subject_field = form_value(fields, "subject");
    let subject = Subject::try_from(subject_field.to_string()).ok();
    let error = if title.is_empty() || scenario.is_empty() {
        Some("practice-error-text")
    } else if title.chars().count() > MAX_TITLE || scenario.chars().count() > MAX_SCENARIO {
        Some("share-error-too-long")
    } else if !subject_field.is_empty() && subject.is_none() {
        Some("practice-error-subject")
    } else {
        None
    };
    let typed = TypedDraft {
        title,
        scenario,
        subject,
    };
    (typed, error)
}

/// A draft's text and subject as the trainer typed and chose them.
struct TypedDraft {
    title: String,
    scenario: String,
    /// `None`: as stored.
    subject: Option<Subject>,
}

/// `POST /learn/drafts/{id}`: save the trainer's edit (findings stay shown as warnings).
pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    review(state, auth, id, fields, false).await
}

/// `POST /learn/drafts/{id}/publish`: publish when the checker finds nothing; otherwise
/// 422 with the text as typed and what was found.
pub async fn publish(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    review(state, auth, id, fields, true).await
}

async fn review(
    state: AppState,
    auth: Auth,
    id: String,
    fields: Vec<(String, String)>,
    publish: bool,
) -> AppResult<Response> {
    // Only trainers edit; anyone else learns nothing about the draft.
    if !auth.can(baken_domain::Permission::ManageLearning) {
        return Err(AppError::NotFound);
    }
    let (typed, error) = typed(&fields);
    let (title, scenario) = (&typed.title, &typed.scenario);
    // The store refuses to publish (or keep published) what the checker finds anything
    // in; a draft may be saved with findings. An accepted edit is the one audit record.
    // Refused: the message about the text, or none when held back by the findings.
    let refused = match error {
        Some(key) => Some(key),
        None => {
            let edit = DraftEdit {
                title,
                scenario,
                publish,
                findings: !findings(&auth, title, scenario).is_empty(),
                subject: typed.subject.map(|s| s.as_str()),
            };
            match state
                .store
                .review_case_draft(&auth.scope, &id, &edit, state.now())
                .await
            {
                Ok(()) if publish => {
                    let case = format!("/learn/cases/{ORG_CASE_PREFIX}{id}");
                    return Ok(Redirect::to(&case).into_response());
                }
                Ok(()) => return Ok(Redirect::to(&format!("/learn/drafts/{id}")).into_response()),
                Err(StoreError::Conflict("findings")) => None,
                Err(StoreError::Conflict("changed")) => Some("practice-error-changed"),
                Err(StoreError::Conflict("subject")) => Some("practice-error-subject"),
                Err(StoreError::Conflict(_)) => Some("practice-error-text"),
                Err(e) => return Err(e.into()),
            }
        }
    };
    // Refused: the review page again, with the text as typed and what is wrong with it
    // (a read of the draft, audited as one).
    let d = state
        .store
        .case_draft(&auth.scope, &id, state.now())
        .await?;
    let p = draft_page(&state, &auth, &d, typed, refused);
    let p = match refused {
        Some(_) => p,
        None => DraftPage {
            warnings_title: "practice-held-back",
            ..p
        },
    };
    Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal<'a>(context: &'a str, acute: bool, fields: &[(&str, &str)]) -> SignalFacts<'a> {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SignalFacts {
            context,
            acute,
            draft: baken_domain::signal::SignalDraft::from_fields(&fields),
        }
    }

    fn lib() -> Library {
        baken_indicators::embedded().unwrap()
    }

    #[test]
    fn recorded_people_and_things_are_replaced_then_checked() {
        let s = signal(
            "registration_desk",
            false,
            &[
                ("e0.kind", "person"),
                ("e0.name", "Ahmed"),
                ("e1.kind", "vehicle"),
                ("e1.plate", "XX-99-ZZ"),
            ],
        );
        // A single first name is no finding for the checker, but it was recorded.
        let out = anonymise(
            "Ahmed kwam met XX-99-ZZ; bel 0612345678.",
            std::slice::from_ref(&s),
        );
        assert_eq!(out, "[name] kwam met [plate]; bel [phone].");
    }

    #[test]
    fn the_expected_answer_follows_the_reading_and_acute_danger() {
        let lib = lib();
        let yes = [
            ("answer.IDR-27", "yes"),
            ("answer.IDR-02", "yes"),
            ("answer.IDR-25", "yes"),
            ("answer.IDR-01", "no"),
        ];
        let a = answer_of(
            &lib,
            &[
                signal("other", false, &[]),
                signal("registration_desk", false, &yes),
            ],
        );
        assert_eq!(a.context, "registration_desk");
        assert_eq!(a.indicators.len(), 3);
        assert_eq!(a.action, Action::RecordSignal);
        assert_eq!(a.subject, Subject::Unknown);
        let a = answer_of(&lib, &[signal("registration_desk", true, &yes)]);
        assert_eq!(a.action, Action::CallPolice);
        let Answer {
            indicators, action, ..
        } = answer_of(
            &lib,
            &[signal(
                "registration_desk",
                false,
                &[("answer.NOPE-1", "yes")],
            )],
        );
        assert!(indicators.is_empty());
        assert_eq!(action, Action::Nothing);
    }

    #[test]
    fn the_expected_action_follows_whom_the_case_is_about() {
        // IDR-13 alone reads as nothing for an adult, and as weak for a minor.
        let lib = lib();
        let draft = |subject: &str, action: &str| CaseDraft {
            context: "registration_desk".into(),
            indicators: vec!["IDR-13".into()],
            subject: subject.into(),
            expected_action: action.into(),
            ..CaseDraft::default()
        };
        let played = |d: &CaseDraft| {
            let case = org_case(&lib, d);
            (case.level, case.action)
        };
        assert_eq!(
            played(&draft("adult", "nothing")),
            (Level::None, Action::Nothing)
        );
        assert_eq!(
            played(&draft("minor", "nothing")),
            (Level::Weak, Action::RecordSignal)
        );
        // Back to an adult: nothing again. Acute danger stays a call to the police.
        assert_eq!(
            played(&draft("adult", "record_signal")),
            (Level::None, Action::Nothing)
        );
        assert_eq!(played(&draft("adult", "call_police")).1, Action::CallPolice);
    }

    #[test]
    fn a_chosen_subject_is_typed_and_a_wrong_one_refused() {
        let form = |subject: &str| {
            vec![
                ("title".to_string(), "T".to_string()),
                ("scenario".to_string(), "S".to_string()),
                ("subject".to_string(), subject.to_string()),
            ]
        };
        let (t, error) = typed(&form("minor"));
        assert_eq!((t.subject, error), (Some(Subject::Minor), None));
        let (t, error) = typed(&form("child"));
        assert_eq!((t.subject, error), (None, Some("practice-error-subject")));
    }

    #[test]
    fn a_case_about_a_minor_is_read_as_about_a_minor() {
        let lib = lib();
        let with = |subject: &'static str| {
            vec![
                ("subject", subject),
                ("answer.ENT-01", "yes"),
                ("answer.ENT-13", "yes"),
            ]
        };
        let adult = answer_of(&lib, &[signal("registration_desk", false, &with("adult"))]);
        assert_eq!(adult.subject, Subject::Adult);
        // One signal about a minor makes the case about a minor.
        let minor = answer_of(
            &lib,
            &[
                signal("registration_desk", false, &with("adult")),
                signal("registration_desk", false, &with("unknown")),
                signal("other", false, &with("minor")),
            ],
        );
        assert_eq!(minor.subject, Subject::Minor);
        assert_eq!(minor.indicators, adult.indicators);
        // The engine reads these indicators differently for a minor, so the case
        // must carry the subject to expect the right answer.
        let reading = |s| expected_reading(&lib, s, "registration_desk", &minor.indicators);
        assert_eq!(reading(Subject::Adult).0, Level::Weak);
        assert_eq!(reading(Subject::Minor).0, Level::Possible);
        let stored = CaseDraft {
            id: "x".into(),
            org_id: "o".into(),
            dossier_id: "d".into(),
            title: "T".into(),
            scenario: "S".into(),
            context: "registration_desk".into(),
            indicators: minor.indicators.clone(),
            expected_action: minor.action.as_str().into(),
            subject: "minor".into(),
            status: "published".into(),
            published_by: None,
        };
        let case = org_case(&lib, &stored);
        assert_eq!(case.subject, Subject::Minor);
        assert_eq!(case.level, reading(Subject::Minor).0);
        let old = CaseDraft {
            subject: "".into(),
            ..stored
        };
        assert_eq!(org_case(&lib, &old).subject, Subject::Adult);
    }

    #[test]
    fn typed_line_breaks_become_plain_newlines() {
        let fields = vec![
            ("title".to_string(), "T".to_string()),
            ("scenario".to_string(), "Een.\r\n\r\nTwee.\r\n".to_string()),
        ];
        let (typed, error) = typed(&fields);
        assert_eq!(typed.scenario, "Een.\n\nTwee.");
        assert_eq!(typed.subject, None);
        assert_eq!(error, None);
    }

    #[test]
    fn words_are_replaced_whole() {
        assert_eq!(
            replace_word("Jan zag Jans broer en Jan.", "Jan", "[name]"),
            "[name] zag Jans broer en [name]."
        );
        assert_eq!(
            replace_word("AHMED en ahmed, niet Ahmeds.", "Ahmed", "[name]"),
            "[name] en [name], niet Ahmeds."
        );
        assert_eq!(
            replace_word("Ünal zag ÜNAL", "ünal", "[name]"),
            "[name] zag [name]"
        );
    }
}
