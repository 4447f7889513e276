//! Headless Chromium through chromedriver (Debian's `chromium` and `chromium-driver`).
//! Outside CI a missing driver skips the test loudly; under CI it fails.

use fantoccini::{Client, ClientBuilder};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Browser {
    pub client: Client,
    driver: Child,
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
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chrome_path,
                // A Dutch-speaking clerk: Baken's default language must win.
                "prefs": { "intl.accept_languages": "nl-NL,nl" },
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
            let now = self
                .client
                .find(fantoccini::Locator::Css(css))
                .await
                .unwrap()
                .text()
                .await
                .unwrap_or_default();
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
            if let Ok(el) = self.client.find(fantoccini::Locator::Css(css)).await {
                last = el.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{css} never contained {needle:?}; last: {last}");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
