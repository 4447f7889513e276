//! The knowledge-sharing space: experiences, questions with answers, trend bulletins
//! (regional centres only) and instruments, for the organisation or its region.
//!
//! Moderation: before a post is stored, `baken_learn::privacy::scan` reads its title,
//! text and link. Anything that looks like personal data holds the post back: the form
//! comes back with what was found and where, the text as typed, and a box to confirm
//! publishing anyway (recorded on the post and in the audit trail).

use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::{date_of, page, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_store::{NewPost, Post};

use super::form_value;

/// Longest title and text accepted (characters).
const MAX_TITLE: usize = 200;
const MAX_BODY: usize = 10_000;
const MAX_LINK: usize = 500;

/// The kinds an author picks in the form (answers are written under a question).
const FORM_KINDS: [&str; 4] = ["experience", "question", "instrument", "bulletin"];

pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

/// One thing the checker found: in which field, what it looks like, the text itself.
pub struct Warning {
    pub field: String,
    pub kind: String,
    pub excerpt: String,
}

/// What the author typed, kept when the post is held back.
#[derive(Default)]
pub struct Draft {
    pub kind: String,
    pub to_region: bool,
    pub title: String,
    pub body: String,
    pub link: String,
}

pub struct PostView {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: Vec<String>,
    pub link: String,
    pub org_name: String,
    pub author: String,
    pub by_trainer: bool,
    pub date: String,
    pub audience: String,
    pub overridden: bool,
}

fn kind_label(auth: &Auth, kind: &str) -> String {
    auth.ctx.tr.t(&format!("share-kind-{kind}"))
}

fn view(auth: &Auth, p: &Post) -> PostView {
    let t = &auth.ctx.tr;
    PostView {
        id: p.id.clone(),
        kind: kind_label(auth, &p.kind),
        title: p.title.clone(),
        body: p
            .body
            .split("\n\n")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        link: p.link.clone(),
        org_name: p.org_name.clone(),
        author: p.author.clone(),
        by_trainer: p.author_is_trainer,
        date: date_of(p.created_at),
        audience: t.t(if p.region_id.is_some() {
            "share-audience-region"
        } else {
            "share-audience-org"
        }),
        overridden: p.privacy_override,
    }
}

/// The checker's findings for each (field label key, text), in the reader's language.
pub(crate) fn moderate(auth: &Auth, fields: &[(&str, &str)]) -> Vec<Warning> {
    let t = &auth.ctx.tr;
    fields
        .iter()
        .flat_map(|(field, text)| {
            baken_learn::privacy::scan(text)
                .into_iter()
                .map(move |f| Warning {
                    field: t.t(field),
                    kind: t.t(&format!("share-found-{}", f.kind.as_str())),
                    excerpt: text.get(f.span.clone()).unwrap_or_default().to_string(),
                })
        })
        .collect()
}

/// A field-named message for what is wrong with the typed post, if anything.
fn validate(draft: &Draft, needs_title: bool) -> Option<&'static str> {
    let too_long = |s: &str, max: usize| s.chars().count() > max;
    if needs_title && draft.title.trim().is_empty() {
        Some("share-error-title")
    } else if draft.body.trim().is_empty() {
        Some("share-error-body")
    } else if too_long(&draft.title, MAX_TITLE) || too_long(&draft.body, MAX_BODY) {
        Some("share-error-too-long")
    } else if !draft.link.is_empty()
        && (too_long(&draft.link, MAX_LINK)
            || !(draft.link.starts_with("https://") || draft.link.starts_with("http://")))
    {
        Some("share-error-link")
    } else {
        None
    }
}

#[derive(Template)]
#[template(path = "learn_share.html")]
pub struct SharePage {
    pub c: Chrome,
    pub posts: Vec<PostView>,
    pub kinds: Vec<Choice>,
    pub has_region: bool,
    pub draft: Draft,
    pub error: Option<String>,
    pub warnings: Vec<Warning>,
}

async fn share_page(
    state: &AppState,
    auth: &Auth,
    draft: Draft,
    error: Option<String>,
    warnings: Vec<Warning>,
) -> AppResult<SharePage> {
    let posts = state.store.shared_posts(&auth.scope).await?;
    let centre = state.store.acts_for_regional_centre(&auth.scope).await?;
    let has_region = state.store.org_region(&auth.scope.org_id).await?.is_some();
    let kinds = FORM_KINDS
        .into_iter()
        .filter(|k| *k != "bulletin" || centre)
        .map(|k| Choice {
            value: k,
            label: kind_label(auth, k),
            selected: draft.kind == k,
        })
        .collect();
    Ok(SharePage {
        posts: posts.iter().map(|p| view(auth, p)).collect(),
        kinds,
        has_region,
        draft,
        error,
        warnings,
        c: Chrome::app(auth, "share-title", "/learn"),
    })
}

/// `/learn/share`: the posts the reader may see, and the form for a new one.
pub async fn index(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let draft = Draft {
        kind: "experience".into(),
        ..Draft::default()
    };
    let p = share_page(&state, &auth, draft, None, Vec::new()).await?;
    Ok(page(StatusCode::OK, &p))
}

/// Whether the author ticked "publish anyway" after seeing the warnings.
fn overrides(fields: &[(String, String)]) -> bool {
    form_value(fields, "override") == "1"
}

/// `POST /learn/share`: check, then publish (→ the post) or hold back (→ the form, 422).
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let draft = Draft {
        kind: form_value(&fields, "kind").to_string(),
        to_region: form_value(&fields, "audience") == "region",
        title: form_value(&fields, "title").to_string(),
        body: form_value(&fields, "body").to_string(),
        link: form_value(&fields, "link").trim().to_string(),
    };
    let centre = state.store.acts_for_regional_centre(&auth.scope).await?;
    let error =
        if !FORM_KINDS.contains(&draft.kind.as_str()) || (draft.kind == "bulletin" && !centre) {
            Some("share-error-kind")
        } else {
            validate(&draft, true)
        };
    if let Some(key) = error {
        let msg = auth.ctx.tr.t(key);
        let p = share_page(&state, &auth, draft, Some(msg), Vec::new()).await?;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    let warnings = moderate(
        &auth,
        &[
            ("share-field-title", &draft.title),
            ("share-field-body", &draft.body),
            ("share-field-link", &draft.link),
        ],
    );
    let privacy_override = !warnings.is_empty() && overrides(&fields);
    if !warnings.is_empty() && !privacy_override {
        let p = share_page(&state, &auth, draft, None, warnings).await?;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    let id = state
        .store
        .create_post(
            &auth.scope,
            &NewPost {
                kind: &draft.kind,
                to_region: draft.to_region,
                parent_id: None,
                title: draft.title.trim(),
                body: draft.body.trim(),
                link: &draft.link,
                privacy_override,
            },
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/learn/share/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "learn_share_post.html")]
pub struct PostPage {
    pub c: Chrome,
    pub post: PostView,
    pub answers: Vec<PostView>,
    pub is_question: bool,
    pub draft: Draft,
    pub error: Option<String>,
    pub warnings: Vec<Warning>,
}

async fn post_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    draft: Draft,
    error: Option<String>,
    warnings: Vec<Warning>,
) -> AppResult<PostPage> {
    let (post, answers) = state.store.shared_post(&auth.scope, id).await?;
    let mut c = Chrome::app(auth, "share-title", "/learn");
    c.title = post.title.clone();
    Ok(PostPage {
        is_question: post.kind == "question",
        post: view(auth, &post),
        answers: answers.iter().map(|a| view(auth, a)).collect(),
        draft,
        error,
        warnings,
        c,
    })
}

/// `/learn/share/{id}`: one post with its answers; `NotFound` outside its readers.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = post_page(&state, &auth, &id, Draft::default(), None, Vec::new()).await?;
    Ok(page(StatusCode::OK, &p))
}

/// `POST /learn/share/{id}/answers`: answer a question, with the same check.
pub async fn answer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    // The question must be readable before anything about the answer is said.
    let (question, _) = state.store.shared_post(&auth.scope, &id).await?;
    if question.kind != "question" {
        return Err(AppError::NotFound);
    }
    let draft = Draft {
        kind: "answer".into(),
        body: form_value(&fields, "body").to_string(),
        ..Draft::default()
    };
    if let Some(key) = validate(&draft, false) {
        let msg = auth.ctx.tr.t(key);
        let p = post_page(&state, &auth, &id, draft, Some(msg), Vec::new()).await?;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    let warnings = moderate(&auth, &[("share-field-body", &draft.body)]);
    let privacy_override = !warnings.is_empty() && overrides(&fields);
    if !warnings.is_empty() && !privacy_override {
        let p = post_page(&state, &auth, &id, draft, None, warnings).await?;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    state
        .store
        .create_post(
            &auth.scope,
            &NewPost {
                kind: "answer",
                to_region: false,
                parent_id: Some(&question.id),
                title: "",
                body: draft.body.trim(),
                link: "",
                privacy_override,
            },
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/learn/share/{}", question.id)).into_response())
}
