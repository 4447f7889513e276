//! Page templates (askama, compiled in) and the page chrome every page shares.

use crate::context::{Auth, Ctx};
use crate::i18n::{Lang, Tr};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use baken_domain::Permission;

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

pub struct LangOption {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

/// What the layout needs: translator, CSRF token, who is logged in, navigation.
pub struct Chrome {
    pub t: Tr,
    pub csrf: String,
    pub user_name: Option<String>,
    pub org_name: String,
    pub nav: Vec<NavItem>,
    pub langs: Vec<LangOption>,
    /// Where the language switch returns to (a path of ours, never user data).
    pub here: String,
    pub title: String,
}

fn langs(current: Lang) -> Vec<LangOption> {
    Lang::ALL
        .into_iter()
        .map(|l| LangOption {
            code: l.code(),
            name: l.native_name(),
            selected: l == current,
        })
        .collect()
}

impl Chrome {
    /// Chrome for pages before login.
    pub fn public(ctx: &Ctx, title_key: &str, here: &str) -> Chrome {
        Chrome {
            t: ctx.tr.clone(),
            csrf: ctx.rc.csrf_token().to_string(),
            user_name: None,
            org_name: String::new(),
            nav: Vec::new(),
            langs: langs(ctx.tr.lang),
            here: here.to_string(),
            title: ctx.tr.t(title_key),
        }
    }

    /// Chrome for logged-in pages: navigation shows only what the user may use.
    pub fn app(auth: &Auth, title_key: &str, here: &str) -> Chrome {
        let t = &auth.ctx.tr;
        let mut nav = vec![NavItem {
            href: "/",
            label: t.t("nav-home"),
            current: here == "/",
        }];
        let mut add = |permission: Permission, href: &'static str, key: &str| {
            if auth.can(permission) {
                nav.push(NavItem {
                    href,
                    label: t.t(key),
                    current: here.starts_with(href),
                });
            }
        };
        add(Permission::RecordSignals, "/signals", "nav-signals");
        add(Permission::ReadCases, "/inbox", "nav-inbox");
        add(Permission::ReadCases, "/reports", "nav-reports");
        add(Permission::ReadCases, "/dossiers", "nav-dossiers");
        add(Permission::ReadDirectory, "/directory", "nav-directory");
        add(Permission::HandleReferrals, "/referrals", "nav-referrals");
        add(Permission::ManageUsers, "/admin/users", "nav-users");
        if auth.in_municipality() {
            add(
                Permission::ManagePostcodeAreas,
                "/admin/postcodes",
                "nav-postcodes",
            );
        }
        add(Permission::ReadAudit, "/audit", "nav-audit");
        add(Permission::UseApplication, "/learn", "nav-learn");
        nav.push(NavItem {
            href: "/account",
            label: t.t("nav-account"),
            current: here.starts_with("/account"),
        });
        Chrome {
            t: t.clone(),
            csrf: auth.session.csrf_token.clone(),
            user_name: Some(auth.user.display_name.clone()),
            org_name: auth.org_name().to_string(),
            nav,
            langs: langs(t.lang),
            here: here.to_string(),
            title: t.t(title_key),
        }
    }
}

/// Render a template as an HTML response; a render failure is an opaque 500.
pub fn page<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template render failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub message: String,
    pub status: u16,
}

impl ErrorPage {
    pub fn render(t: Tr, status: StatusCode, key: &str) -> Response {
        let title = t.t("error-title");
        let message = t.t(key);
        let page_t = ErrorPage {
            c: Chrome {
                langs: langs(t.lang),
                t,
                csrf: String::new(),
                user_name: None,
                org_name: String::new(),
                nav: Vec::new(),
                here: "/".into(),
                title,
            },
            message,
            status: status.as_u16(),
        };
        page(status, &page_t)
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub username: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub c: Chrome,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    pub c: Chrome,
    pub qr_svg: String,
    pub secret: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub c: Chrome,
    pub error: Option<String>,
}

pub struct HomeTile {
    pub href: &'static str,
    pub title: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub c: Chrome,
    pub welcome: String,
    pub roles: Vec<String>,
    pub tiles: Vec<HomeTile>,
}

pub struct OrgChoice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub c: Chrome,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub orgs: Vec<OrgChoice>,
    pub second_factor: bool,
    pub notice: Option<String>,
    pub new_token: Option<String>,
    pub token_scopes: Vec<&'static str>,
}

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub roles: String,
    pub status: String,
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct AdminUsersPage {
    pub c: Chrome,
    pub users: Vec<UserRow>,
    pub role_options: Vec<RoleOption>,
    pub error: Option<String>,
    pub form_username: String,
    pub form_display_name: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
pub struct AdminUserPage {
    pub c: Chrome,
    pub user: UserRow,
    pub one_time_password: Option<String>,
    /// Every role, ticked as the user holds it (or as last submitted after an error).
    pub role_choices: Vec<RoleChoice>,
    /// Clearance levels the administrator may grant (up to their own).
    pub levels: Vec<crate::pages::signals::Choice>,
    pub error: Option<String>,
    /// The id of the control the error is about (empty without an error).
    pub error_field: &'static str,
}

pub struct RoleChoice {
    pub code: &'static str,
    pub label: String,
    pub checked: bool,
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub subject: String,
    pub purpose: String,
    pub result: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub c: Chrome,
    pub heading: String,
    pub rows: Vec<AuditRow>,
    pub subject: String,
}

#[derive(Template)]
#[template(path = "org.html")]
pub struct OrgPage {
    pub c: Chrome,
    pub name: String,
    pub kind: String,
    pub country: String,
}

fn format_unix(unix: i64, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// A day as pages show it: `2026-11-23` (UTC).
pub fn date_of(unix: i64) -> String {
    format_unix(
        unix,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
}

/// A moment to the minute: `2026-11-23 09:41` (UTC).
pub fn time_of(unix: i64) -> String {
    format_unix(
        unix,
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
    )
}

/// A moment to the second, for the audit trail: `2026-11-23 09:41:07` (UTC).
pub fn second_of(unix: i64) -> String {
    format_unix(
        unix,
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    )
}
