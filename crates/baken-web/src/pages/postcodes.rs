//! An organisation's administrators set the postcode areas their organisation receives
//! public reports for (`/admin/postcodes`), in the syntax of `baken admin org postcodes`
//! and with its parser (`baken_domain::postcode_areas`), never claiming postcodes of
//! another organisation in the same country. Only municipalities' administrators;
//! anyone else: 404.

use crate::context::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::{page, Chrome};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baken_domain::postcode_areas::{self, AreaError};
use baken_domain::Permission;
use baken_store::StoreError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin_postcodes.html")]
pub struct AdminPostcodesPage {
    pub c: Chrome,
    /// The areas as stored, or as typed when they were refused.
    pub areas: String,
    pub error: Option<String>,
    pub saved: bool,
}

#[derive(Deserialize, Default)]
pub struct PostcodesQuery {
    #[serde(default)]
    saved: Option<String>,
}

#[derive(Deserialize)]
pub struct PostcodesForm {
    #[serde(default)]
    areas: String,
}

fn postcodes_page(auth: &Auth, areas: String, error: Option<String>, saved: bool) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        &AdminPostcodesPage {
            c: Chrome::app(auth, "postcodes-title", "/admin/postcodes"),
            areas,
            error,
            saved,
        },
    )
}

/// The refusal in the user's language, naming the piece.
fn area_message(auth: &Auth, e: &AreaError) -> String {
    auth.ctx.tr.t1(
        &format!("postcodes-error-{}", e.problem.as_str()),
        "piece",
        &e.piece,
    )
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PostcodesQuery>,
) -> AppResult<Response> {
    let areas = state.store.own_postcode_areas(&auth.scope).await?;
    Ok(postcodes_page(
        &auth,
        postcode_areas::format(&areas),
        None,
        q.saved.is_some(),
    ))
}

/// Replace the organisation's areas with the ones typed: all of them, or none (the form
/// comes back as typed, naming the wrong piece). Empty clears them.
pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<PostcodesForm>,
) -> AppResult<Response> {
    // Before looking at the text: whoever may not set areas learns nothing from it.
    auth.require(Permission::ManagePostcodeAreas)?;
    if !auth.in_municipality() {
        return Err(AppError::NotFound);
    }
    let areas = match postcode_areas::parse(&form.areas) {
        Ok(areas) => areas,
        Err(e) => {
            let message = area_message(&auth, &e);
            return Ok(postcodes_page(&auth, form.areas, Some(message), false));
        }
    };
    match state
        .store
        .set_own_postcode_areas(&auth.scope, &areas, state.now())
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/postcodes?saved=1").into_response()),
        // Another organisation's postcodes are not this one's to claim: refused, and
        // (only then) the first such piece is looked up to name it.
        Err(StoreError::Conflict("postcode overlap")) => {
            let overlap = state.store.foreign_postcode_overlap(&auth.scope, &areas);
            let message = match overlap.await? {
                Some(area) => {
                    let piece = postcode_areas::format(&[area]);
                    auth.ctx.tr.t1("postcodes-error-overlap", "piece", &piece)
                }
                None => auth.ctx.tr.t("postcodes-error-conflict"),
            };
            Ok(postcodes_page(&auth, form.areas, Some(message), false))
        }
        // The parser refuses what the store would (range, repeats); kept for safety.
        Err(StoreError::Conflict(_)) => {
            let message = auth.ctx.tr.t("postcodes-error-conflict");
            Ok(postcodes_page(&auth, form.areas, Some(message), false))
        }
        Err(e) => Err(AppError::from(e)),
    }
}
