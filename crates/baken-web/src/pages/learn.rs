//! The learning platform: short lessons per audience, practice cases compared with the
//! assessment engine, and the organisation's training progress for coordinators and
//! trainers. Lessons are Markdown; raw HTML in them is shown as text, never rendered.

use std::sync::OnceLock;

use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::{date_of, page, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_indicators::{Indicator, Library};
use baken_learn::{Action, Content, Verdict};
use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd, TextMergeStream};

/// The shipped learning content, loaded once.
fn content() -> &'static Content {
    static CONTENT: OnceLock<Content> = OnceLock::new();
    CONTENT.get_or_init(|| {
        let (content, problems) = baken_learn::embedded();
        for p in &problems {
            tracing::warn!(place = %p.place, message = %p.message, "learning content");
        }
        content
    })
}

/// A practice case by id: a shipped one, or (`org-…`) one the caller's organisation
/// published from practice (another organisation's is `NotFound`).
async fn find_case(state: &AppState, auth: &Auth, id: &str) -> AppResult<baken_learn::Case> {
    if id.starts_with(super::learn_drafts::ORG_CASE_PREFIX) {
        return super::learn_drafts::org_cases(state, auth)
            .await?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or(AppError::NotFound);
    }
    content().case(id).cloned().ok_or(AppError::NotFound)
}

/// Escape text for HTML element content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Only plain ids are turned into links; anything else stays as typed.
fn plain_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The HTML for one `[[…]]` reference, or `None` to leave the text as it is.
fn reference(lib: &Library, lang: &str, inner: &str) -> Option<String> {
    if let Some(case_id) = inner.strip_prefix("case:") {
        let case = content().case(case_id)?;
        return Some(format!(
            "<a class=\"utrecht-link\" id=\"lesson-case\" href=\"/learn/cases/{}\">{}</a>",
            escape(&case.id),
            escape(case.title.get(lang))
        ));
    }
    if !plain_id(inner) {
        return None;
    }
    if let Some(ind) = lib.indicator(inner) {
        return Some(format!(
            "<a class=\"utrecht-link\" href=\"/indicators/{}\">{}</a>",
            escape(&ind.id),
            escape(ind.label.get(lang))
        ));
    }
    let barrier = lib.barriers.iter().find(|b| b.id == inner)?;
    Some(format!("<em>{}</em>", escape(barrier.name.get(lang))))
}

/// Text with `[[…]]` references replaced: plain text escaped, references as our own HTML.
fn expand(lib: &Library, lang: &str, text: &str) -> Option<String> {
    if !text.contains("[[") {
        return None;
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("[[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("]]") else {
            break;
        };
        out.push_str(&escape(&rest[..start]));
        match reference(lib, lang, &after[..end]) {
            Some(html) => out.push_str(&html),
            None => out.push_str(&escape(&rest[start..start + 2 + end + 2])),
        }
        rest = &after[end + 2..];
    }
    out.push_str(&escape(rest));
    Some(out)
}

/// Render a lesson: Markdown to HTML, raw HTML shown as text, references as links.
pub fn render_lesson(lib: &Library, lang: &str, markdown: &str) -> String {
    let events = TextMergeStream::new(Parser::new(markdown)).map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) => match expand(lib, lang, &h) {
            Some(html) => Event::InlineHtml(CowStr::from(html)),
            None => Event::Text(h),
        },
        Event::Text(t) => match expand(lib, lang, &t) {
            Some(html) => Event::InlineHtml(CowStr::from(html)),
            None => Event::Text(t),
        },
        // NL Design System classes on headings, paragraphs and lists.
        Event::Start(Tag::Heading { level, .. }) => {
            let n = level as u8;
            Event::InlineHtml(CowStr::from(format!(
                "<h{n} class=\"utrecht-heading-{n}\">"
            )))
        }
        Event::End(TagEnd::Heading(level)) => {
            Event::InlineHtml(CowStr::from(format!("</h{}>\n", level as u8)))
        }
        Event::Start(Tag::Paragraph) => {
            Event::InlineHtml(CowStr::from("<p class=\"utrecht-paragraph\">"))
        }
        Event::End(TagEnd::Paragraph) => Event::InlineHtml(CowStr::from("</p>\n")),
        Event::Start(Tag::List(None)) => {
            Event::InlineHtml(CowStr::from("<ul class=\"utrecht-unordered-list\">\n"))
        }
        Event::End(TagEnd::List(false)) => Event::InlineHtml(CowStr::from("</ul>\n")),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

pub struct ModuleRow {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub completed_on: Option<String>,
}

pub struct CaseRow {
    pub id: String,
    pub title: String,
    pub completed_on: Option<String>,
}

#[derive(Template)]
#[template(path = "learn.html")]
pub struct LearnPage {
    pub c: Chrome,
    pub modules: Vec<ModuleRow>,
    pub cases: Vec<CaseRow>,
    /// The organisation's own practice cases, made from closed dossiers.
    pub org_cases: Vec<CaseRow>,
    pub can_progress: bool,
    /// Coordinators and trainers see the drafts of practice cases.
    pub can_drafts: bool,
}

/// `/learn`: the modules (completed ones with their date) and the practice cases.
pub async fn index(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let lang = auth.ctx.tr.code();
    let mine = state.store.my_learning(&auth.scope).await?;
    // Newest first: the first match is the latest completion.
    let done = |kind: &str, id: &str| {
        mine.iter()
            .find(|r| r.kind == kind && r.item_id == id)
            .map(|r| r.completed_on.clone())
    };
    let c = content();
    let modules = c
        .modules
        .iter()
        .map(|m| ModuleRow {
            id: m.id.clone(),
            title: m.title.get(lang).to_string(),
            summary: m.summary.get(lang).to_string(),
            completed_on: done("module", &m.id),
        })
        .collect();
    let case_row = |k: &baken_learn::Case| CaseRow {
        id: k.id.clone(),
        title: k.title.get(lang).to_string(),
        completed_on: done("case", &k.id),
    };
    let cases = c.cases.iter().map(case_row).collect();
    let org_cases = super::learn_drafts::org_cases(&state, &auth)
        .await?
        .iter()
        .map(case_row)
        .collect();
    Ok(page(
        StatusCode::OK,
        &LearnPage {
            modules,
            cases,
            org_cases,
            can_progress: auth.can(baken_domain::Permission::ReadTrainingProgress),
            can_drafts: auth.scope.roles.contains(&baken_domain::Role::Coordinator)
                || auth.can(baken_domain::Permission::ManageLearning),
            c: Chrome::app(&auth, "learn-title", "/learn"),
        },
    ))
}

#[derive(Template)]
#[template(path = "learn_module.html")]
pub struct ModulePage {
    pub c: Chrome,
    pub id: String,
    pub lesson: String,
    pub case_id: String,
    pub case_title: String,
}

/// `/learn/modules/{id}`: the lesson, rendered.
pub async fn module(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let lang = auth.ctx.tr.code();
    let m = content().module(&id).ok_or(AppError::NotFound)?;
    let mut c = Chrome::app(&auth, "learn-title", "/learn");
    c.title = m.title.get(lang).to_string();
    Ok(page(
        StatusCode::OK,
        &ModulePage {
            id: m.id.clone(),
            lesson: render_lesson(&state.library, lang, m.lesson(lang)),
            case_id: m.case.clone(),
            case_title: content()
                .case(&m.case)
                .map(|k| k.title.get(lang).to_string())
                .unwrap_or_default(),
            c,
        },
    ))
}

/// `POST /learn/modules/{id}/complete`: record the completion, back to `/learn`.
pub async fn complete_module(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let m = content().module(&id).ok_or(AppError::NotFound)?;
    let now = state.now();
    state
        .store
        .record_learning(&auth.scope, "module", &m.id, &date_of(now), 100, now)
        .await?;
    Ok(Redirect::to("/learn").into_response())
}

/// `/learn/modules/{id}/certificate.pdf`: proof that the caller completed the module
/// (name, module, date of the first completion, organisation). `NotFound` until then.
pub async fn certificate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let lang = t.code();
    let m = content().module(&id).ok_or(AppError::NotFound)?;
    let mine = state.store.my_learning(&auth.scope).await?;
    // Newest first: the last match is the first completion.
    let done = mine
        .iter()
        .rfind(|r| r.kind == "module" && r.item_id == m.id)
        .ok_or(AppError::NotFound)?;
    let org = state
        .store
        .org_in_scope(&auth.scope, &auth.scope.org_id)
        .await?;
    let pdf = crate::pdf::PdfDocument::new(&t.t("learn-certificate-title"))
        .language(lang)
        .heading(&done.learner)
        .paragraph(&t.t("learn-certificate-text"))
        .field(&t.t("learn-certificate-module"), m.title.get(lang))
        .field(&t.t("learn-certificate-learner"), &done.learner)
        .field(&t.t("learn-certificate-date"), &done.completed_on)
        .field(&t.t("learn-certificate-org"), &org.name)
        .finish();
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"certificate-{}.pdf\"", m.id),
            ),
        ],
        pdf,
    )
        .into_response())
}

pub struct Tick {
    pub id: String,
    pub label: String,
    pub look_for: String,
}

pub struct TickGroup {
    pub name: String,
    pub indicators: Vec<Tick>,
}

pub struct ActionChoice {
    pub value: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "learn_case.html")]
pub struct CasePage {
    pub c: Chrome,
    pub id: String,
    pub title: String,
    pub scenario: String,
    pub groups: Vec<TickGroup>,
    pub actions: Vec<ActionChoice>,
}

/// The indicators a learner can tick for a case: its context's, by stage, plus any
/// expected indicator the context does not list (so the right answer is always possible).
fn tick_groups(lib: &Library, lang: &str, case: &baken_learn::Case) -> Vec<TickGroup> {
    let mut groups = lib.indicators_for_context(&case.context);
    let listed = |id: &str, g: &[(&baken_indicators::Stage, Vec<&Indicator>)]| {
        g.iter().any(|(_, l)| l.iter().any(|i| i.id == id))
    };
    for id in &case.indicators {
        if listed(id, &groups) {
            continue;
        }
        let Some(ind) = lib.indicator(id) else {
            continue;
        };
        if let Some((_, list)) = groups.iter_mut().find(|(s, _)| s.id == ind.stage) {
            list.push(ind);
        } else if let Some(stage) = lib.stages.iter().find(|s| s.id == ind.stage) {
            groups.push((stage, vec![ind]));
        }
    }
    groups.sort_by_key(|(s, _)| s.order);
    groups
        .into_iter()
        .map(|(stage, list)| TickGroup {
            name: stage.name.get(lang).to_string(),
            indicators: list
                .into_iter()
                .map(|i| Tick {
                    id: i.id.clone(),
                    label: i.label.get(lang).to_string(),
                    look_for: i.look_for.get(lang).to_string(),
                })
                .collect(),
        })
        .collect()
}

/// `/learn/cases/{id}`: the scenario, the indicators to tick, the action to choose.
pub async fn case(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let lang = t.code();
    let k = &find_case(&state, &auth, &id).await?;
    let mut c = Chrome::app(&auth, "learn-case-title", "/learn");
    c.title = k.title.get(lang).to_string();
    Ok(page(
        StatusCode::OK,
        &CasePage {
            id: k.id.clone(),
            title: k.title.get(lang).to_string(),
            scenario: k.scenario.get(lang).to_string(),
            groups: tick_groups(&state.library, lang, k),
            actions: Action::ALL
                .into_iter()
                .map(|a| ActionChoice {
                    value: a.as_str(),
                    label: t.t(&format!("learn-action-{}", a.as_str().replace('_', "-"))),
                })
                .collect(),
            c,
        },
    ))
}

pub struct DiffRow {
    pub id: String,
    pub verdict: &'static str,
    pub verdict_label: String,
    pub label: String,
    pub look_for: String,
}

#[derive(Template)]
#[template(path = "learn_result.html")]
pub struct ResultPage {
    pub c: Chrome,
    pub id: String,
    pub title: String,
    pub score: u32,
    pub items: Vec<DiffRow>,
    pub learner_level: String,
    pub learner_phenomena: String,
    pub expected_level: String,
    pub expected_phenomena: String,
    pub learner_action: String,
    pub expected_action: String,
    pub action_agreed: bool,
}

/// A recorded answer: "action|indicator,indicator".
fn encode_answer(action: Action, ticked: &[String]) -> String {
    format!("{}|{}", action.as_str(), ticked.join(","))
}

fn decode_answer(answer: &str) -> Option<(Action, Vec<String>)> {
    let (action, ticked) = answer.split_once('|')?;
    let ticked = ticked
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some((Action::parse(action)?, ticked))
}

fn compare_answer(
    lib: &Library,
    case: &baken_learn::Case,
    ticked: &[String],
    action: Action,
    lang: &str,
) -> AppResult<baken_learn::Comparison> {
    baken_learn::compare(lib, case, ticked, action, lang)
        .map_err(|e| AppError::Internal(format!("compare: {e:?}")))
}

/// `POST /learn/cases/{id}`: compare the learner's answer, record it, and send the
/// browser on to the result page (post/redirect/get: a reload records nothing twice).
pub async fn answer_case(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let k = &find_case(&state, &auth, &id).await?;
    let lib = &state.library;
    let ticked: Vec<String> = fields
        .iter()
        .filter(|(name, v)| name == "indicator" && lib.indicator(v).is_some())
        .map(|(_, v)| v.clone())
        .collect();
    let action = Action::parse(super::form_value(&fields, "action"))
        .ok_or(AppError::BadRequest("error-bad-form"))?;
    let cmp = compare_answer(lib, k, &ticked, action, auth.ctx.tr.code())?;
    let now = state.now();
    state
        .store
        .record_case_attempt(
            &auth.scope,
            &k.id,
            &date_of(now),
            i64::from(cmp.score),
            &encode_answer(action, &ticked),
            now,
        )
        .await?;
    Ok(Redirect::to(&format!("/learn/cases/{}/result", k.id)).into_response())
}

/// `/learn/cases/{id}/result`: the caller's latest answer to the case, compared with
/// the expected one, every difference explained. `NotFound` before a first answer.
pub async fn case_result(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let lang = t.code();
    let k = &find_case(&state, &auth, &id).await?;
    let lib = &state.library;
    let attempt = state.store.latest_case_attempt(&auth.scope, &k.id).await?;
    let (action, ticked) = decode_answer(&attempt.answer).ok_or(AppError::NotFound)?;
    let cmp = compare_answer(lib, k, &ticked, action, lang)?;
    let phenomena = |ids: &[String]| {
        ids.iter()
            .map(|p| {
                lib.phenomenon(p)
                    .map_or_else(|| p.clone(), |x| x.name.get(lang).to_string())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let level = |l: baken_indicators::Level| t.t(&format!("level-{}", l.as_str()));
    let action_label = |a: Action| t.t(&format!("learn-action-{}", a.as_str().replace('_', "-")));
    let mut c = Chrome::app(&auth, "learn-result-title", "/learn");
    c.title = format!("{} – {}", t.t("learn-result-title"), k.title.get(lang));
    Ok(page(
        StatusCode::OK,
        &ResultPage {
            id: k.id.clone(),
            title: k.title.get(lang).to_string(),
            score: cmp.score,
            items: cmp
                .items
                .iter()
                .map(|i| DiffRow {
                    id: i.indicator.clone(),
                    verdict: i.verdict.as_str(),
                    verdict_label: t.t(&format!("learn-verdict-{}", i.verdict.as_str())),
                    label: i.label.clone(),
                    look_for: if i.verdict == Verdict::Agreed {
                        String::new()
                    } else {
                        i.look_for.clone()
                    },
                })
                .collect(),
            learner_level: level(cmp.learner_level),
            learner_phenomena: phenomena(&cmp.learner_phenomena),
            expected_level: level(cmp.expected_level),
            expected_phenomena: phenomena(&cmp.expected_phenomena),
            learner_action: action_label(cmp.learner_action),
            expected_action: action_label(cmp.expected_action),
            action_agreed: cmp.action_agreed(),
            c,
        },
    ))
}

pub struct ProgressItem {
    pub kind: String,
    pub title: String,
    pub date: String,
    pub score: i64,
}

pub struct Learner {
    pub name: String,
    pub items: Vec<ProgressItem>,
}

#[derive(Template)]
#[template(path = "learn_progress.html")]
pub struct ProgressPage {
    pub c: Chrome,
    pub learners: Vec<Learner>,
}

fn item_title(kind: &str, id: &str, lang: &str, org_cases: &[baken_learn::Case]) -> String {
    let c = content();
    let title = if kind == "module" {
        c.module(id).map(|m| m.title.get(lang).to_string())
    } else {
        c.case(id)
            .or_else(|| org_cases.iter().find(|k| k.id == id))
            .map(|k| k.title.get(lang).to_string())
    };
    title.unwrap_or_else(|| id.to_string())
}

/// `/learn/progress`: who in the organisation completed what (coordinators, trainers).
pub async fn progress(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let lang = t.code();
    let records = state
        .store
        .learning_overview(&auth.scope, state.now())
        .await?;
    let org_cases = super::learn_drafts::org_cases(&state, &auth).await?;
    let mut learners: Vec<(String, Learner)> = Vec::new();
    for r in &records {
        let item = ProgressItem {
            kind: t.t(&format!("learn-kind-{}", r.kind)),
            title: item_title(&r.kind, &r.item_id, lang, &org_cases),
            date: r.completed_on.clone(),
            score: r.score,
        };
        match learners.iter_mut().find(|(u, _)| *u == r.user_id) {
            Some((_, l)) => l.items.push(item),
            None => learners.push((
                r.user_id.clone(),
                Learner {
                    name: r.learner.clone(),
                    items: vec![item],
                },
            )),
        }
    }
    Ok(page(
        StatusCode::OK,
        &ProgressPage {
            learners: learners.into_iter().map(|(_, l)| l).collect(),
            c: Chrome::app(&auth, "learn-progress", "/learn"),
        },
    ))
}

/// A CSV field, quoted; a leading formula character is neutralised for spreadsheets.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `/learn/progress.csv`: the same overview as a spreadsheet.
pub async fn progress_csv(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let lang = auth.ctx.tr.code();
    let records = state
        .store
        .learning_overview(&auth.scope, state.now())
        .await?;
    let org_cases = super::learn_drafts::org_cases(&state, &auth).await?;
    let mut out = String::from("learner,kind,item,title,completed_on,score\r\n");
    for r in &records {
        out.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            csv_field(&r.learner),
            csv_field(&r.kind),
            csv_field(&r.item_id),
            csv_field(&item_title(&r.kind, &r.item_id, lang, &org_cases)),
            csv_field(&r.completed_on),
            r.score
        ));
    }
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"training-progress.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib() -> Library {
        baken_indicators::embedded().unwrap()
    }

    #[test]
    fn raw_html_in_a_lesson_is_text() {
        let html = render_lesson(
            &lib(),
            "en",
            "Hello <script>alert(1)</script>\n\n<div onclick=\"x\">hi</div>\n",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn references_become_links_and_names() {
        let lib = lib();
        let ind = &lib.indicators[0];
        let bar = &lib.barriers[0];
        let md = format!(
            "See [[{}]] and [[{}]].\n\n[[case:{}]]\n\n[[<b>x</b>]]",
            ind.id,
            bar.id,
            content().cases[0].id
        );
        let html = render_lesson(&lib, "en", &md);
        assert!(
            html.contains(&format!("href=\"/indicators/{}\"", ind.id)),
            "{html}"
        );
        assert!(html.contains(&escape(bar.name.get("en"))), "{html}");
        assert!(
            html.contains(&format!("href=\"/learn/cases/{}\"", content().cases[0].id)),
            "{html}"
        );
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn lessons_carry_design_system_classes() {
        let html = render_lesson(&lib(), "en", "# Title\n\nText.\n\n- a\n- b\n");
        assert!(
            html.contains("<h1 class=\"utrecht-heading-1\">Title</h1>"),
            "{html}"
        );
        assert!(
            html.contains("<p class=\"utrecht-paragraph\">Text.</p>"),
            "{html}"
        );
        assert!(
            html.contains("<ul class=\"utrecht-unordered-list\">"),
            "{html}"
        );
        assert!(html.contains("<li>a</li>"), "{html}");
    }

    #[test]
    fn every_shipped_lesson_renders_without_leftover_references() {
        let lib = lib();
        for m in &content().modules {
            for lang in baken_learn::LANGUAGES {
                let html = render_lesson(&lib, lang, m.lesson(lang));
                assert!(!html.contains("[["), "{} {lang}: {html}", m.id);
            }
        }
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=1+1"), "\"'=1+1\"");
    }
}
