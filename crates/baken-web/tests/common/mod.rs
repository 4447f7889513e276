//! Test kit: the real application on port 0 with a fresh database (SQLite, or PostgreSQL
//! when configured), a clock the test controls, and an HTTP client that logs in like a
//! person does — password, then the TOTP code from the enrolment page.
#![allow(dead_code)]

pub mod browser;
pub mod pdf;

use baken_store::seed::{seed_demo, Credentials};
use baken_store::testkit::TestDb;
use baken_store::Store;
use baken_web::{build_router, AppState, Clock, FixedClock, RouteInfo, WebConfig};
use std::sync::Arc;

pub const T0: i64 = 1_790_000_000;

/// Public reports without proof of work the test app accepts per minute.
pub const TEST_UNSOLVED_PER_MINUTE: u32 = 30;

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    pub demo: Vec<Credentials>,
    pub routes: Vec<RouteInfo>,
    pub backend: &'static str,
    db: Option<TestDb>,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn start(db: TestDb, backend: &'static str) -> TestApp {
        TestApp::start_with(db, backend, |_| {}).await
    }

    /// Start with settings changed by `adjust` (after the test defaults).
    pub async fn start_with(
        db: TestDb,
        backend: &'static str,
        adjust: impl FnOnce(&mut WebConfig),
    ) -> TestApp {
        let clock = Arc::new(FixedClock::new(T0));
        // As a server with a master key runs: TOTP secrets sealed at rest.
        let store = db
            .store
            .clone()
            .with_totp_key(baken_store::ReportKeys::ephemeral().totp_sealing_key());
        let demo = seed_demo(&store, T0).await.expect("seed demo");
        let mut config = WebConfig {
            secure_cookies: false,
            // Most tests post public reports without proof of work, several a minute.
            public_unsolved_per_minute: TEST_UNSOLVED_PER_MINUTE,
            ..WebConfig::default()
        };
        adjust(&mut config);
        let state =
            AppState::new(store.clone(), config, clock.clone() as Arc<dyn Clock>).expect("state");
        state.load_link_index().await.expect("link index");
        let (router, routes) = build_router(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            store,
            clock,
            demo,
            routes,
            backend,
            db: Some(db),
            server,
        }
    }

    /// The scope a demo user acts in: their first organisation, with `role`.
    pub async fn demo_scope(&self, username: &str, role: baken_domain::Role) -> baken_store::Scope {
        let user = self.store.user_by_username(username).await.unwrap();
        let org_id = self.store.memberships(&user.id).await.unwrap()[0]
            .org_id
            .clone();
        baken_store::Scope {
            user_id: user.id,
            org_id,
            roles: vec![role],
        }
    }

    /// A submitted signal with these form fields, straight through the store (the intake
    /// form itself is covered by `intake_browser.rs`).
    pub async fn submitted_signal(
        &self,
        scope: &baken_store::Scope,
        context: &str,
        fields: &[(String, String)],
    ) -> String {
        self.store
            .create_submitted_signal(
                scope,
                &baken_store::Submission {
                    fields,
                    context,
                    urgency: "normal",
                    acute: false,
                    reading_json: "{}",
                    highest_level: "weak",
                    library_version: "v",
                    library_hash: "h",
                    identifiers: &[],
                },
                T0,
            )
            .await
            .unwrap()
    }

    /// The code an enrolled user's authenticator app shows for the next step. Each code
    /// works once (logging in used the current one), so the clock moves on to the next.
    pub async fn next_code(&self, username: &str) -> String {
        let user = self.store.user_by_username(username).await.unwrap();
        let secret = self.store.open_totp_secret(&user).unwrap();
        let secret = secret.expect("second factor enrolled");
        self.clock.advance(30);
        baken_web::totp::code_at(&secret, self.clock.now()).unwrap()
    }

    pub fn password(&self, username: &str) -> String {
        self.demo
            .iter()
            .find(|c| c.username == username)
            .map(|c| c.password.clone())
            .expect("demo user")
    }

    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::limited(5))
                // A fresh connection per request: a pooled keep-alive connection that the
                // server closes at the same moment is a transport race, not app behaviour.
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    /// A client logged in all the way (password + TOTP enrolment) as `username`.
    pub async fn logged_in(&self, username: &str, password: &str) -> Client {
        let c = self.client();
        let page = c.login(username, password).await;
        let page = if page.contains("id=\"totp-secret\"") {
            let secret = between(&page, "id=\"totp-secret\" class=\"baken-secret\">", "<");
            let code = baken_web::totp::code_at(&secret, self.clock.now()).unwrap();
            c.post_form("/account/second-factor", &[("code", &code)])
                .await
                .1
        } else if page.contains("action=\"/login/second-factor\"") {
            let code = self.next_code(username).await;
            c.post_form("/login/second-factor", &[("code", &code)])
                .await
                .1
        } else {
            page
        };
        assert!(
            page.contains("id=\"welcome\""),
            "not at the start page after login as {username}:\n{page}"
        );
        c
    }

    pub async fn stop(mut self) {
        self.server.abort();
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// The report ids on an analyst's `/reports` list.
    pub async fn report_ids(&self) -> Vec<String> {
        let (status, page) = self.get("/reports").await;
        assert_eq!(status, 200, "{page}");
        page.split("href=\"/reports/")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .collect()
    }

    pub async fn get_raw(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token the app currently puts in its forms for this client.
    pub async fn csrf(&self) -> String {
        let (_, page) = self.get("/login").await;
        let page = if page.contains("name=\"csrf\"") {
            page
        } else {
            self.get("/account").await.1
        };
        between(&page, "name=\"csrf\" value=\"", "\"")
    }

    /// POST a form with the right CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", &token)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POST exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        self.post_form("/login", &[("username", username), ("password", password)])
            .await
            .1
    }
}

/// POST a form (with CSRF token) and follow redirects: status, final path, body.
pub async fn post_and_land(
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let token = client.csrf().await;
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    let r = client
        .http
        .post(format!("{}{path}", client.base))
        .form(&all)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let landed = r.url().path().to_string();
    (status, landed, r.text().await.unwrap())
}

/// The practice-case fixture shared by the HTTP and the browser test of lessons from
/// practice: a dossier whose signal names a person, an IBAN and a phone number.
pub mod practice {
    use super::{TestApp, T0};

    pub const NAME: &str = "Jan de Vries";
    pub const IBAN: &str = "NL91ABNA0417164300";
    pub const PHONE: &str = "0612345678";
    /// The indicators the signal ticks: the engine reads "possible" at the registration
    /// desk, so the expected action is to record a signal.
    pub const INDICATORS: [&str; 3] = ["IDR-27", "IDR-02", "IDR-25"];

    /// An open dossier (level 1) of the demo coordinator with one signal that names
    /// [`NAME`] (also as a recorded person), [`IBAN`] and [`PHONE`] and ticks
    /// [`INDICATORS`], plus `extra` answers. Returns the coordinator's scope and the id.
    pub async fn dossier_naming_a_person(
        app: &TestApp,
        extra: &[(&str, &str)],
    ) -> (baken_store::Scope, String) {
        let coord = app
            .demo_scope("demo-coordinator", baken_domain::Role::Coordinator)
            .await;
        let observation = format!(
            "{NAME} kwam aan de balie met een ander die voor hem sprak. Zijn loon ging naar \
             {IBAN} en hij werd steeds gebeld vanaf {PHONE}."
        );
        let mut fields = vec![
            ("observation".to_string(), observation),
            ("subject".to_string(), "adult".to_string()),
            ("e0.kind".to_string(), "person".to_string()),
            ("e0.name".to_string(), NAME.to_string()),
        ];
        for i in INDICATORS {
            fields.push((format!("answer.{i}"), "yes".to_string()));
        }
        fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let signal = app
            .submitted_signal(&coord, "registration_desk", &fields)
            .await;
        let dossier = app
            .store
            .create_dossier(
                &coord,
                &format!("Dossier {NAME}"),
                1,
                std::slice::from_ref(&signal),
                T0,
            )
            .await
            .unwrap();
        (coord, dossier)
    }
}

/// The export fixture shared by the HTTP and the browser test of exports.
pub mod export {
    use super::{TestApp, T0};
    use baken_domain::Role;

    pub const TITLE: &str = "Uitzendbureau Voorbeeld exportdossier";

    /// A dossier of the demo coordinator titled [`TITLE`] with one signal (about a
    /// minor), at `level`.
    pub async fn dossier(app: &TestApp, level: i64) -> String {
        let scope = app.demo_scope("demo-coordinator", Role::Coordinator).await;
        let signal = app
            .submitted_signal(
                &scope,
                "registration_desk",
                &[
                    ("subject".into(), "minor".into()),
                    ("observation".into(), "Veel mensen op één adres".into()),
                ],
            )
            .await;
        app.store
            .create_dossier(&scope, TITLE, level, &[signal], T0)
            .await
            .unwrap()
    }
}

pub fn between(haystack: &str, start: &str, end: &str) -> String {
    let from = haystack
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"))
        + start.len();
    let to = haystack[from..].find(end).unwrap() + from;
    haystack[from..to].to_string()
}

/// Run `body` against a fresh app on SQLite and then on PostgreSQL (when available).
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app =
                    common::TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite")
                        .await;
                $body(&app).await;
                app.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = baken_store::testkit::TestDb::postgres().await else {
                    return;
                };
                let app = common::TestApp::start(db, "postgres").await;
                $body(&app).await;
                app.stop().await;
            }
        }
    };
}
