//! The `baken` binary as an operator uses it: start, administer, verify the audit trail,
//! and clear errors with a non-zero exit for bad input.

use baken_store::testkit::TestDb;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn baken(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baken"))
        .args(args)
        .env_remove("BAKEN_DATABASE_URL")
        .env_remove("BAKEN_DATA")
        .env("BAKEN_LOG", "warn")
        .output()
        .expect("run baken")
}

/// `baken admin org add` in the data directory `data`, which must succeed.
fn add_org(data: &str, name: &str, kind: &str, country: &str) {
    let o = baken(&[
        "admin",
        "org",
        "add",
        "--data",
        data,
        "--name",
        name,
        "--kind",
        kind,
        "--country",
        country,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// Fill the trail through the CLI: every admin command writes one record.
fn fill_trail(url: &str) {
    let o = baken(&[
        "admin",
        "org",
        "add",
        "--database-url",
        url,
        "--name",
        "Gemeente Test",
        "--kind",
        "municipality",
        "--country",
        "NL",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for i in 0..4 {
        let name = format!("user{i}");
        let o = baken(&[
            "admin",
            "user",
            "add",
            "--database-url",
            url,
            "--username",
            &name,
            "--name",
            "Test",
            "--org",
            "Gemeente Test",
            "--role",
            "coordinator",
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stdout).contains("one-time password"));
    }
    let o = baken(&["audit", "verify", "--database-url", url]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("intact: 5 records"),
        "{}",
        text(&o.stdout)
    );
}

/// Change the trail by hand, as someone with database-owner rights could: first drop the
/// append-only guard (the `baken` runs in between reinstall it when they migrate).
async fn tamper(store: &baken_store::Store, sql: &str) {
    store.lift_audit_guard_for_tamper_test().await.unwrap();
    sqlx::query(sql).execute(store.raw_pool()).await.unwrap();
}

async fn tamper_cases(db: TestDb) {
    let url = db.url.clone();
    fill_trail(&url);

    // 1. Change a record.
    tamper(
        &db.store,
        "UPDATE audit_log SET purpose = 'nothing' WHERE seq = 3",
    )
    .await;
    let o = baken(&["audit", "verify", "--database-url", &url]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("record 3 was changed"),
        "{}",
        text(&o.stderr)
    );
    tamper(
        &db.store,
        "UPDATE audit_log SET purpose = 'administration' WHERE seq = 3",
    )
    .await;
    assert!(baken(&["audit", "verify", "--database-url", &url])
        .status
        .success());

    // 2. Reorder two records (swap their places in the sequence).
    tamper(
        &db.store,
        "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN -3 WHEN 3 THEN -2 END WHERE seq IN (2, 3)",
    )
    .await;
    tamper(&db.store, "UPDATE audit_log SET seq = -seq WHERE seq < 0").await;
    let o = baken(&["audit", "verify", "--database-url", &url]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("BROKEN at record 2"),
        "{}",
        text(&o.stderr)
    );
    tamper(
        &db.store,
        "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN -3 WHEN 3 THEN -2 END WHERE seq IN (2, 3)",
    )
    .await;
    tamper(&db.store, "UPDATE audit_log SET seq = -seq WHERE seq < 0").await;
    assert!(baken(&["audit", "verify", "--database-url", &url])
        .status
        .success());

    // 3. Delete a record.
    tamper(&db.store, "DELETE FROM audit_log WHERE seq = 4").await;
    let o = baken(&["audit", "verify", "--database-url", &url]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("record 4 is missing"),
        "{}",
        text(&o.stderr)
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_changed_reordered_and_deleted_records_on_sqlite() {
    tamper_cases(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_changed_reordered_and_deleted_records_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    tamper_cases(db).await;
}

#[test]
fn a_malformed_config_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("baken.toml");
    std::fs::write(
        &cfg,
        "listen = \"127.0.0.1:0\"\n[session]\nidle_timeout_minutes = \"soon\"\n",
    )
    .unwrap();
    let o = baken(&[
        "migrate",
        "--config",
        cfg.to_str().unwrap(),
        "--data",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("baken.toml") && err.contains("line 3"),
        "{err}"
    );
    assert!(
        !dir.path().join("baken.db").exists(),
        "nothing half-written"
    );
}

#[test]
fn an_unreachable_database_is_a_clear_error_without_the_password() {
    let o = baken(&[
        "migrate",
        "--database-url",
        "postgres://baken:hunter2@127.0.0.1:1/baken",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("cannot reach the database"), "{err}");
    assert!(!err.contains("hunter2"), "secrets are never printed: {err}");
}

#[test]
fn bad_admin_input_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let o = baken(&[
        "admin",
        "org",
        "add",
        "--data",
        data,
        "--name",
        "X",
        "--kind",
        "bank",
        "--country",
        "NL",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--kind \"bank\" is not an organisation kind"));
    let o = baken(&[
        "admin",
        "user",
        "add",
        "--data",
        data,
        "--username",
        "a",
        "--name",
        "A",
        "--org",
        "Nowhere",
        "--role",
        "coordinator",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no organisation named"));
    let o = baken(&["admin", "user", "list", "--data", data]);
    assert!(o.status.success());
    assert!(text(&o.stdout).trim().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_import_is_all_or_nothing_and_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    add_org(data, "Gemeente Csv", "municipality", "NL");
    let header = "partner,name,country,region,phenomena,phone,email,address,hours\n";
    let good = "Politie,Wachtcommandant,NL,Oost,,088 169 0000,,,24/7\n";
    let file = dir.path().join("directory.csv");
    std::fs::write(
        &file,
        format!("{header}{good}Inspectie,,NL,Oost,labour_exploitation,,no-at-sign,,\n"),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let import = |path: &str| {
        baken(&[
            "admin",
            "directory",
            "import",
            "--data",
            data,
            "--org",
            "Gemeente Csv",
            path,
        ])
    };
    let o = import(path);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("line 3, column email: email.missing_at"),
        "{err}"
    );
    assert!(err.contains("nothing changed"), "{err}");
    let store = baken_store::Store::open_dir(dir.path()).await.unwrap();
    let org = store.org_by_name("Gemeente Csv").await.unwrap();
    assert_eq!(store.contact_count(&org.id).await.unwrap(), 0);

    std::fs::write(
        &file,
        format!("{header}{good}Inspectie,,NL,Oost,labour_exploitation,,meld@inspectie.example,,\n"),
    )
    .unwrap();
    let o = import(path);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("2 contact points imported"));
    assert_eq!(store.contact_count(&org.id).await.unwrap(), 2);
}

#[test]
fn serve_prints_where_and_how_to_log_in_and_answers_healthz() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_baken"))
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--data",
            dir.path().to_str().unwrap(),
        ])
        .env("BAKEN_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let mut url = None;
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.strip_prefix("Baken is running at ") {
            url = rest.split_whitespace().next().map(str::to_string);
        }
        let done = line.starts_with("Health:");
        printed.push(line);
        if done {
            break;
        }
    }
    let all = printed.join("\n");
    let url = url.unwrap_or_else(|| panic!("no URL printed:\n{all}"));
    assert!(
        all.contains("admin ") && all.contains("one-time password"),
        "{all}"
    );
    assert!(all.contains("demo-coordinator"), "{all}");
    let status = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::get(format!("{url}healthz"))
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, 200);
}

#[test]
fn a_malformed_report_key_stops_the_server_without_printing_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_baken"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            dir.path().to_str().unwrap(),
        ])
        .env("BAKEN_REPORT_KEY", "not-a-key-secret123")
        .env("BAKEN_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("64 hexadecimal digits"), "{err}");
    assert!(!err.contains("secret123") && !text(&o.stdout).contains("secret123"));
}

/// `baken retention run` shreds anonymous reports untouched past the retention period and
/// records it; newer reports stay.
#[tokio::test]
async fn retention_run_shreds_old_reports_and_keeps_new_ones() {
    let db = TestDb::sqlite().await;
    let org = db
        .store
        .create_org(
            "Gemeente Bewaar",
            baken_domain::OrgKind::Municipality,
            baken_domain::Country::NL,
            0,
        )
        .await
        .unwrap();
    let keys = baken_store::ReportKeys::ephemeral();
    for day in ["2020-01-01", "2999-01-01"] {
        db.store
            .create_report(&keys, &org.id, "nl", "{}", day)
            .await
            .unwrap();
    }
    let o = baken(&["retention", "run", "--database-url", &db.url]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("1 anonymous reports shredded"),
        "{}",
        text(&o.stdout)
    );
    let o = baken(&["retention", "run", "--database-url", &db.url]);
    assert!(text(&o.stdout).contains("0 anonymous reports shredded"));
    let o = baken(&["audit", "verify", "--database-url", &db.url]);
    assert!(o.status.success(), "{}", text(&o.stdout));
    db.cleanup().await;
}

#[test]
fn an_organisation_joins_a_region_and_mistakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    for (name, kind) in [
        ("Gemeente Regio", "municipality"),
        ("RIEC Oost", "regional_centre"),
        ("Politie Oost", "police"),
    ] {
        add_org(data, name, kind, "NL");
    }
    let region = |org: &str, centre: &str| {
        baken(&[
            "admin", "org", "region", "--data", data, "--org", org, "--centre", centre,
        ])
    };
    let o = region("Gemeente Regio", "Politie Oost");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("is a police, not a regional_centre"),
        "{}",
        text(&o.stderr)
    );
    let o = region("Gemeente Nergens", "RIEC Oost");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no organisation named \"Gemeente Nergens\""));
    let o = region("Gemeente Regio", "RIEC Oost");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = baken(&["admin", "org", "list", "--data", data]);
    let list = text(&o.stdout);
    let line = list
        .lines()
        .find(|l| l.starts_with("Gemeente Regio"))
        .unwrap();
    assert!(line.ends_with("region: RIEC Oost"), "{list}");
    let o = baken(&["audit", "verify", "--data", data]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn postcode_areas_are_set_with_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    add_org(data, "Gemeente Utrecht", "municipality", "NL");
    let set = |areas: &str| {
        baken(&[
            "admin",
            "org",
            "postcodes",
            "--data",
            data,
            "--org",
            "Gemeente Utrecht",
            "--areas",
            areas,
        ])
    };
    for (bad, named) in [
        ("3511-35x5", "\"3511-35x5\" is not a postcode"),
        ("3585-3511", "\"3585-3511\" runs backwards"),
        ("3511,3511", "given twice"),
    ] {
        let o = set(bad);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(text(&o.stderr).contains(named), "{}", text(&o.stderr));
    }
    let o = set("3511-3585, 3600");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("postcodes: 3511-3585, 3600"));
}

/// The CLI lists users whose TOTP secret the server sealed, with or without the master
/// key: a user's secret is opened only to check a code (`Store::open_totp_secret`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_users_without_opening_their_totp_secrets() {
    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    add_org(data, "Gemeente Sleutel", "municipality", "NL");
    let o = baken(&[
        "admin",
        "user",
        "add",
        "--data",
        data,
        "--username",
        "sleutel-coord",
        "--name",
        "Coördinator",
        "--org",
        "Gemeente Sleutel",
        "--role",
        "coordinator",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // The server enrols the user's second factor under the master key.
    let store = baken_store::Store::open_dir(dir.path())
        .await
        .unwrap()
        .with_totp_key(
            baken_store::ReportKeys::from_hex(KEY)
                .unwrap()
                .totp_sealing_key(),
        );
    let user = store.user_by_username("sleutel-coord").await.unwrap();
    store
        .set_totp(&user.id, Some("JBSWY3DPEHPK3PXP"), true)
        .await
        .unwrap();
    store.close().await;
    let list = |key: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_baken"));
        c.args(["admin", "user", "list", "--data", data])
            .env("BAKEN_LOG", "warn")
            .env_remove("BAKEN_REPORT_KEY");
        if let Some(k) = key {
            c.env("BAKEN_REPORT_KEY", k);
        }
        c.output().unwrap()
    };
    // Listing users does not open their secrets: it works with and without the key,
    // and prints no secret, sealed or not.
    for key in [Some(KEY), None] {
        let o = list(key);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(out.contains("sleutel-coord"), "{out}");
        assert!(
            !out.contains("JBSWY3DPEHPK3PXP") && !out.contains("sealed:"),
            "{out}"
        );
    }
}
