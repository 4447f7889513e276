//! The contact-point directory: partner organisations and named contact points by
//! country, region and phenomenon, read by case readers; administrators replace it by
//! pasting a CSV file (all-or-nothing: every bad cell is named by line and column, and
//! the pasted text is kept).

use super::signals::{error_message, Choice};
use crate::context::Auth;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::views::{page, Chrome};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::contacts::{parse_csv, CellError, CSV_COLUMNS};
use baken_domain::Permission;
use serde::Deserialize;

pub struct ContactRow {
    pub partner: String,
    pub name: String,
    pub country: String,
    pub region: String,
    pub phenomena: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub hours: String,
}

#[derive(Template)]
#[template(path = "directory.html")]
pub struct DirectoryPage {
    pub c: Chrome,
    pub rows: Vec<ContactRow>,
    pub countries: Vec<Choice>,
    pub regions: Vec<Choice>,
    pub phenomena: Vec<Choice>,
    pub can_import: bool,
    pub columns: String,
    pub pasted: String,
    pub errors: Vec<String>,
    pub imported: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    phenomenon: String,
    #[serde(default)]
    imported: Option<usize>,
}

fn any(t: &Tr, selected: &str) -> Choice {
    Choice {
        value: String::new(),
        label: t.t("filter-any"),
        selected: selected.is_empty(),
    }
}

fn phenomenon_name(state: &AppState, id: &str, lang: &str) -> String {
    state
        .library
        .phenomena
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.get(lang).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// "Line 3, column email: …" for every bad cell.
fn cell_message(t: &Tr, e: &CellError) -> String {
    let what = if e.code.contains('.') {
        error_message(t, e.code)
    } else {
        t.t(&format!("dir-err-{}", e.code.replace('_', "-")))
    };
    let at = t.t1("dir-err-line", "line", &e.line.to_string());
    if e.column.is_empty() {
        format!("{at}: {what}")
    } else {
        format!(
            "{at}, {}: {what}",
            t.t1("dir-err-column", "column", &e.column)
        )
    }
}

async fn directory_page(
    state: &AppState,
    auth: &Auth,
    q: &DirectoryQuery,
    pasted: &str,
    errors: Vec<String>,
) -> AppResult<Response> {
    let t = &auth.ctx.tr;
    let lang = t.code();
    let all = state.store.contacts(&auth.scope, state.now()).await?;
    let mut regions: Vec<String> = all.iter().map(|c| c.region.clone()).collect();
    regions.sort();
    regions.dedup();
    let rows = all
        .into_iter()
        .filter(|c| q.country.is_empty() || c.country == q.country)
        .filter(|c| q.region.is_empty() || c.region == q.region)
        .filter(|c| {
            q.phenomenon.is_empty() || c.phenomena.is_empty() || c.phenomena.contains(&q.phenomenon)
        })
        .map(|c| ContactRow {
            phenomena: if c.phenomena.is_empty() {
                t.t("dir-all-phenomena")
            } else {
                c.phenomena
                    .iter()
                    .map(|p| phenomenon_name(state, p, lang))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            partner: c.partner,
            name: c.name,
            country: c.country,
            region: c.region,
            phone: c.phone,
            email: c.email,
            address: c.address,
            hours: c.hours,
        })
        .collect();
    let mut countries = vec![any(t, &q.country)];
    countries.extend(["NL", "BE"].map(|c| Choice {
        value: c.into(),
        label: t.t(&format!("dir-country-{}", c.to_ascii_lowercase())),
        selected: q.country == c,
    }));
    let mut region_choices = vec![any(t, &q.region)];
    region_choices.extend(regions.into_iter().map(|r| Choice {
        selected: q.region == r,
        label: r.clone(),
        value: r,
    }));
    let mut phenomena = vec![any(t, &q.phenomenon)];
    phenomena.extend(state.library.phenomena.iter().map(|p| Choice {
        value: p.id.clone(),
        label: p.name.get(lang).to_string(),
        selected: q.phenomenon == p.id,
    }));
    Ok(page(
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &DirectoryPage {
            rows,
            countries,
            regions: region_choices,
            phenomena,
            can_import: auth.can(Permission::ManageDirectory),
            columns: CSV_COLUMNS.join(","),
            pasted: pasted.to_string(),
            errors,
            imported: q
                .imported
                .map(|n| t.t1("dir-imported", "count", &n.to_string())),
            c: Chrome::app(auth, "dir-title", "/directory"),
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DirectoryQuery>,
) -> AppResult<Response> {
    directory_page(&state, &auth, &q, "", Vec::new()).await
}

/// Replace the directory by a pasted CSV file: all of it, or nothing.
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(Permission::ManageDirectory)?;
    let text = super::form_value(&fields, "csv");
    let known: Vec<&str> = state
        .library
        .phenomena
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    let orgs = state.store.list_orgs().await?;
    let org_names: Vec<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
    match parse_csv(text, &known, &org_names) {
        Ok(rows) => {
            let n = state
                .store
                .import_contacts(&auth.scope, &rows, state.now())
                .await?;
            Ok(Redirect::to(&format!("/directory?imported={n}")).into_response())
        }
        Err(errors) => {
            let t = &auth.ctx.tr;
            let messages = errors.iter().map(|e| cell_message(t, e)).collect();
            directory_page(&state, &auth, &DirectoryQuery::default(), text, messages).await
        }
    }
}
