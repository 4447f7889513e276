//! Headless Chromium through chromedriver (Debian's `chromium` and `chromium-driver`).
//! Outside CI a missing driver skips the test loudly; under CI it fails.

use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How often the helpers retry (every 100 ms): ten seconds for a page to settle.
const TRIES: usize = 100;
const PAUSE: Duration = Duration::from_millis(100);

pub struct Browser {
    pub client: Client,
    driver: Child,
    /// Where the browser saves downloaded files (inside the profile, removed with it).
    downloads: PathBuf,
    _profile: tempfile_dir::Dir,
}

mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

impl Browser {
    pub async fn start() -> Option<Browser> {
        let driver_path = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
        let chrome_path = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
        let (Some(driver_path), Some(chrome_path)) = (driver_path, chrome_path) else {
            if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
                panic!("CI=true but chromium/chromedriver are missing: browser tests cannot be skipped under CI");
            }
            eprintln!("\n*** SKIPPING browser test: install Debian's chromium and chromium-driver to run it. ***\n");
            return None;
        };
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = std::env::temp_dir().join(format!("baken-chrome-{port}"));
        let downloads = profile.join("downloads");
        std::fs::create_dir_all(&downloads).expect("download folder");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chrome_path,
                "prefs": {
                    // A Dutch-speaking clerk: Baken's default language must win.
                    "intl.accept_languages": "nl-NL,nl",
                    // Files are saved without asking, where `downloaded` looks for them.
                    "download.default_directory": downloads,
                    "download.prompt_for_download": false,
                },
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900", "--lang=nl-NL",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = None;
        for _ in 0..50 {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver,
                        downloads,
                        _profile: tempfile_dir::Dir(profile),
                    })
                }
                Err(e) => {
                    last_err = Some(e);
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            }
        }
        panic!("chromedriver did not accept a session: {last_err:?}");
    }

    /// Save a screenshot at `width` px wide under `target/screenshots/NAME-WIDTH.png`.
    pub async fn screenshot(&self, name: &str, width: u32) {
        self.client.set_window_size(width, 900).await.unwrap();
        let png = self.client.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    }

    /// Screenshots at phone and desk widths, back at desk width afterwards.
    pub async fn screenshots(&self, name: &str) {
        self.screenshot(name, 360).await;
        self.screenshot(name, 1280).await;
    }

    /// The page must not scroll sideways (phone first).
    pub async fn assert_no_horizontal_scroll(&self, width: u32) {
        self.client.set_window_size(width, 900).await.unwrap();
        let overflow = self
            .client
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap_or(0) <= 0,
            "horizontal scroll at {width}px: {overflow}"
        );
        self.client.set_window_size(1280, 900).await.unwrap();
    }

    /// Run axe-core (WCAG 2.1 A/AA rules) on the current page; fail on any serious or
    /// critical violation.
    pub async fn assert_accessible(&self, page: &str) {
        let axe = include_str!("../fixtures/axe.min.js");
        self.client
            .execute(axe, vec![])
            .await
            .expect("inject axe-core");
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
              .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(' | '))))
              .catch(e => done(['axe failed: ' + e]));
        "#;
        let result = self
            .client
            .execute_async(script, vec![])
            .await
            .expect("run axe-core");
        let violations: Vec<String> = serde_json::from_value(result).unwrap_or_default();
        assert!(
            violations.is_empty(),
            "accessibility violations on {page}:\n{}",
            violations.join("\n")
        );
    }

    /// Wait until `css` holds text different from `before` (htmx swaps are asynchronous).
    pub async fn wait_for_change(&self, css: &str, before: &str) -> String {
        for _ in 0..100 {
            let now = self.text(css).await;
            if now != before {
                return now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{css} did not change from: {before}");
    }

    /// Wait until an element matching `css` contains `needle` (after a click that
    /// navigates, the old page may still be there for a moment).
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                last = el.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{css} never contained {needle:?}; last: {last}");
    }

    /// Retry `step` until it succeeds: a page that is being replaced answers with stale
    /// or detached elements for a moment, which is not a failure of the page under test.
    async fn retry<T, F, Fut>(&self, what: &str, mut step: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, CmdError>>,
    {
        let mut last = None;
        for _ in 0..TRIES {
            match step().await {
                Ok(v) => return v,
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(PAUSE).await;
        }
        panic!("{what}: {last:?}");
    }

    /// Click the element matching `css` as a person would: scrolled into view (clear of
    /// the sticky action bar), then clicked. For clicks that stay on the page.
    pub async fn click(&self, css: &str) {
        let c = &self.client;
        self.retry(&format!("click {css}"), || async move {
            let el = c.find(Locator::Css(css)).await?;
            let arg = serde_json::to_value(&el).unwrap();
            c.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
                .await?;
            el.click().await
        })
        .await
    }

    /// Tick every checkbox matching `css`, each scrolled into view first.
    pub async fn tick_all(&self, css: &str) {
        let c = &self.client;
        for cb in c.find_all(Locator::Css(css)).await.unwrap() {
            let arg = serde_json::to_value(&cb).unwrap();
            c.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
                .await
                .unwrap();
            cb.click().await.unwrap();
        }
    }

    /// On the inbox: tick every signal, name the new dossier and create it.
    pub async fn dossier_from_inbox(&self, title: &str) {
        self.tick_all("input[name='signal']").await;
        self.fill("new-dossier-title", title).await;
        self.click_and_load("#create-dossier").await;
    }

    /// Click something that loads a new page (a form's submit button, a link) and wait
    /// until the new document has replaced the old one, so that nothing read afterwards
    /// comes from the page before.
    pub async fn click_and_load(&self, css: &str) {
        self.client
            .execute("window.__bakenOldPage = true;", vec![])
            .await
            .unwrap();
        self.click(css).await;
        let c = &self.client;
        self.retry(&format!("new page after clicking {css}"), || async move {
            let v = c
                .execute(
                    "return !window.__bakenOldPage && document.readyState === 'complete';",
                    vec![],
                )
                .await?;
            if v == serde_json::Value::Bool(true) {
                Ok(())
            } else {
                Err(CmdError::InvalidArgument(
                    "page".into(),
                    "still loading".into(),
                ))
            }
        })
        .await
    }

    /// Open a path of the application and wait for the page to load.
    pub async fn open(&self, base: &str, path: &str) {
        self.client.goto(&format!("{base}{path}")).await.unwrap();
    }

    /// Replace the value of the field with id `id`.
    pub async fn fill(&self, id: &str, text: &str) {
        let c = &self.client;
        self.retry(&format!("fill #{id}"), || async move {
            let el = c.find(Locator::Id(id)).await?;
            el.clear().await?;
            el.send_keys(text).await
        })
        .await
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let c = &self.client;
        self.retry(&format!("text of {css}"), || async move {
            c.find(Locator::Css(css)).await?.text().await
        })
        .await
    }

    /// A property (such as `value`) of the first element matching `css`.
    pub async fn prop(&self, css: &str, name: &str) -> Option<String> {
        let c = &self.client;
        self.retry(&format!("{name} of {css}"), || async move {
            c.find(Locator::Css(css)).await?.prop(name).await
        })
        .await
    }

    /// An attribute (such as `href`) of the first element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let c = &self.client;
        self.retry(&format!("{name} of {css}"), || async move {
            c.find(Locator::Css(css)).await?.attr(name).await
        })
        .await
    }

    /// The names of the files the browser has finished downloading, in name order.
    pub fn downloaded_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.downloads)
            .expect("download folder")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            // Chromium writes into `NAME.crdownload` (or a temporary name) until done.
            .filter(|n| !n.ends_with(".crdownload") && !n.starts_with(".com.google"))
            .collect();
        names.sort();
        names
    }

    /// Wait until the browser has finished downloading a file whose name `matches`, and
    /// return its name and contents (a download leaves the page where it was).
    pub async fn downloaded(&self, matches: impl Fn(&str) -> bool) -> (String, Vec<u8>) {
        for _ in 0..TRIES {
            if let Some(name) = self.downloaded_files().into_iter().find(|n| matches(n)) {
                let bytes = std::fs::read(self.downloads.join(&name)).expect("downloaded file");
                return (name, bytes);
            }
            tokio::time::sleep(PAUSE).await;
        }
        panic!(
            "no matching download; the folder holds {:?}",
            std::fs::read_dir(&self.downloads).map(|d| d
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .collect::<Vec<_>>())
        );
    }

    /// Log in through the pages as a demo user: password, then the second factor,
    /// enrolled from the code shown on the page the first time.
    pub async fn login(&self, app: &super::TestApp, username: &str) {
        self.client.delete_all_cookies().await.unwrap();
        self.open(&app.base, "/login").await;
        self.fill("username", username).await;
        self.fill("password", &app.password(username)).await;
        self.click_and_load("form[action='/login'] button[type='submit']")
            .await;
        // Every role has a second factor today; should a role without one return, it
        // lands on the start page at once.
        if self.client.find(Locator::Id("welcome")).await.is_ok() {
            return;
        }
        // Enrolled before (a second login in one test): the code from the stored secret.
        let enrolled = self
            .client
            .find(Locator::Css("form[action='/login/second-factor']"))
            .await
            .is_ok();
        let (code, form) = if enrolled {
            (app.next_code(username).await, "/login/second-factor")
        } else {
            let secret = self.text("#totp-secret").await;
            let now = baken_web::Clock::now(app.clock.as_ref());
            let code = baken_web::totp::code_at(secret.trim(), now).unwrap();
            (code, "/account/second-factor")
        };
        self.fill("code", &code).await;
        self.click_and_load(&format!("form[action='{form}'] button[type='submit']"))
            .await;
        self.wait_for_text("#welcome", "").await;
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
