//! One story, run unchanged against SQLite and PostgreSQL: the two backends must behave
//! identically for everything Baken relies on.

use baken_domain::audit::ChainBreak;
use baken_domain::{Country, OrgKind, Role};
use baken_store::testkit::TestDb;
use baken_store::{
    hash_password, AuditEntry, AuditQuery, NewPost, NewUser, Scope, Store, StoreError,
    VerifyOutcome,
};

const NOW: i64 = 1_790_000_000;

/// Run a story on a fresh SQLite database and on a fresh PostgreSQL database (when
/// configured): `NAME::sqlite` and `NAME::postgres`.
macro_rules! on_both {
    ($name:ident, $story:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = TestDb::sqlite().await;
                $story(&db.store).await;
                db.cleanup().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = TestDb::postgres().await else {
                    return;
                };
                $story(&db.store).await;
                db.cleanup().await;
            }
        }
    };
}

async fn story(store: &Store) {
    store.ping().await.expect("ping");

    // Organisations: unique names, listed in order.
    let a = municipality(store, "Gemeente Alfa", Country::NL).await;
    let b = municipality(store, "Stad Bravo", Country::BE).await;
    assert!(matches!(
        store
            .create_org("Gemeente Alfa", OrgKind::Police, Country::NL, NOW)
            .await,
        Err(StoreError::Conflict("organisation name"))
    ));
    let names: Vec<String> = store
        .list_orgs()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Gemeente Alfa", "Stad Bravo"]);

    // Users with roles; a duplicate username is refused and writes nothing.
    let hash = hash_password("pw");
    let admin_a = store
        .create_user(
            &NewUser {
                username: "admin-a",
                display_name: "Admin A",
                password_hash: &hash,
                must_change_password: false,
            },
            &[
                (a.id.clone(), Role::Administrator),
                (a.id.clone(), Role::PrivacyOfficer),
            ],
            NOW,
        )
        .await
        .unwrap();
    let user_b = store
        .create_user(
            &NewUser {
                username: "worker-b",
                display_name: "Worker B",
                password_hash: &hash,
                must_change_password: true,
            },
            &[(b.id.clone(), Role::Frontline)],
            NOW,
        )
        .await
        .unwrap();
    let dup = store
        .create_user(
            &NewUser {
                username: "worker-b",
                display_name: "Other",
                password_hash: &hash,
                must_change_password: false,
            },
            &[(a.id.clone(), Role::Frontline)],
            NOW,
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict("username"))));
    assert_eq!(store.count_users().await.unwrap(), 2);
    assert!(
        store
            .user_by_username("worker-b")
            .await
            .unwrap()
            .must_change_password
    );

    // Scoped reads: organisation A's administrator sees A's users and gets NotFound for B's.
    let scope_a = Scope {
        user_id: admin_a.id.clone(),
        org_id: a.id.clone(),
        roles: vec![Role::Administrator, Role::PrivacyOfficer],
    };
    let users = store.users_of_org(&scope_a, NOW).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].0.username, "admin-a");
    assert!(matches!(
        store.user_of_org(&scope_a, &user_b.id, NOW).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.org_in_scope(&scope_a, &b.id).await,
        Err(StoreError::NotFound)
    ));
    let frontline_scope = Scope {
        user_id: user_b.id.clone(),
        org_id: b.id.clone(),
        roles: vec![Role::Frontline],
    };
    assert!(matches!(
        store.users_of_org(&frontline_scope, NOW).await,
        Err(StoreError::NotFound)
    ));

    // Sessions: idle and absolute time-outs, log out everywhere.
    let (raw, s) = store
        .create_session(&admin_a.id, Some(&a.id), NOW)
        .await
        .unwrap();
    assert_eq!(raw.len(), 64, "256-bit session id");
    assert_ne!(s.id_hash, raw, "only the hash is stored");
    assert!(store
        .live_session(&raw, NOW + 10, 900, 3600)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .live_session(&raw, NOW + 901, 900, 3600)
        .await
        .unwrap()
        .is_none());
    assert!(
        store
            .live_session(&raw, NOW + 10, 900, 3600)
            .await
            .unwrap()
            .is_none(),
        "expired session was deleted"
    );
    let (raw2, _) = store.create_session(&admin_a.id, None, NOW).await.unwrap();
    let (raw3, _) = store.create_session(&admin_a.id, None, NOW).await.unwrap();
    assert_eq!(store.delete_sessions_of_user(&admin_a.id).await.unwrap(), 2);
    assert!(store
        .live_session(&raw2, NOW, 900, 3600)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .live_session(&raw3, NOW, 900, 3600)
        .await
        .unwrap()
        .is_none());

    // Throttle counts failures per key, known account or not.
    store.record_login_failure("nobody", NOW).await.unwrap();
    store.record_login_failure("nobody", NOW + 1).await.unwrap();
    assert_eq!(store.login_failures("nobody").await.unwrap(), (2, NOW + 1));
    store.clear_login_failures("nobody").await.unwrap();
    assert_eq!(store.login_failures("nobody").await.unwrap(), (0, 0));

    // Audit: the scoped reads above were recorded; reading the trail is recorded too.
    let before = match store.verify_audit().await.unwrap() {
        VerifyOutcome::Intact { records } => records,
        other => panic!("trail not intact: {other:?}"),
    };
    assert_eq!(
        before, 1,
        "one audited read (users_of_org A); refused reads write nothing"
    );
    store
        .append_audit(
            &AuditEntry {
                actor_user_id: Some(admin_a.id.clone()),
                actor_org_id: Some(a.id.clone()),
                action: "login".into(),
                object_type: "session".into(),
                purpose: "authentication".into(),
                result: "ok".into(),
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap();
    let trail = store
        .audit_records(&scope_a, &AuditQuery::ByUser(admin_a.id.clone()), 50, NOW)
        .await
        .unwrap();
    // The read of the trail is appended before the query runs, so it is included.
    assert_eq!(trail.len(), 3);
    assert_eq!(trail[0].object_type, "audit_trail");
    assert!(matches!(
        store
            .audit_records(&frontline_scope, &AuditQuery::Recent, 50, NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.verify_audit().await.unwrap(),
        VerifyOutcome::Intact { records: 3 }
    );

    // Concurrent appends never fork the chain.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let st = store.clone();
        tasks.push(tokio::spawn(async move {
            st.append_audit(
                &AuditEntry {
                    action: format!("concurrent-{i}"),
                    object_type: "test".into(),
                    purpose: "test".into(),
                    result: "ok".into(),
                    ..Default::default()
                },
                NOW,
            )
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        store.verify_audit().await.unwrap(),
        VerifyOutcome::Intact { records: 23 }
    );

    guard_story(store).await;
    tamper_story(store).await;
}

/// Change the trail by hand, as someone with database-owner rights could: first drop the
/// append-only guard that refuses it.
async fn tamper(store: &Store, sql: &str) {
    store.lift_audit_guard_for_tamper_test().await.unwrap();
    sqlx::query(sql).execute(store.raw_pool()).await.unwrap();
}

/// The database itself refuses to change or delete audit records or the head, while
/// appending goes on; the chain stays intact.
async fn guard_story(store: &Store) {
    for statement in [
        "UPDATE audit_log SET action = 'nothing-to-see' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "DELETE FROM audit_log",
        "DELETE FROM audit_head",
    ] {
        let refused = sqlx::query(statement).execute(store.raw_pool()).await;
        let message = refused.expect_err(statement).to_string();
        assert!(
            message.contains("append-only") || message.contains("cannot be deleted"),
            "{statement}: {message}"
        );
    }
    store
        .migrate()
        .await
        .expect("migrating again keeps the guard in place");
    assert!(sqlx::query("DELETE FROM audit_log")
        .execute(store.raw_pool())
        .await
        .is_err());
    let before = match store.verify_audit().await.unwrap() {
        VerifyOutcome::Intact { records } => records,
        broken => panic!("{broken:?}"),
    };
    append(store, "after-guard").await;
    assert_eq!(
        store.verify_audit().await.unwrap(),
        VerifyOutcome::Intact {
            records: before + 1
        }
    );
}

/// Changing, deleting and reordering records by hand is detected and the record named.
async fn tamper_story(store: &Store) {
    // Change record 5.
    tamper(
        store,
        "UPDATE audit_log SET action = 'nothing-to-see' WHERE seq = 5",
    )
    .await;
    assert_eq!(
        store.verify_audit().await.unwrap(),
        VerifyOutcome::Broken(ChainBreak::Altered { seq: 5 })
    );
    tamper(
        store,
        "UPDATE audit_log SET action = 'concurrent-x' WHERE seq = 5",
    )
    .await;

    // Reorder: swap the contents of records 7 and 8 (keeping their seq numbers).
    let swap =
        "UPDATE audit_log SET seq = CASE seq WHEN 7 THEN -8 WHEN 8 THEN -7 END WHERE seq IN (7, 8)";
    tamper(store, swap).await;
    tamper(store, "UPDATE audit_log SET seq = -seq WHERE seq < 0").await;
    match store.verify_audit().await.unwrap() {
        VerifyOutcome::Broken(b) => assert!(b.seq() <= 7, "first break at or before 7: {b}"),
        other => panic!("reorder not detected: {other:?}"),
    }
}

/// Append a record with no actor.
async fn append(store: &Store, action: &str) {
    let entry = AuditEntry {
        action: action.into(),
        object_type: "t".into(),
        purpose: "p".into(),
        result: "ok".into(),
        ..Default::default()
    };
    store.append_audit(&entry, NOW).await.unwrap();
}

async fn delete_story(store: &Store) {
    for i in 0..5 {
        append(store, &format!("a{i}")).await;
    }
    tamper(store, "DELETE FROM audit_log WHERE seq = 3").await;
    assert_eq!(
        store.verify_audit().await.unwrap(),
        VerifyOutcome::Broken(ChainBreak::Gap {
            expected_seq: 3,
            found_seq: 4
        })
    );
    tamper(store, "DELETE FROM audit_log WHERE seq >= 3").await;
    assert_eq!(
        store.verify_audit().await.unwrap(),
        VerifyOutcome::Broken(ChainBreak::Truncated {
            head_seq: 5,
            last_seq: 2
        })
    );
}

on_both!(story_on, story);

on_both!(deletion_and_truncation_on, delete_story);

#[tokio::test]
async fn sqlite_runs_with_wal_full_sync_and_foreign_keys() {
    let db = TestDb::sqlite().await;
    let pool = db.store.raw_pool();
    let mode: (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode.0.to_lowercase(), "wal");
    let sync: (i64,) = sqlx::query_as("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(sync.0, 2, "synchronous=FULL");
    let fk: (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(fk.0, 1);
    db.cleanup().await;
}

/// Signals: drafts only for their author, submission into the inbox, status, tokens.
async fn signals_story(store: &Store) {
    let a = municipality(store, "Gemeente A", Country::NL).await;
    let b = municipality(store, "Gemeente B", Country::NL).await;
    let hash = hash_password("pw");
    let mk = |name: &'static str, org: String, role: Role| {
        let hash = hash.clone();
        async move {
            let u = store
                .create_user(
                    &NewUser {
                        username: name,
                        display_name: name,
                        password_hash: &hash,
                        must_change_password: false,
                    },
                    &[(org.clone(), role)],
                    NOW,
                )
                .await
                .unwrap();
            Scope {
                user_id: u.id,
                org_id: org,
                roles: vec![role],
            }
        }
    };
    let clerk = mk("clerk", a.id.clone(), Role::Frontline).await;
    let clerk2 = mk("clerk2", a.id.clone(), Role::Frontline).await;
    let coord = mk("coord", a.id.clone(), Role::Coordinator).await;
    let coord_b = mk("coord-b", b.id.clone(), Role::Coordinator).await;

    let id = store
        .create_draft(&clerk, "registration_desk", NOW)
        .await
        .unwrap();
    let fields = vec![
        ("observation".to_string(), "Zag iets".to_string()),
        ("e0.kind".into(), "bank_account".into()),
    ];
    assert_eq!(
        store
            .save_draft(&clerk, &id, &fields, "registration_desk", None, NOW)
            .await
            .unwrap(),
        Some(1)
    );
    // A late autosave made from revision 0 does not overwrite the newer save.
    let stale = vec![("observation".to_string(), "oud".to_string())];
    assert_eq!(
        store
            .save_draft(&clerk, &id, &stale, "registration_desk", Some(0), NOW)
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store
            .save_draft(&clerk2, &id, &stale, "registration_desk", None, NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.own_draft(&clerk, &id, NOW).await.unwrap().fields,
        fields,
        "saved exactly as typed"
    );
    assert!(matches!(
        store.own_draft(&clerk2, &id, NOW).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.own_draft(&coord, &id, NOW).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        matches!(
            store.signal(&coord, &id, NOW).await,
            Err(StoreError::NotFound)
        ),
        "drafts are not in the inbox"
    );
    assert!(store
        .inbox(&coord, &baken_store::InboxFilter::default(), None, 500, NOW)
        .await
        .unwrap()
        .is_empty());

    let ident = [(
        0usize,
        baken_domain::signal::Identifier {
            kind: "iban",
            value: "NL91ABNA0417164300".into(),
        },
    )];
    store
        .submit_signal(
            &clerk,
            &id,
            &baken_store::Submission {
                fields: &fields,
                context: "registration_desk",
                urgency: "high",
                acute: false,
                reading_json: "{\"r\":1}",
                highest_level: "possible",
                library_version: "2026.1.0",
                library_hash: "abc",
                identifiers: &ident,
            },
            NOW + 5,
        )
        .await
        .unwrap();
    let inbox = store
        .inbox(&coord, &baken_store::InboxFilter::default(), None, 500, NOW)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].status, "received");
    let urgent_only = baken_store::InboxFilter {
        urgency: "acute".into(),
        ..Default::default()
    };
    assert!(
        store
            .inbox(&coord, &urgent_only, None, 500, NOW)
            .await
            .unwrap()
            .is_empty(),
        "filter narrows"
    );
    let unassigned = baken_store::InboxFilter {
        assignee: Some("none".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .inbox(&coord, &unassigned, None, 500, NOW)
            .await
            .unwrap()
            .len(),
        1
    );
    store
        .assign_signal(&coord, &id, Some(&coord.user_id), NOW)
        .await
        .unwrap();
    assert!(store
        .inbox(&coord, &unassigned, None, 500, NOW)
        .await
        .unwrap()
        .is_empty());
    let mine = baken_store::InboxFilter {
        assignee: Some(coord.user_id.clone()),
        ..Default::default()
    };
    assert_eq!(
        store
            .inbox(&coord, &mine, None, 500, NOW)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        matches!(
            store
                .assign_signal(&coord, &id, Some(&clerk.user_id), NOW)
                .await,
            Err(StoreError::NotFound)
        ),
        "only case readers"
    );
    assert_eq!(inbox[0].library_hash.as_deref(), Some("abc"));
    assert!(
        matches!(
            store
                .inbox(&clerk, &baken_store::InboxFilter::default(), None, 500, NOW)
                .await,
            Err(StoreError::NotFound)
        ),
        "frontline has no inbox"
    );
    assert!(
        store
            .inbox(
                &coord_b,
                &baken_store::InboxFilter::default(),
                None,
                500,
                NOW
            )
            .await
            .unwrap()
            .is_empty(),
        "other organisation sees nothing"
    );
    assert!(matches!(
        store.signal(&coord_b, &id, NOW).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        matches!(
            store.signal(&clerk2, &id, NOW).await,
            Err(StoreError::NotFound)
        ),
        "a colleague without case rights"
    );
    assert_eq!(
        store.signal(&clerk, &id, NOW).await.unwrap().submitted_at,
        Some(NOW + 5)
    );
    assert!(matches!(
        store.set_signal_status(&coord_b, &id, "handled", NOW).await,
        Err(StoreError::NotFound)
    ));
    store
        .set_signal_status(&coord, &id, "in_progress", NOW)
        .await
        .unwrap();
    assert_eq!(
        store.own_signals(&clerk).await.unwrap()[0].status,
        "in_progress"
    );
    let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM signal_identifiers WHERE kind = 'iban'")
        .fetch_one(store.raw_pool())
        .await
        .unwrap();
    assert_eq!(n.0, 1);

    let (token, _) = store
        .create_api_token(&clerk, "ci", &["signals:write"], NOW)
        .await
        .unwrap();
    let found = store.api_token(&token).await.unwrap().unwrap();
    assert_eq!(found.scopes, ["signals:write"]);
    assert!(store.api_token("bk_wrong").await.unwrap().is_none());
    store.disable_user(&clerk.user_id).await.unwrap();
    assert!(
        store.api_token(&token).await.unwrap().is_none(),
        "a disabled user's token stops working"
    );
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        VerifyOutcome::Intact { .. }
    ));
}

on_both!(signals_on, signals_story);

/// A signal submitted in one step (the JSON API): one transaction with one audit record,
/// what is returned is what is stored, concurrent submissions keep the chain intact, and
/// when the audit record cannot be written nothing is written at all.
async fn one_step_submission_story(store: &Store) {
    let a = store
        .create_org("Gemeente S", OrgKind::Municipality, Country::NL, NOW)
        .await
        .unwrap();
    let [clerk, coord, privacy] = <[Scope; 3]>::try_from(
        users(
            store,
            &[
                ("s-clerk", &a, Role::Frontline),
                ("s-coord", &a, Role::Coordinator),
                ("s-privacy", &a, Role::PrivacyOfficer),
            ],
        )
        .await,
    )
    .unwrap();
    let fields = vec![
        ("context".to_string(), "registration_desk".to_string()),
        ("observation".to_string(), "x".to_string()),
    ];
    let identifiers = vec![(
        0,
        baken_domain::signal::Identifier {
            kind: "iban",
            value: "NL91ABNA0417164300".to_string(),
        },
    )];
    let submission = baken_store::Submission {
        fields: &fields,
        context: "registration_desk",
        urgency: "high",
        acute: false,
        reading_json: "{\"reading\":1}",
        highest_level: "possible",
        library_version: "v",
        library_hash: "h",
        identifiers: &identifiers,
    };
    let records = |outcome| match outcome {
        VerifyOutcome::Intact { records } => records,
        other => panic!("trail not intact: {other:?}"),
    };
    let before = records(store.verify_audit().await.unwrap());
    let rec = store
        .record_submitted_signal(&clerk, &submission, NOW)
        .await
        .unwrap();
    assert_eq!(
        records(store.verify_audit().await.unwrap()),
        before + 1,
        "one audit record per submission"
    );
    let trail = store
        .audit_records(&privacy, &AuditQuery::BySubject(rec.id.clone()), 10, NOW)
        .await
        .unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|r| r.action == "submit")
            .map(|r| (r.actor_user_id.as_deref(), r.object_id.as_deref()))
            .collect::<Vec<_>>(),
        [(Some(clerk.user_id.as_str()), Some(rec.id.as_str()))]
    );
    // What was returned is what was stored, as its author and the inbox read it.
    assert_eq!(store.signal(&coord, &rec.id, NOW).await.unwrap(), rec);
    assert_eq!(rec.status, "received");
    assert_eq!(rec.reading.as_deref(), Some("{\"reading\":1}"));
    let inbox = store
        .inbox(&coord, &baken_store::InboxFilter::default(), None, 500, NOW)
        .await
        .unwrap();
    assert!(inbox.iter().any(|s| s.id == rec.id));
    // A role that may not record signals records nothing.
    assert!(matches!(
        store
            .record_submitted_signal(&privacy, &submission, NOW)
            .await,
        Err(StoreError::NotFound)
    ));

    // Concurrent submissions never fork the chain.
    let before = records(store.verify_audit().await.unwrap());
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (st, clerk, fields, identifiers) = (
            store.clone(),
            clerk.clone(),
            fields.clone(),
            identifiers.clone(),
        );
        tasks.push(tokio::spawn(async move {
            st.create_submitted_signal(
                &clerk,
                &baken_store::Submission {
                    fields: &fields,
                    context: "registration_desk",
                    urgency: "normal",
                    acute: false,
                    reading_json: "{}",
                    highest_level: "weak",
                    library_version: "v",
                    library_hash: "h",
                    identifiers: &identifiers,
                },
                NOW,
            )
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(records(store.verify_audit().await.unwrap()), before + 16);

    // Submissions that fail (an author the database does not know) among concurrent ones
    // that do not: written together, each stands or falls alone.
    let before = records(store.verify_audit().await.unwrap());
    let ghost = Scope {
        user_id: "no-such-user".into(),
        ..clerk.clone()
    };
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (st, fields) = (store.clone(), fields.clone());
        let scope = if i % 2 == 0 {
            clerk.clone()
        } else {
            ghost.clone()
        };
        tasks.push(tokio::spawn(async move {
            st.record_submitted_signal(
                &scope,
                &baken_store::Submission {
                    fields: &fields,
                    context: "registration_desk",
                    urgency: "normal",
                    acute: false,
                    reading_json: "{}",
                    highest_level: "weak",
                    library_version: "v",
                    library_hash: "h",
                    identifiers: &[],
                },
                NOW,
            )
            .await
        }));
    }
    let mut stored = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await.unwrap() {
            Ok(rec) => {
                assert_eq!(i % 2, 0, "a ghost's submission was stored");
                stored.push(rec);
            }
            Err(e) => assert_eq!(i % 2, 1, "a valid submission failed: {e}"),
        }
    }
    assert_eq!(stored.len(), 8);
    for rec in &stored {
        assert_eq!(&store.signal(&coord, &rec.id, NOW).await.unwrap(), rec);
    }
    // Eight submissions and the eight reads just made.
    assert_eq!(records(store.verify_audit().await.unwrap()), before + 16);

    // The audit trail cannot be written: the submission fails and leaves nothing.
    let count = |sql: &'static str| async move {
        let row: (i64,) = sqlx::query_as(sql)
            .fetch_one(store.raw_pool())
            .await
            .unwrap();
        row.0
    };
    let signals = count("SELECT COUNT(*) FROM signals").await;
    let idents = count("SELECT COUNT(*) FROM signal_identifiers").await;
    let pool = store.raw_pool();
    if store.backend() == baken_store::Backend::Sqlite {
        sqlx::query("CREATE TRIGGER block_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'blocked'); END")
            .execute(pool).await.unwrap();
    } else {
        sqlx::query("CREATE FUNCTION block_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'blocked'; END $$ LANGUAGE plpgsql")
            .execute(pool).await.unwrap();
        sqlx::query("CREATE TRIGGER block_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION block_audit()")
            .execute(pool).await.unwrap();
    }
    let head_before: (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(matches!(
        store
            .record_submitted_signal(&clerk, &submission, NOW)
            .await,
        Err(StoreError::AuditUnavailable)
    ));
    assert_eq!(count("SELECT COUNT(*) FROM signals").await, signals);
    assert_eq!(
        count("SELECT COUNT(*) FROM signal_identifiers").await,
        idents
    );
    let head_after: (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(head_after, head_before, "the head did not move");
}

on_both!(one_step_submission_on, one_step_submission_story);

/// Referral sections of the given categories, each with one line naming it.
fn sections(categories: &[&str]) -> Vec<baken_store::ReferralSection> {
    categories
        .iter()
        .map(|c| baken_store::ReferralSection {
            category: c.to_string(),
            lines: vec![format!("line of {c}")],
        })
        .collect()
}

/// Users with one role each, and their scopes, in the order given.
/// A municipality for a story, created now.
async fn municipality(store: &Store, name: &str, country: Country) -> baken_store::Organisation {
    store
        .create_org(name, OrgKind::Municipality, country, NOW)
        .await
        .unwrap()
}

async fn users(store: &Store, people: &[(&str, &baken_store::Organisation, Role)]) -> Vec<Scope> {
    let hash = hash_password("pw");
    let mut scopes = Vec::new();
    for (name, org, role) in people {
        let u = store
            .create_user(
                &NewUser {
                    username: name,
                    display_name: name,
                    password_hash: &hash,
                    must_change_password: false,
                },
                &[(org.id.clone(), *role)],
                NOW,
            )
            .await
            .unwrap();
        scopes.push(Scope {
            user_id: u.id,
            org_id: org.id.clone(),
            roles: vec![*role],
        });
    }
    scopes
}

/// Dossiers: need-to-know, clearance, organisation boundary, workflow, feedback to source.
async fn dossiers_story(store: &Store) {
    let a = municipality(store, "Gemeente D", Country::NL).await;
    let b = municipality(store, "Gemeente E", Country::BE).await;
    let scopes = users(
        store,
        &[
            ("d-clerk", &a, Role::Frontline),
            ("d-coord", &a, Role::Coordinator),
            ("d-analyst", &a, Role::Analyst),
            ("d-analyst2", &a, Role::Analyst),
            ("e-coord", &b, Role::Coordinator),
        ],
    )
    .await;
    let [clerk, coord, analyst, analyst2, other_org] = <[Scope; 5]>::try_from(scopes).unwrap();
    store.set_clearance(&coord.user_id, 8).await.unwrap();
    store.set_clearance(&analyst2.user_id, 3).await.unwrap();

    let mut signal_ids = Vec::new();
    for _ in 0..2 {
        let fields = vec![("observation".to_string(), "x".to_string())];
        signal_ids.push(
            store
                .create_submitted_signal(
                    &clerk,
                    &baken_store::Submission {
                        fields: &fields,
                        context: "registration_desk",
                        urgency: "normal",
                        acute: false,
                        reading_json: "{}",
                        highest_level: "weak",
                        library_version: "v",
                        library_hash: "h",
                        identifiers: &[],
                    },
                    NOW,
                )
                .await
                .unwrap(),
        );
    }
    // Above one's own clearance is refused; at it, accepted.
    assert!(matches!(
        store
            .create_dossier(&analyst, "te hoog", 6, &signal_ids, NOW)
            .await,
        Err(StoreError::Conflict("confidentiality"))
    ));
    let id = store
        .create_dossier(&coord, "Kerkstraat 12", 5, &signal_ids, NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .signal(&clerk, &signal_ids[0], NOW)
            .await
            .unwrap()
            .status,
        "in_progress"
    );

    // Need-to-know: the coordinator sees it; a non-member analyst does not, until added;
    // an analyst below the level never does; another organisation never does.
    assert_eq!(store.dossiers(&coord, NOW).await.unwrap().len(), 1);
    assert!(store.dossiers(&analyst, NOW).await.unwrap().is_empty());
    assert!(matches!(
        store.dossier_view(&analyst, &id, NOW).await,
        Err(StoreError::NotFound)
    ));
    store
        .add_member(&coord, &id, &analyst.user_id, NOW)
        .await
        .unwrap();
    store
        .add_member(&coord, &id, &analyst2.user_id, NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .dossier_view(&analyst, &id, NOW)
            .await
            .unwrap()
            .signals
            .len(),
        2
    );
    assert!(
        matches!(
            store.dossier_view(&analyst2, &id, NOW).await,
            Err(StoreError::NotFound)
        ),
        "clearance 3 < level 5"
    );
    assert!(store.dossiers(&analyst2, NOW).await.unwrap().is_empty());
    for scope in [&other_org, &clerk] {
        assert!(matches!(
            store.dossier_view(scope, &id, NOW).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.add_dossier_entry(scope, &id, "note", "x", NOW).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .set_dossier_status(scope, &id, "closed", Some("r"), NOW)
                .await,
            Err(StoreError::NotFound)
        ));
    }
    assert!(store.dossiers(&other_org, NOW).await.unwrap().is_empty());

    // Work: note, task, workflow; closing needs a result and marks the signals handled.
    store
        .add_dossier_entry(
            &analyst,
            &id,
            "decision",
            "Bibob-toets aanvragen, want stroman",
            NOW,
        )
        .await
        .unwrap();
    store
        .add_task(
            &analyst,
            &id,
            "Adresonderzoek",
            &analyst.user_id,
            "2030-01-01",
            NOW,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .add_task(&analyst, &id, "x", &other_org.user_id, "2030-01-01", NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .set_dossier_status(&coord, &id, "closed", None, NOW)
            .await,
        Err(StoreError::Conflict("status"))
    ));
    store
        .set_dossier_status(&coord, &id, "action", None, NOW)
        .await
        .unwrap();
    assert!(matches!(
        store
            .set_dossier_status(&coord, &id, "new", None, NOW)
            .await,
        Err(StoreError::Conflict("status"))
    ));
    store
        .set_dossier_status(&coord, &id, "closed", Some("Woning gesloten"), NOW)
        .await
        .unwrap();
    let view = store.dossier_view(&coord, &id, NOW).await.unwrap();
    assert_eq!(view.dossier.result.as_deref(), Some("Woning gesloten"));
    assert_eq!(view.tasks.len(), 1);
    let kinds: Vec<&str> = view.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"decision") && kinds.contains(&"task_added") && kinds.contains(&"status"),
        "{kinds:?}"
    );
    for s in &signal_ids {
        assert_eq!(
            store.signal(&clerk, s, NOW).await.unwrap().status,
            "handled",
            "the source sees handled"
        );
    }
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        VerifyOutcome::Intact { .. }
    ));
}

on_both!(dossiers_on, dossiers_story);

/// Barriers on a dossier and the contact-point directory: same visibility as the
/// dossier, timeline and audit trail, an all-or-nothing directory per organisation.
async fn barriers_story(store: &Store) {
    let a = municipality(store, "Gemeente F", Country::NL).await;
    let b = municipality(store, "Gemeente G", Country::BE).await;
    let scopes = users(
        store,
        &[
            ("f-coord", &a, Role::Coordinator),
            ("f-analyst", &a, Role::Analyst),
            ("f-admin", &a, Role::Administrator),
            ("f-clerk", &a, Role::Frontline),
            ("g-coord", &b, Role::Coordinator),
            ("g-admin", &b, Role::Administrator),
        ],
    )
    .await;
    let [coord, analyst, admin, clerk, other_coord, other_admin] =
        <[Scope; 6]>::try_from(scopes).unwrap();
    let id = store
        .create_dossier(&coord, "Industrieweg 4", 3, &[], NOW)
        .await
        .unwrap();

    // Applying: the coordinator may; a non-member analyst, a frontline worker and
    // another organisation's coordinator get NotFound.
    for outsider in [&analyst, &clerk, &other_coord] {
        assert!(matches!(
            store
                .apply_barrier(outsider, &id, "BAR-01", "Team Bibob", NOW)
                .await,
            Err(StoreError::NotFound)
        ));
    }
    let row = store
        .apply_barrier(&coord, &id, "BAR-01", "Team Bibob", NOW + 1)
        .await
        .unwrap();
    assert!(matches!(
        store
            .update_barrier(&coord, &id, &row, "finished", "", NOW + 2)
            .await,
        Err(StoreError::Conflict("status"))
    ));
    assert!(matches!(
        store
            .update_barrier(&other_coord, &id, &row, "done", "x", NOW + 2)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .update_barrier(&coord, &id, "no-such-row", "done", "x", NOW + 2)
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .update_barrier(&coord, &id, &row, "done", "Vergunning geweigerd", NOW + 3)
        .await
        .unwrap();
    let view = store.dossier_view(&coord, &id, NOW + 4).await.unwrap();
    assert_eq!(view.barriers.len(), 1);
    assert_eq!(view.barriers[0].barrier_id, "BAR-01");
    assert_eq!(view.barriers[0].applied_by, "Team Bibob");
    assert_eq!(view.barriers[0].status, "done");
    assert_eq!(view.barriers[0].outcome, "Vergunning geweigerd");
    let kinds: Vec<&str> = view.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"barrier_applied"));
    assert!(view
        .events
        .iter()
        .any(|e| e.kind == "barrier_updated" && e.text.contains("Vergunning geweigerd")));
    let trail = store
        .audit_records(
            &Scope {
                user_id: admin.user_id.clone(),
                org_id: a.id.clone(),
                roles: vec![Role::PrivacyOfficer],
            },
            &AuditQuery::ByUser(coord.user_id.clone()),
            50,
            NOW + 5,
        )
        .await
        .unwrap();
    assert!(trail.iter().any(|r| r.action == "apply_barrier"));
    assert!(trail.iter().any(|r| r.action == "barrier:done"));

    // The directory: only administrators import; the import replaces as a whole; each
    // organisation sees only its own; frontline workers do not read it.
    // (Without the demo partner organisation, which this database does not hold.)
    let rows: Vec<_> = baken_store::seed::demo_contacts()
        .into_iter()
        .map(|mut c| {
            c.organisation.clear();
            c
        })
        .collect();
    assert!(matches!(
        store.import_contacts(&coord, &rows, NOW).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.import_contacts(&admin, &rows, NOW).await.unwrap(),
        rows.len()
    );
    store
        .import_contacts(&other_admin, &rows[..1], NOW)
        .await
        .unwrap();
    let listed = store.contacts(&coord, NOW).await.unwrap();
    assert_eq!(listed.len(), rows.len());
    assert!(listed
        .iter()
        .any(|c| c.country == "BE" && c.phenomena.contains(&"labour_exploitation".to_string())));
    assert_eq!(store.contacts(&other_coord, NOW).await.unwrap().len(), 1);
    assert!(matches!(
        store.contacts(&clerk, NOW).await,
        Err(StoreError::NotFound)
    ));

    // Referral to a contact point: at least one known category; another organisation's
    // contact point or dossier is NotFound; on the timeline and in the audit trail.
    let partner = &listed[0];
    let other_contact = &store.contacts(&other_coord, NOW).await.unwrap()[0];
    assert!(matches!(
        store
            .refer_dossier(&coord, &id, &partner.id, &[], NOW)
            .await,
        Err(StoreError::Conflict("categories"))
    ));
    assert!(matches!(
        store
            .refer_dossier(&coord, &id, &partner.id, &sections(&["everything"]), NOW)
            .await,
        Err(StoreError::Conflict("categories"))
    ));
    assert!(matches!(
        store
            .refer_dossier(&coord, &id, &other_contact.id, &sections(&["summary"]), NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .refer_dossier(
                &other_coord,
                &id,
                &other_contact.id,
                &sections(&["summary"]),
                NOW
            )
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .refer_dossier(
            &coord,
            &id,
            &partner.id,
            &sections(&["summary", "barriers"]),
            NOW + 6,
        )
        .await
        .unwrap();
    let view = store.dossier_view(&coord, &id, NOW + 7).await.unwrap();
    assert_eq!(view.referrals.len(), 1);
    assert_eq!(view.referrals[0].partner, partner.partner);
    assert_eq!(view.referrals[0].categories, vec!["summary", "barriers"]);
    assert!(view.events.iter().any(|e| e.kind == "referred"));

    store
        .import_contacts(&admin, &rows[1..2], NOW + 1)
        .await
        .unwrap();
    assert_eq!(store.contacts(&admin, NOW).await.unwrap().len(), 1);
}

on_both!(barriers_on, barriers_story);

async fn learning_story(store: &Store) {
    let a = municipality(store, "Gemeente L", Country::NL).await;
    let b = municipality(store, "Gemeente M", Country::BE).await;
    let scopes = users(
        store,
        &[
            ("l-clerk", &a, Role::Frontline),
            ("l-trainer", &a, Role::Trainer),
            ("l-coord", &a, Role::Coordinator),
            ("m-clerk", &b, Role::Frontline),
        ],
    )
    .await;
    let [clerk, trainer, coord, other] = <[Scope; 4]>::try_from(scopes).unwrap();

    // A learner records a practice case and a module; an unknown kind is refused.
    store
        .record_learning(&clerk, "case", "labour-car-wash", "2026-11-20", 67, NOW)
        .await
        .unwrap();
    store
        .record_learning(&clerk, "module", "inspection", "2026-11-20", 140, NOW + 1)
        .await
        .unwrap();
    assert!(matches!(
        store
            .record_learning(&clerk, "certificate", "x", "2026-11-20", 1, NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .record_learning(&other, "module", "desk", "2026-11-21", 100, NOW)
        .await
        .unwrap();

    let mine = store.my_learning(&clerk).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].kind, "module");
    assert_eq!(mine[0].score, 100, "scores are clamped to 0..=100");
    assert_eq!(mine[1].item_id, "labour-car-wash");
    assert_eq!(mine[1].score, 67);
    assert!(store.my_learning(&trainer).await.unwrap().is_empty());

    // Trainers and coordinators see their own organisation only; a frontline worker
    // may not see the overview at all.
    for scope in [&trainer, &coord] {
        let all = store.learning_overview(scope, NOW).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|r| r.learner == "l-clerk"));
        assert_eq!(all[0].completed_on, "2026-11-20");
    }
    assert!(matches!(
        store.learning_overview(&clerk, NOW).await,
        Err(StoreError::NotFound)
    ));
    let other_coord = Scope {
        user_id: other.user_id.clone(),
        org_id: other.org_id.clone(),
        roles: vec![Role::Coordinator],
    };
    let theirs = store.learning_overview(&other_coord, NOW).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].item_id, "desk");

    // The overview is audited.
    let records = store
        .audit_records(
            &Scope {
                user_id: coord.user_id.clone(),
                org_id: coord.org_id.clone(),
                roles: vec![Role::PrivacyOfficer],
            },
            &AuditQuery::ByUser(trainer.user_id.clone()),
            10,
            NOW,
        )
        .await
        .unwrap();
    assert!(
        records.iter().any(|r| r.object_type == "learning_progress"),
        "{records:?}"
    );
}

on_both!(learning_on, learning_story);

/// The knowledge-sharing space: organisation and region visibility, answers follow their
/// question, bulletins from regional centres only, creation audited (with overrides).
async fn sharing_story(store: &Store) {
    let org = |name: &'static str, kind| async move {
        store
            .create_org(name, kind, Country::NL, NOW)
            .await
            .unwrap()
    };
    let centre = org("RIEC Noord", OrgKind::RegionalCentre).await;
    let other_centre = org("RIEC Zuid", OrgKind::RegionalCentre).await;
    let a = org("Gemeente Noord-A", OrgKind::Municipality).await;
    let p = org("Politie Noord", OrgKind::Police).await;
    let x = org("Gemeente Zuid-X", OrgKind::Municipality).await;
    let z = org("Gemeente Zonder Regio", OrgKind::Municipality).await;
    store.set_org_region(&a.id, &centre.id).await.unwrap();
    store.set_org_region(&p.id, &centre.id).await.unwrap();
    store.set_org_region(&x.id, &other_centre.id).await.unwrap();
    // Only a regional centre is a region, and a centre belongs to no other region.
    for (member, of) in [(&z, &a), (&centre, &other_centre)] {
        assert!(matches!(
            store.set_org_region(&member.id, &of.id).await,
            Err(StoreError::NotFound)
        ));
    }
    assert_eq!(
        store.org_region(&centre.id).await.unwrap(),
        Some(centre.id.clone())
    );
    assert_eq!(
        store.org_region(&a.id).await.unwrap(),
        Some(centre.id.clone())
    );
    assert_eq!(store.org_region(&z.id).await.unwrap(), None);

    let scopes = users(
        store,
        &[
            ("s-clerk", &a, Role::Frontline),
            ("s-trainer", &a, Role::Trainer),
            ("s-police", &p, Role::Frontline),
            ("s-centre", &centre, Role::RegionalAnalyst),
            ("s-zuid", &x, Role::Frontline),
            ("s-alone", &z, Role::Frontline),
            ("s-officer", &a, Role::PrivacyOfficer),
        ],
    )
    .await;
    let [clerk, trainer, police, analyst, south, alone, officer] =
        <[Scope; 7]>::try_from(scopes).unwrap();
    let post = |kind, to_region, parent_id, privacy_override| NewPost {
        kind,
        to_region,
        parent_id,
        title: "Titel",
        body: "Een geanonimiseerd verhaal.",
        link: "",
        privacy_override,
    };
    let sees = |scope: &Scope, id: &str| {
        let (scope, id) = (scope.clone(), id.to_string());
        async move { store.shared_post(&scope, &id).await.is_ok() }
    };

    // For the organisation only: colleagues, nobody else in the region.
    let own = store
        .create_post(&clerk, &post("experience", false, None, false), NOW)
        .await
        .unwrap();
    assert!(sees(&trainer, &own).await);
    assert!(!sees(&police, &own).await);
    assert!(!sees(&analyst, &own).await);

    // For the region: the centre and its organisations, not another region's.
    let question = store
        .create_post(&clerk, &post("question", true, None, true), NOW + 1)
        .await
        .unwrap();
    for s in [&trainer, &police, &analyst] {
        assert!(sees(s, &question).await);
    }
    for s in [&south, &alone] {
        assert!(!sees(s, &question).await);
        assert!(store.shared_posts(s).await.unwrap().is_empty());
    }

    // Answers go to a readable question and reach its readers; the trainer is marked.
    store
        .create_post(
            &trainer,
            &post("answer", false, Some(&question), false),
            NOW + 2,
        )
        .await
        .unwrap();
    store
        .create_post(
            &police,
            &post("answer", false, Some(&question), false),
            NOW + 3,
        )
        .await
        .unwrap();
    for refused in [
        store
            .create_post(&south, &post("answer", false, Some(&question), false), NOW)
            .await,
        store
            .create_post(&police, &post("answer", false, Some(&own), false), NOW)
            .await,
        store
            .create_post(&trainer, &post("answer", false, Some(&own), false), NOW)
            .await,
        store
            .create_post(&clerk, &post("answer", false, None, false), NOW)
            .await,
        store
            .create_post(&clerk, &post("gossip", false, None, false), NOW)
            .await,
        store
            .create_post(
                &clerk,
                &post("experience", false, Some(&question), false),
                NOW,
            )
            .await,
        store
            .create_post(&clerk, &post("bulletin", true, None, false), NOW)
            .await,
    ] {
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    }
    let (q, answers) = store.shared_post(&analyst, &question).await.unwrap();
    assert!(q.privacy_override);
    assert_eq!(q.region_id.as_deref(), Some(centre.id.as_str()));
    assert_eq!(answers.len(), 2);
    assert!(answers[0].author_is_trainer && answers[0].author == "s-trainer");
    assert!(!answers[1].author_is_trainer);
    assert!(answers.iter().all(|a| a.region_id == q.region_id));
    let listed = store.shared_posts(&police).await.unwrap();
    assert_eq!(
        listed.len(),
        1,
        "answers are not listed on their own: {listed:?}"
    );

    // Trend bulletins: regional centres only, always to the region.
    let bulletin = store
        .create_post(&analyst, &post("bulletin", false, None, false), NOW + 4)
        .await
        .unwrap();
    assert!(sees(&clerk, &bulletin).await && sees(&police, &bulletin).await);
    assert!(!sees(&south, &bulletin).await);
    let newest = store.shared_posts(&clerk).await.unwrap();
    assert_eq!(newest[0].id, bulletin);
    assert_eq!(newest.len(), 3);

    // Without a region, "to the region" stays in the organisation.
    let lonely = store
        .create_post(&alone, &post("instrument", true, None, false), NOW)
        .await
        .unwrap();
    let (l, _) = store.shared_post(&alone, &lonely).await.unwrap();
    assert_eq!(l.region_id, None);

    // Creation is audited, an override with it.
    let records = store
        .audit_records(
            &officer,
            &AuditQuery::ByUser(clerk.user_id.clone()),
            50,
            NOW,
        )
        .await
        .unwrap();
    let created: Vec<_> = records
        .iter()
        .filter(|r| r.object_type == "learning_post")
        .collect();
    assert_eq!(created.len(), 2, "{records:?}");
    assert!(created
        .iter()
        .any(|r| r.object_id.as_deref() == Some(question.as_str())
            && r.purpose.contains("overridden")));
}

on_both!(sharing_on, sharing_story);

/// Anonymous reports in the triage inbox: assigned, closed without follow-up, attached to
/// a dossier (timeline, audit), within the organisation and the dossier's visibility.
async fn report_triage_story(store: &Store) {
    let a = municipality(store, "Gemeente R", Country::NL).await;
    let b = municipality(store, "Gemeente S", Country::BE).await;
    let scopes = users(
        store,
        &[
            ("r-clerk", &a, Role::Frontline),
            ("r-coord", &a, Role::Coordinator),
            ("r-analyst", &a, Role::Analyst),
            ("r-admin", &a, Role::PrivacyOfficer),
            ("s-coord", &b, Role::Coordinator),
        ],
    )
    .await;
    let [clerk, coord, analyst, privacy, other_org] = <[Scope; 5]>::try_from(scopes).unwrap();
    let keys = baken_store::ReportKeys::ephemeral();
    let mut ids = Vec::new();
    for what in ["busje", "schuur"] {
        let (id, _) = store
            .create_report(
                &keys,
                &a.id,
                "nl",
                &format!("{{\"what\":\"{what}\"}}"),
                "2026-09-21",
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let fields = vec![("observation".to_string(), "x".to_string())];
    let signal = store
        .create_submitted_signal(
            &clerk,
            &baken_store::Submission {
                fields: &fields,
                context: "registration_desk",
                urgency: "normal",
                acute: false,
                reading_json: "{}",
                highest_level: "weak",
                library_version: "v",
                library_hash: "h",
                identifiers: &[],
            },
            NOW,
        )
        .await
        .unwrap();
    let dossier = store
        .create_dossier(&coord, "Busje", 3, std::slice::from_ref(&signal), NOW)
        .await
        .unwrap();

    // Assign: only to a case reader of the organisation.
    store
        .assign_report(&coord, &ids[0], Some(&analyst.user_id), NOW)
        .await
        .unwrap();
    assert!(matches!(
        store
            .assign_report(&coord, &ids[0], Some(&other_org.user_id), NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    // Another organisation and a frontline worker: as if it did not exist.
    for scope in [&other_org, &clerk] {
        assert!(matches!(
            store.assign_report(scope, &ids[0], None, NOW).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.attach_report(scope, &dossier, &ids[0], NOW).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.report_no_follow_up(scope, &ids[1], "x", NOW).await,
            Err(StoreError::NotFound)
        ));
    }
    let rec = store.report(&coord, &keys, &ids[0], NOW).await.unwrap();
    assert_eq!(rec.assignee_id.as_deref(), Some(analyst.user_id.as_str()));
    assert_eq!(rec.dossier_id, None);

    // Attach: the report moves on, lands on the timeline, and is listed with the dossier.
    store
        .attach_report(&coord, &dossier, &ids[0], NOW + 1)
        .await
        .unwrap();
    let rec = store.report(&coord, &keys, &ids[0], NOW).await.unwrap();
    assert_eq!(rec.dossier_id.as_deref(), Some(dossier.as_str()));
    assert_eq!(rec.status, "in_progress");
    let attached = store
        .dossier_reports(&coord, &keys, &dossier, NOW + 2)
        .await
        .unwrap();
    assert_eq!(attached.len(), 1);
    assert!(attached[0].content.contains("busje"));
    let view = store.dossier_view(&coord, &dossier, NOW + 2).await.unwrap();
    assert!(view
        .events
        .iter()
        .any(|e| e.kind == "report_attached" && e.text == ids[0]));
    // Need-to-know unchanged: a non-member analyst does not see the dossier's reports.
    assert!(matches!(
        store.dossier_reports(&analyst, &keys, &dossier, NOW).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .dossier_reports(&other_org, &keys, &dossier, NOW)
            .await,
        Err(StoreError::NotFound)
    ));

    // No follow-up: handled, with the reason kept for case readers only.
    store
        .report_no_follow_up(&analyst, &ids[1], "Geen aanwijzingen", NOW + 3)
        .await
        .unwrap();
    let rec = store.report(&analyst, &keys, &ids[1], NOW).await.unwrap();
    assert_eq!(rec.status, "handled");
    assert_eq!(rec.closed_reason.as_deref(), Some("Geen aanwijzingen"));
    let (_, receipt) = store
        .create_report(&keys, &a.id, "nl", "{}", "2026-09-21")
        .await
        .unwrap();
    let public = store
        .report_by_receipt(&keys, &receipt)
        .await
        .unwrap()
        .unwrap();
    assert!(public.messages.is_empty());

    let trail = store
        .audit_records(&privacy, &AuditQuery::Recent, 200, NOW + 5)
        .await
        .unwrap();
    for action in ["assign", "attach_report", "list_reports", "no_follow_up"] {
        assert!(trail.iter().any(|r| r.action == action), "{action} audited");
    }
}

on_both!(report_triage_on, report_triage_story);

/// Referral lifecycle: a contact point of an organisation using Baken; the referral's
/// snapshot holds exactly the chosen categories and never changes; only the addressed
/// organisation's referral handlers see it; acknowledge → question → reply → outcome,
/// each on the timeline and in the audit trail; an outcome marks the source's signals
/// handled; a document to a partner outside Baken is recorded as sent.
async fn referrals_story(store: &Store) {
    let a = municipality(store, "Gemeente R", Country::NL).await;
    let police = store
        .create_org("Politie R", OrgKind::Police, Country::NL, NOW)
        .await
        .unwrap();
    let third = store
        .create_org("Politie S", OrgKind::Police, Country::NL, NOW)
        .await
        .unwrap();
    let scopes = users(
        store,
        &[
            ("r-clerk", &a, Role::Frontline),
            ("r-coord", &a, Role::Coordinator),
            ("r-admin", &a, Role::Administrator),
            ("r-partner", &police, Role::Partner),
            ("s-partner", &third, Role::Partner),
            ("r-officer", &police, Role::PrivacyOfficer),
        ],
    )
    .await;
    let [clerk, coord, admin, partner, other_partner, officer] =
        <[Scope; 6]>::try_from(scopes).unwrap();
    let fields = vec![("observation".to_string(), "Gezien bij de haven".to_string())];
    let signal = store
        .create_submitted_signal(
            &clerk,
            &baken_store::Submission {
                fields: &fields,
                context: "registration_desk",
                urgency: "normal",
                acute: false,
                reading_json: "{}",
                highest_level: "weak",
                library_version: "v",
                library_hash: "h",
                identifiers: &[],
            },
            NOW,
        )
        .await
        .unwrap();
    let dossier = store
        .create_dossier(&coord, "Haven R", 3, std::slice::from_ref(&signal), NOW)
        .await
        .unwrap();
    let mut rows = baken_store::seed::demo_contacts();
    rows.truncate(2);
    rows[0].organisation = police.name.clone();
    rows[1].organisation.clear();
    store.import_contacts(&admin, &rows, NOW).await.unwrap();
    let contacts = store.contacts(&coord, NOW).await.unwrap();
    let to_police = contacts
        .iter()
        .find(|c| c.partner_org_id.as_deref() == Some(police.id.as_str()))
        .unwrap();
    let outside = contacts
        .iter()
        .find(|c| c.partner_org_id.is_none())
        .unwrap();

    // A repeated category is refused like an unknown one.
    assert!(matches!(
        store
            .refer_dossier(
                &coord,
                &dossier,
                &to_police.id,
                &sections(&["summary", "summary"]),
                NOW
            )
            .await,
        Err(StoreError::Conflict("categories"))
    ));
    let referral = store
        .refer_dossier(
            &coord,
            &dossier,
            &to_police.id,
            &sections(&["summary", "observations"]),
            NOW + 1,
        )
        .await
        .unwrap();
    // Only the addressed organisation's referral handlers see it; never the dossier.
    let inbox = store.referral_inbox(&partner, NOW + 2).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].from_org, "Gemeente R");
    assert!(store
        .referral_inbox(&other_partner, NOW)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.referral_inbox(&clerk, NOW).await,
        Err(StoreError::NotFound)
    ));
    for outsider in [&other_partner, &clerk, &coord] {
        assert!(matches!(
            store.incoming_referral(outsider, &referral, NOW).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .referral_step(outsider, &referral, "acknowledged", "", "", NOW)
                .await,
            Err(StoreError::NotFound)
        ));
    }
    assert!(matches!(
        store.dossier_view(&partner, &dossier, NOW).await,
        Err(StoreError::NotFound)
    ));
    // Later dossier changes never reach the snapshot.
    store
        .add_dossier_entry(&coord, &dossier, "note", "Na de doorverwijzing", NOW + 3)
        .await
        .unwrap();
    let seen = store
        .incoming_referral(&partner, &referral, NOW + 4)
        .await
        .unwrap();
    assert_eq!(seen.state.sections, sections(&["summary", "observations"]));
    assert_eq!(seen.state.status, "sent");

    // The conversation.
    store
        .referral_step(&partner, &referral, "acknowledged", "", "", NOW + 5)
        .await
        .unwrap();
    assert!(matches!(
        store
            .referral_step(&partner, &referral, "acknowledged", "", "", NOW + 5)
            .await,
        Err(StoreError::Conflict("step"))
    ));
    assert!(matches!(
        store
            .referral_step(&partner, &referral, "question", " ", "", NOW + 5)
            .await,
        Err(StoreError::Conflict("text"))
    ));
    store
        .referral_step(&partner, &referral, "question", "Welk adres?", "", NOW + 6)
        .await
        .unwrap();
    store
        .reply_to_referral(&coord, &dossier, &referral, "Havenweg 3", NOW + 7)
        .await
        .unwrap();
    assert!(matches!(
        store
            .reply_to_referral(&other_partner, &dossier, &referral, "x", NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .referral_step(
                &partner,
                &referral,
                "outcome",
                "Opgepakt",
                "gone_fishing",
                NOW + 8
            )
            .await,
        Err(StoreError::Conflict("outcome"))
    ));
    assert_eq!(
        store.own_signals(&clerk).await.unwrap()[0].status,
        "in_progress"
    );
    store
        .referral_step(
            &partner,
            &referral,
            "outcome",
            "Opgepakt",
            "taken_up",
            NOW + 9,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .referral_step(&partner, &referral, "question", "Nog iets?", "", NOW + 10)
            .await,
        Err(StoreError::Conflict("step"))
    ));
    // The source sees "handled".
    assert_eq!(
        store.own_signals(&clerk).await.unwrap()[0].status,
        "handled"
    );

    let view = store
        .dossier_view(&coord, &dossier, NOW + 11)
        .await
        .unwrap();
    let r = &view.referrals[0];
    assert_eq!(r.state.status, "answered");
    assert_eq!(r.state.outcome_kind.as_deref(), Some("taken_up"));
    let kinds: Vec<&str> = r.state.messages.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["acknowledged", "question", "reply", "outcome"]);
    let events: Vec<&str> = view.events.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "referred",
        "referral_acknowledged",
        "referral_question",
        "referral_reply",
        "referral_outcome",
    ] {
        assert!(events.contains(&kind), "{kind} missing from {events:?}");
    }

    // A document to a partner outside Baken: recorded as sent; no reply without inbox.
    let document = store
        .refer_dossier(
            &coord,
            &dossier,
            &outside.id,
            &sections(&["summary"]),
            NOW + 12,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .record_referral_sent(&coord, &dossier, &document, "pigeon", "2026-01-01", NOW)
            .await,
        Err(StoreError::Conflict("channel"))
    ));
    assert!(matches!(
        store
            .record_referral_sent(&coord, &dossier, &referral, "post", "2026-01-01", NOW)
            .await,
        Err(StoreError::Conflict("inbox"))
    ));
    store
        .record_referral_sent(&coord, &dossier, &document, "post", "2026-01-01", NOW + 13)
        .await
        .unwrap();
    assert!(store.referral_inbox(&partner, NOW).await.unwrap().len() == 1);
    let view = store
        .dossier_view(&coord, &dossier, NOW + 14)
        .await
        .unwrap();
    assert_eq!(
        view.referrals[1].state.sent_channel.as_deref(),
        Some("post")
    );
    assert!(view.events.iter().any(|e| e.kind == "referral_sent"));

    // Every partner step is in the audit trail.
    let trail = store
        .audit_records(
            &officer,
            &AuditQuery::ByUser(partner.user_id.clone()),
            50,
            NOW + 15,
        )
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    for action in [
        "referral:acknowledged",
        "referral:question",
        "referral:outcome",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
}

on_both!(referrals_on, referrals_story);

async fn case_drafts_story(store: &Store) {
    let a = municipality(store, "Gemeente P", Country::NL).await;
    let b = municipality(store, "Gemeente Q", Country::NL).await;
    let scopes = users(
        store,
        &[
            ("p-coord", &a, Role::Coordinator),
            ("p-analyst", &a, Role::Analyst),
            ("p-trainer", &a, Role::Trainer),
            ("q-coord", &b, Role::Coordinator),
            ("q-trainer", &b, Role::Trainer),
            ("p-privacy", &a, Role::PrivacyOfficer),
        ],
    )
    .await;
    let [coord, analyst, trainer, other_coord, other_trainer, privacy] =
        <[Scope; 6]>::try_from(scopes).unwrap();
    // The trainer's audit records about a draft, oldest first.
    let trail = |id: String| {
        let (privacy, trainer) = (&privacy, &trainer);
        async move {
            let mut records: Vec<_> = store
                .audit_records(
                    privacy,
                    &AuditQuery::ByUser(trainer.user_id.clone()),
                    100,
                    NOW,
                )
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.object_type == "case_draft" && r.object_id.as_ref() == Some(&id))
                .map(|r| (r.seq, r.action))
                .collect();
            records.sort();
            records
        }
    };
    let dossier = store
        .create_dossier(&coord, "Dossier P", 4, &[], NOW)
        .await
        .unwrap();
    store
        .add_member(&coord, &dossier, &analyst.user_id, NOW)
        .await
        .unwrap();
    let indicators = vec!["a".to_string(), "b".to_string()];
    let draft = baken_store::NewCaseDraft {
        title: "Casus",
        scenario: "Een man meldt zich aan.",
        context: "registration_desk",
        indicators: &indicators,
        expected_action: "report",
        subject: "minor",
    };
    // Only closed dossiers become practice cases.
    assert!(matches!(
        store.create_case_draft(&coord, &dossier, &draft, NOW).await,
        Err(StoreError::Conflict("status"))
    ));
    store
        .set_dossier_status(&coord, &dossier, "closed", Some("afgerond"), NOW)
        .await
        .unwrap();
    // Coordinators of the dossier's organisation only.
    for scope in [&analyst, &trainer, &other_coord] {
        assert!(matches!(
            store.create_case_draft(scope, &dossier, &draft, NOW).await,
            Err(StoreError::NotFound)
        ));
    }
    let id = store
        .create_case_draft(&coord, &dossier, &draft, NOW)
        .await
        .unwrap();
    assert!(store.published_cases(&analyst).await.unwrap().is_empty());

    // The trainer of the organisation reviews it; anyone else sees nothing.
    let listed = store.case_drafts(&trainer, NOW).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].indicators, indicators);
    assert_eq!(listed[0].subject, "minor");
    assert_eq!(listed[0].status, "draft");
    assert!(store
        .case_drafts(&other_trainer, NOW)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .case_drafts(&other_coord, NOW)
        .await
        .unwrap()
        .is_empty());
    // The coordinator reads what was drafted, but only a trainer edits and publishes.
    assert_eq!(store.case_draft(&coord, &id, NOW).await.unwrap().id, id);
    assert_eq!(store.case_drafts(&coord, NOW).await.unwrap().len(), 1);
    // Unpublished, a draft is read only up to the reader's clearance: its text comes
    // from a level-4 dossier.
    store.set_clearance(&trainer.user_id, 3).await.unwrap();
    assert!(store.case_drafts(&trainer, NOW).await.unwrap().is_empty());
    assert!(matches!(
        store.case_draft(&trainer, &id, NOW).await,
        Err(StoreError::NotFound)
    ));
    store.set_clearance(&trainer.user_id, 5).await.unwrap();
    assert!(matches!(
        store.case_draft(&analyst, &id, NOW).await,
        Err(StoreError::NotFound)
    ));
    for scope in [&other_trainer, &other_coord] {
        assert!(matches!(
            store.case_draft(scope, &id, NOW).await,
            Err(StoreError::NotFound)
        ));
    }
    let edit = |title, scenario, publish, findings| baken_store::DraftEdit {
        title,
        scenario,
        publish,
        findings,
        subject: None,
    };
    for scope in [&other_trainer, &coord] {
        assert!(matches!(
            store
                .review_case_draft(scope, &id, &edit("x", "y", true, false), NOW)
                .await,
            Err(StoreError::NotFound)
        ));
    }
    let before = trail(id.clone()).await;
    assert!(matches!(
        store
            .review_case_draft(&trainer, &id, &edit(" ", "y", true, false), NOW)
            .await,
        Err(StoreError::Conflict("text"))
    ));
    // What the personal-data check found something in is not published.
    assert!(matches!(
        store
            .review_case_draft(&trainer, &id, &edit("Casus", "BSN?", true, true), NOW)
            .await,
        Err(StoreError::Conflict("findings"))
    ));
    // A subject outside adult / minor / unknown is refused.
    let wrong_subject = baken_store::DraftEdit {
        subject: Some("child"),
        ..edit("Casus", "y", false, false)
    };
    assert!(matches!(
        store
            .review_case_draft(&trainer, &id, &wrong_subject, NOW)
            .await,
        Err(StoreError::Conflict("subject"))
    ));
    assert_eq!(
        trail(id.clone()).await,
        before,
        "a refused edit records nothing"
    );
    assert_eq!(
        store.case_draft(&coord, &id, NOW).await.unwrap().scenario,
        draft.scenario,
        "a refused edit changes nothing"
    );
    // One edit, one audit record (no read besides it); a draft may be saved with findings.
    let seen = before.last().map_or(0, |(seq, _)| *seq);
    store
        .review_case_draft(&trainer, &id, &edit("Casus", "BSN?", false, true), NOW)
        .await
        .unwrap();
    assert_eq!(
        actions_after(&trail(id.clone()).await, seen),
        ["practice_case:edit"]
    );
    // The trainer sets whom the case is about; an edit without a subject keeps it.
    let subject = || async { store.case_draft(&coord, &id, NOW).await.unwrap().subject };
    assert_eq!(subject().await, "minor");
    let to_adult = baken_store::DraftEdit {
        subject: Some("adult"),
        ..edit("Casus", "Bewerkt.", false, false)
    };
    store
        .review_case_draft(&trainer, &id, &to_adult, NOW)
        .await
        .unwrap();
    assert_eq!(subject().await, "adult");
    store
        .review_case_draft(&trainer, &id, &edit("Casus", "Bewerkt.", false, false), NOW)
        .await
        .unwrap();
    assert_eq!(subject().await, "adult");
    assert!(store.published_cases(&analyst).await.unwrap().is_empty());
    let seen = trail(id.clone()).await.last().unwrap().0;
    store
        .review_case_draft(&trainer, &id, &edit("Casus", "Bewerkt.", true, false), NOW)
        .await
        .unwrap();
    assert_eq!(
        actions_after(&trail(id.clone()).await, seen),
        ["practice_case:publish"]
    );
    let published = store.published_cases(&analyst).await.unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].scenario, "Bewerkt.");
    assert_eq!(
        published[0].published_by.as_deref(),
        Some(trainer.user_id.as_str())
    );
    assert!(store
        .published_cases(&other_coord)
        .await
        .unwrap()
        .is_empty());
    // Published, it is not saved again with findings, but is without.
    assert!(matches!(
        store
            .review_case_draft(&trainer, &id, &edit("Casus", "BSN?", false, true), NOW)
            .await,
        Err(StoreError::Conflict("findings"))
    ));
    store
        .review_case_draft(&trainer, &id, &edit("Casus", "Herzien.", false, false), NOW)
        .await
        .unwrap();
    let published = store.published_cases(&analyst).await.unwrap();
    assert_eq!(published[0].scenario, "Herzien.");
    assert_eq!(
        published[0].status, "published",
        "an edit keeps it published"
    );
    // Reading the draft stays audited as a read.
    let seen = trail(id.clone()).await.last().unwrap().0;
    store.case_draft(&trainer, &id, NOW).await.unwrap();
    assert_eq!(actions_after(&trail(id.clone()).await, seen), ["read"]);
}

/// The actions of `records` (sequence number, action) after sequence number `seen`.
fn actions_after(records: &[(i64, String)], seen: i64) -> Vec<&str> {
    records
        .iter()
        .filter(|(seq, _)| *seq > seen)
        .map(|(_, action)| action.as_str())
        .collect()
}

on_both!(case_drafts_on, case_drafts_story);

/// The inbox pages by keyset on the stored triage order: pages join up to the whole
/// inbox in triage order without gaps or repeats, filters hold across pages, and reports
/// page the same way on their own index.
async fn inbox_paging_story(store: &Store) {
    let a = municipality(store, "Gemeente P", Country::NL).await;
    let scopes = users(
        store,
        &[
            ("p-clerk", &a, Role::Frontline),
            ("p-coord", &a, Role::Coordinator),
        ],
    )
    .await;
    let [clerk, coord] = <[Scope; 2]>::try_from(scopes).unwrap();
    let fields = vec![("observation".to_string(), "x".to_string())];
    // 23 signals: every fifth high, every seventh acute, submitted a minute apart.
    for i in 0..23i64 {
        let urgency = if i % 5 == 0 { "high" } else { "normal" };
        store
            .create_submitted_signal(
                &clerk,
                &baken_store::Submission {
                    fields: &fields,
                    context: "registration_desk",
                    urgency,
                    acute: i % 7 == 0,
                    reading_json: "{}",
                    highest_level: "weak",
                    library_version: "v",
                    library_hash: "h",
                    identifiers: &[],
                },
                NOW + i * 60,
            )
            .await
            .unwrap();
    }
    let all = baken_store::InboxFilter::default();
    let whole = store.inbox(&coord, &all, None, 500, NOW).await.unwrap();
    assert_eq!(whole.len(), 23);
    let band = |s: &baken_store::SignalRecord| baken_domain::triage::priority(s.acute, &s.urgency);
    for pair in whole.windows(2) {
        let (x, y) = (&pair[0], &pair[1]);
        assert!(
            band(x) < band(y) || (band(x) == band(y) && x.submitted_at >= y.submitted_at),
            "acute, then high, then the rest, newest first within each"
        );
    }
    assert!(whole[0].acute);

    let mut paged = Vec::new();
    let mut after: Option<baken_store::InboxCursor> = None;
    loop {
        let page = store
            .inbox(&coord, &all, after.as_ref(), 5, NOW)
            .await
            .unwrap();
        assert!(page.len() <= 5);
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some(baken_store::InboxCursor {
            rank: last.triage_rank.unwrap(),
            id: last.id.clone(),
        });
        paged.extend(page.into_iter().map(|s| s.id));
    }
    let whole_ids: Vec<String> = whole.iter().map(|s| s.id.clone()).collect();
    assert_eq!(paged, whole_ids, "pages join up without gaps or repeats");

    // A filter holds on every page.
    let high = baken_store::InboxFilter {
        urgency: "high".into(),
        ..Default::default()
    };
    let first = store.inbox(&coord, &high, None, 2, NOW).await.unwrap();
    let last = first.last().unwrap();
    let cursor = baken_store::InboxCursor {
        rank: last.triage_rank.unwrap(),
        id: last.id.clone(),
    };
    let second = store
        .inbox(&coord, &high, Some(&cursor), 50, NOW)
        .await
        .unwrap();
    assert_eq!(first.len() + second.len(), 5, "i = 0, 5, 10, 15, 20");
    assert!(second.iter().all(|s| s.urgency == "high"));

    // Reports: their own order (newest day first), paged the same way, narrowed by what
    // the caller keeps, with one audit record per page however many batches it takes.
    let keys = baken_store::ReportKeys::ephemeral();
    for day in ["2026-09-20", "2026-09-22", "2026-09-21"] {
        store
            .create_report(&keys, &a.id, "nl", "{}", day)
            .await
            .unwrap();
    }
    let page = |after, limit| baken_store::ReportInboxFilter {
        after,
        limit,
        ..Default::default()
    };
    let reports = store
        .inbox_reports(&coord, &keys, &page(None, 2), Some, NOW)
        .await
        .unwrap();
    let days: Vec<&str> = reports.iter().map(|r| r.created_on.as_str()).collect();
    assert_eq!(days, ["2026-09-22", "2026-09-21"]);
    let cursor = baken_store::InboxCursor {
        rank: reports[1].triage_rank,
        id: reports[1].id.clone(),
    };
    let rest = store
        .inbox_reports(&coord, &keys, &page(Some(&cursor), 2), Some, NOW)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].created_on, "2026-09-20");
    // Reports sort after every signal of a later day in the normal band, by the same rank.
    assert!(rest[0].triage_rank > whole.last().unwrap().triage_rank.unwrap());
    // Keeping only the oldest day takes several batches of one, and one audit record.
    let audit_before = store.verify_audit().await.unwrap();
    let oldest = store
        .inbox_reports(
            &coord,
            &keys,
            &page(None, 1),
            |r| (r.created_on == "2026-09-20").then_some(r.id),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(oldest, [rest[0].id.clone()]);
    let records = |v| match v {
        baken_store::VerifyOutcome::Intact { records } => records,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        records(store.verify_audit().await.unwrap()),
        records(audit_before) + 1
    );
    assert!(matches!(
        store
            .inbox_reports(&clerk, &keys, &page(None, 2), Some, NOW)
            .await,
        Err(StoreError::NotFound)
    ));
}

on_both!(inbox_paging_on, inbox_paging_story);

/// With a master key, TOTP secrets are sealed at rest, bound to their user; ones stored
/// in clear before are sealed on request; a store without the right key cannot open them.
async fn totp_sealing_story(store: &Store) {
    let org = municipality(store, "Gemeente T", Country::NL).await;
    let scopes = users(
        store,
        &[
            ("t-one", &org, Role::Frontline),
            ("t-two", &org, Role::Frontline),
        ],
    )
    .await;
    let (one, two) = (&scopes[0].user_id, &scopes[1].user_id);
    let stored = |id: String| async move {
        let row: (Option<String>,) = sqlx::query_as("SELECT totp_secret FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(store.raw_pool())
            .await
            .unwrap();
        row.0.unwrap()
    };
    // Before a key: stored as is.
    store
        .set_totp(one, Some("JBSWY3DPEHPK3PXP"), true)
        .await
        .unwrap();
    assert_eq!(stored(one.clone()).await, "JBSWY3DPEHPK3PXP");
    // Even in clear, a user's Debug (logs, panics) shows nothing of the secret.
    let unsealed = store.user_by_id(one).await.unwrap();
    assert!(!format!("{unsealed:?}").contains("JBSWY3DPEHPK3PXP"));
    let opened = store.open_totp_secret(&unsealed).unwrap();
    assert_eq!(
        opened.as_deref().map(String::as_str),
        Some("JBSWY3DPEHPK3PXP")
    );

    let key = baken_store::ReportKeys::ephemeral().totp_sealing_key();
    let sealed_store = store.clone().with_totp_key(key);
    assert_eq!(sealed_store.seal_totp_secrets().await.unwrap(), 1);
    assert_eq!(
        sealed_store.seal_totp_secrets().await.unwrap(),
        0,
        "idempotent"
    );
    sealed_store
        .set_totp(two, Some("KRSXG5CTMVRXEZLU"), false)
        .await
        .unwrap();
    for (id, secret) in [(one, "JBSWY3DPEHPK3PXP"), (two, "KRSXG5CTMVRXEZLU")] {
        let raw = stored(id.clone()).await;
        assert!(raw.starts_with("sealed:") && !raw.contains(secret), "{raw}");
        let user = sealed_store.user_by_id(id).await.unwrap();
        let opened = sealed_store.open_totp_secret(&user).unwrap();
        assert_eq!(opened.as_deref().map(String::as_str), Some(secret));
        // Reading a user leaves the secret sealed, and its Debug shows none of it.
        assert!(!format!("{user:?}").contains(secret));
        assert!(!format!("{user:?}").contains(&raw[7..]));
    }
    // Another key, or none, cannot open them: an error, never a wrong secret. The
    // user is still read (listing users does not need the secret).
    let other = store
        .clone()
        .with_totp_key(baken_store::ReportKeys::ephemeral().totp_sealing_key());
    let user_one = other.user_by_id(one).await.unwrap();
    assert!(other.open_totp_secret(&user_one).is_err());
    assert!(store.open_totp_secret(&user_one).is_err());
    // Bound to its user: a sealed secret copied to another user does not open.
    let raw = stored(one.clone()).await;
    sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
        .bind(raw)
        .bind(two)
        .execute(store.raw_pool())
        .await
        .unwrap();
    let user_two = sealed_store.user_by_id(two).await.unwrap();
    assert!(sealed_store.open_totp_secret(&user_two).is_err());
}

on_both!(totp_sealing_on, totp_sealing_story);

/// Postcode areas route public reports: the narrowest area holding the code wins, a
/// Dutch-form postcode only reaches Dutch organisations, replacing areas is all or nothing.
async fn postcode_story(store: &Store) {
    let city = municipality(store, "Gemeente Stad", Country::NL).await;
    let district = municipality(store, "Gemeente Wijk", Country::NL).await;
    let belgian = municipality(store, "Stad Hasselt", Country::BE).await;
    store
        .set_postcode_areas(&city.id, &[(3500, 3599), (3600, 3600)])
        .await
        .unwrap();
    store
        .set_postcode_areas(&district.id, &[(3510, 3515)])
        .await
        .unwrap();
    store
        .set_postcode_areas(&belgian.id, &[(3500, 3501)])
        .await
        .unwrap();
    let found = |code, country| async move {
        store
            .org_for_postcode(code, country)
            .await
            .unwrap()
            .map(|o| o.name)
    };
    assert_eq!(
        found(3512, Some(Country::NL)).await.as_deref(),
        Some("Gemeente Wijk")
    );
    assert_eq!(
        found(3550, Some(Country::NL)).await.as_deref(),
        Some("Gemeente Stad")
    );
    assert_eq!(
        found(3500, None).await.as_deref(),
        Some("Stad Hasselt"),
        "narrowest"
    );
    assert_eq!(
        found(3500, Some(Country::NL)).await.as_deref(),
        Some("Gemeente Stad")
    );
    assert_eq!(found(4000, None).await, None);
    // A bad area changes nothing.
    assert!(matches!(
        store.set_postcode_areas(&city.id, &[(3700, 3600)]).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store
        .set_postcode_areas(&city.id, &[(3700, 3710), (3700, 3720)])
        .await
        .is_err());
    assert_eq!(
        store.postcode_areas(&city.id).await.unwrap(),
        vec![(3500, 3599), (3600, 3600)]
    );

    // An organisation's administrator sets its own areas (web page): all or nothing,
    // with the audit record in the change's transaction; anyone else: NotFound.
    let police = store
        .create_org("Politie Stad", OrgKind::Police, Country::NL, NOW)
        .await
        .unwrap();
    let people = users(
        store,
        &[
            ("pc-admin", &city, Role::Administrator),
            ("pc-coord", &city, Role::Coordinator),
            ("pc-police-admin", &police, Role::Administrator),
        ],
    )
    .await;
    let (admin, coord, police_admin) = (&people[0], &people[1], &people[2]);
    let city_records = || async {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT action FROM audit_log WHERE object_id = $1 ORDER BY seq")
                .bind(&city.id)
                .fetch_all(store.raw_pool())
                .await
                .unwrap();
        rows.into_iter().map(|r| r.0).collect::<Vec<_>>()
    };
    let before = city_records().await;
    for refused in [&[(3700, 3600)][..], &[(3700, 3710), (3700, 3710)][..]] {
        assert!(matches!(
            store.set_own_postcode_areas(admin, refused, NOW).await,
            Err(StoreError::Conflict(_))
        ));
    }
    assert!(matches!(
        store
            .set_own_postcode_areas(coord, &[(3800, 3899)], NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.own_postcode_areas(coord).await,
        Err(StoreError::NotFound)
    ));
    // Public reports go to municipalities: another organisation's administrator has
    // no postcode areas to set.
    assert!(matches!(
        store.own_postcode_areas(police_admin).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .set_own_postcode_areas(police_admin, &[(3512, 3512)], NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    // A municipality may not claim postcodes of another organisation in its country
    // (routing would hand it that organisation's reports); areas it already has stay
    // allowed (the operator nested the district inside the city), and a Belgian area
    // with the same digits is another place.
    assert_eq!(
        store
            .foreign_postcode_overlap(admin, &[(3500, 3599), (3600, 3600)])
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .foreign_postcode_overlap(admin, &[(3400, 3499), (3505, 3512)])
            .await
            .unwrap(),
        Some((3505, 3512))
    );
    assert!(matches!(
        store
            .set_own_postcode_areas(admin, &[(3500, 3599), (3505, 3512)], NOW)
            .await,
        Err(StoreError::Conflict("postcode overlap"))
    ));
    assert_eq!(city_records().await, before, "refusals record nothing");
    assert_eq!(
        store.own_postcode_areas(admin).await.unwrap(),
        vec![(3500, 3599), (3600, 3600)]
    );
    store
        .set_own_postcode_areas(admin, &[(3800, 3899)], NOW)
        .await
        .unwrap();
    assert_eq!(
        store.own_postcode_areas(admin).await.unwrap(),
        vec![(3800, 3899)]
    );
    let mut expected = before.clone();
    expected.push("org_postcodes_set:3800-3899".to_string());
    assert_eq!(city_records().await, expected);
    assert_eq!(
        found(3850, Some(Country::NL)).await.as_deref(),
        Some("Gemeente Stad")
    );
    assert_eq!(found(3550, Some(Country::NL)).await, None);
}

on_both!(postcodes_on, postcode_story);
