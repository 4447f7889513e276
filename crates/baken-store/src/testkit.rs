//! Fresh databases for tests: a SQLite file in a temporary directory, or a new database
//! on the PostgreSQL server named by `BAKEN_TEST_POSTGRES_URL`.
//!
//! Under CI (`CI=true`) a missing PostgreSQL is a failure; elsewhere the PostgreSQL half
//! is skipped with a loud message.

use crate::{random_token, Store};

/// A migrated store on a throw-away database; keep it alive for the test's duration.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<TempDirGuard>,
    pg_admin: Option<(String, String)>,
}

struct TempDirGuard(std::path::PathBuf);

impl Drop for TempDirGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("baken-test-{}", random_token(8)));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("baken.db").display());
        let store = Store::connect(&url).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestDb {
            store,
            url,
            _dir: Some(TempDirGuard(dir)),
            pg_admin: None,
        }
    }

    /// `None` when no PostgreSQL is configured and we are not under CI.
    pub async fn postgres() -> Option<TestDb> {
        Some(TestDb::postgres_at(&postgres_admin_url()?).await)
    }

    /// A new, migrated database on the PostgreSQL server at `admin_url`.
    pub async fn postgres_at(admin_url: &str) -> TestDb {
        let admin_url = admin_url.to_string();
        let name = format!("baken_t_{}", random_token(6));
        let admin = Store::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(admin.raw_pool())
            .await
            .expect("create test database");
        admin.close().await;
        let url = replace_db_name(&admin_url, &name);
        let store = Store::connect(&url).await.expect("connect test database");
        store.migrate().await.expect("migrate postgres");
        TestDb {
            store,
            url,
            _dir: None,
            pg_admin: Some((admin_url, name)),
        }
    }

    /// Drop the PostgreSQL test database (SQLite cleans up on drop).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = self.pg_admin {
            if let Ok(admin) = Store::connect(&admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(admin.raw_pool())
                    .await;
                admin.close().await;
            }
        }
    }
}

/// The admin URL for test databases, or `None` (with a loud message) outside CI.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("BAKEN_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
                panic!("CI=true but BAKEN_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot be skipped under CI");
            }
            eprintln!(
                "\n*** SKIPPING the PostgreSQL half of this test: BAKEN_TEST_POSTGRES_URL is not set. ***\n\
                 *** Set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run it.            ***\n"
            );
            None
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_keeping_the_query() {
        assert_eq!(
            super::replace_db_name(
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
                "x"
            ),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_db_name("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
    }
}
