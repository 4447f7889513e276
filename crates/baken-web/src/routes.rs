//! The route table. Every route is added here, through [`RouteTable`], which records its
//! method and path: the authorisation matrix test reads that list from the built router,
//! so a new route without a row in the matrix fails the test.

use crate::context::request_context;
use crate::state::AppState;
use crate::{api, api_cases, assets, pages, public, reports};
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
}

pub struct RouteTable {
    router: Router<AppState>,
    routes: Vec<RouteInfo>,
}

impl RouteTable {
    fn new() -> RouteTable {
        RouteTable {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(handler));
        self.routes.push(RouteInfo {
            method: "GET",
            path,
        });
        self
    }

    fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, post(handler));
        self.routes.push(RouteInfo {
            method: "POST",
            path,
        });
        self
    }
}

/// Build the application: the router (with state and middleware) and its route list.
pub fn build_router(state: AppState) -> (Router, Vec<RouteInfo>) {
    use pages::{
        account, admin, audit, directory, dossiers, exports, learn, learn_drafts, learn_share,
        login, postcodes, referrals, signals,
    };
    let table = RouteTable::new()
        .get("/healthz", healthz)
        .get("/static/{*path}", assets::serve)
        .get("/login", login::login_form)
        .post("/login", login::login_submit)
        .get("/login/second-factor", login::second_factor_form)
        .post("/login/second-factor", login::second_factor_submit)
        .get("/account/second-factor", login::enrol_form)
        .post("/account/second-factor", login::enrol_submit)
        .get("/account/password", login::password_form)
        .post("/account/password", login::password_submit)
        .post("/logout", login::logout)
        .post("/logout/everywhere", login::logout_everywhere)
        .post("/language", login::set_language)
        .get("/", account::home)
        .get("/account", account::account)
        .post("/account/organisation", account::switch_org)
        .get("/organisations/{id}", account::organisation)
        .get("/admin/users", admin::list)
        .post("/admin/users", admin::add)
        .get("/admin/users/{id}", admin::show)
        .post("/admin/users/{id}/disable", admin::disable)
        .post("/admin/users/{id}/reset-password", admin::reset_password)
        .post("/admin/users/{id}/access", admin::set_access)
        .get("/admin/postcodes", postcodes::show)
        .post("/admin/postcodes", postcodes::save)
        .get("/audit", audit::recent)
        .get("/audit/users/{id}", audit::by_user)
        .post("/audit/subject", audit::by_subject)
        .post("/account/tokens", account::create_token)
        .get("/signals", signals::mine)
        .get("/signals/new", signals::new_form)
        .post("/signals/new", signals::create)
        .get("/signals/drafts/{id}", signals::draft_form)
        .post("/signals/drafts/{id}", signals::draft_post)
        .post("/signals/drafts/{id}/reading", signals::draft_reading)
        .get("/signals/{id}", signals::show)
        .post("/signals/{id}/status", signals::set_status)
        .post("/signals/{id}/links", signals::decide_link)
        .get("/inbox", dossiers::inbox)
        .post("/signals/{id}/assign", dossiers::assign)
        .post("/signals/{id}/no-follow-up", dossiers::no_follow_up)
        .post("/signals/{id}/dossier", dossiers::signal_to_dossier)
        .get("/dossiers", dossiers::list)
        .post("/dossiers", dossiers::create)
        .get("/dossiers/{id}", dossiers::show)
        .post("/dossiers/{id}/entries", dossiers::add_entry)
        .post("/dossiers/{id}/tasks", dossiers::add_task)
        .post("/dossiers/{id}/tasks/{task}/done", dossiers::complete_task)
        .post("/dossiers/{id}/status", dossiers::set_status)
        .post("/dossiers/{id}/members", dossiers::add_member)
        .post("/dossiers/{id}/barriers", dossiers::apply_barrier)
        .post("/dossiers/{id}/referrals", dossiers::refer)
        .get(
            "/dossiers/{id}/referrals/{referral}",
            dossiers::referral_document,
        )
        .post(
            "/dossiers/{id}/referrals/{referral}/reply",
            referrals::reply,
        )
        .post("/dossiers/{id}/referrals/{referral}/sent", referrals::sent)
        .get("/referrals", referrals::inbox)
        .get("/referrals/{id}", referrals::show)
        .post("/referrals/{id}", referrals::step)
        .get("/directory", directory::show)
        .post("/directory/import", directory::import)
        .post(
            "/dossiers/{id}/barriers/{barrier}",
            dossiers::update_barrier,
        )
        // Exports (fresh confirmation, audited with purpose).
        .get("/dossiers/{id}/export", exports::dossier_form)
        .post("/dossiers/{id}/export", exports::dossier_confirm)
        .get("/dossiers/{id}/export/file", exports::dossier_file)
        .get("/exports/htcds", exports::cases_form)
        .post("/exports/htcds", exports::cases_confirm)
        .get("/exports/htcds/file", exports::cases_file)
        .get("/indicators/{id}", signals::indicator_card)
        .get("/learn", learn::index)
        .get("/learn/modules/{id}", learn::module)
        .post("/learn/modules/{id}/complete", learn::complete_module)
        .get("/learn/cases/{id}", learn::case)
        .post("/learn/cases/{id}", learn::answer_case)
        .get("/learn/progress", learn::progress)
        .get("/learn/progress.csv", learn::progress_csv)
        // Learning platform, part two: result by GET, certificate, knowledge sharing.
        .get("/learn/cases/{id}/result", learn::case_result)
        .get("/learn/modules/{id}/certificate.pdf", learn::certificate)
        .get("/learn/share", learn_share::index)
        .post("/learn/share", learn_share::create)
        .get("/learn/share/{id}", learn_share::show)
        .post("/learn/share/{id}/answers", learn_share::answer)
        // Lessons from practice: a closed dossier becomes a practice case, reviewed first.
        .post("/dossiers/{id}/practice-case", learn_drafts::from_dossier)
        .get("/learn/drafts", learn_drafts::list)
        .get("/learn/drafts/{id}", learn_drafts::show)
        .post("/learn/drafts/{id}", learn_drafts::save)
        .post("/learn/drafts/{id}/publish", learn_drafts::publish)
        .get("/api/v1/openapi.json", api::openapi)
        .get("/api/v1/me", api::me)
        .post("/api/v1/signals", api::create_signal)
        .get("/api/v1/signals/{id}", api::get_signal)
        // Case work over the API (bearer tokens with scopes).
        .get("/api/v1/inbox", api_cases::inbox)
        .get("/api/v1/dossiers", api_cases::list_dossiers)
        .post("/api/v1/dossiers", api_cases::create_dossier)
        .get("/api/v1/dossiers/{id}", api_cases::get_dossier)
        .post("/api/v1/dossiers/{id}/tasks", api_cases::add_task)
        .get("/api/v1/dossiers/{id}/referrals", api_cases::referrals)
        .get("/api/v1/directory", api_cases::directory)
        .get("/meld", public::form)
        .post("/meld", public::submit)
        .get("/meld/follow-up", public::follow_up_form)
        .post("/meld/follow-up", public::follow_up)
        .get("/meld/privacy", public::privacy)
        .get("/reports", reports::list)
        .get("/reports/{id}", reports::show)
        .get("/reports/{id}/photos/{seq}", reports::photo)
        .post("/reports/{id}/messages", reports::add_message)
        .post("/reports/{id}/status", reports::set_status)
        .post("/reports/{id}/assign", reports::assign)
        .post("/reports/{id}/no-follow-up", reports::no_follow_up)
        .post("/reports/{id}/dossier", reports::to_dossier);
    let RouteTable { router, routes } = table;
    let router = router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .layer(middleware::from_fn(security_headers))
        .with_state(state);
    (router, routes)
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

/// Strict headers on every response. Pages may show personal data, so nothing but the
/// static files may be cached.
async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
