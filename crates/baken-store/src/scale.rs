//! Bulk seeding for benchmarks: many signals and dossiers in one organisation, inserted
//! in multi-row batches inside one transaction, so 100,000 signals take seconds.

use crate::{new_id, Result, Store};

/// Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters.
const BATCH_ROWS: usize = 400;

const CONTEXTS: [&str; 5] = [
    "registration_desk",
    "housing_inspection",
    "business_inspection",
    "neighbourhood",
    "financial_check",
];

/// One multi-row INSERT of `rows` (all the same width) into `table (columns)`.
async fn insert_rows(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    columns: &str,
    rows: &[Vec<Value>],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = rows[0].len();
    let groups: Vec<String> = (0..rows.len())
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({columns}) VALUES {}",
        groups.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for row in rows {
        for v in row {
            q = match v {
                Value::Text(s) => q.bind(s.clone()),
                Value::Int(i) => q.bind(*i),
                Value::Null => q.bind(None::<String>),
            };
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

enum Value {
    Text(String),
    Int(i64),
    Null,
}

async fn insert_all(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    columns: &str,
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    for chunk in rows.chunks(BATCH_ROWS) {
        insert_rows(tx, table, columns, chunk).await?;
    }
    Ok(())
}

impl Store {
    /// Seed `signals` submitted signals and `dossiers` dossiers (three signals each, as
    /// far as there are signals) in `org_id`, by `user_id`. Returns the dossier ids.
    pub async fn seed_scale(
        &self,
        org_id: &str,
        user_id: &str,
        signals: usize,
        dossiers: usize,
        now: i64,
    ) -> Result<Vec<String>> {
        let dossier_ids: Vec<String> = (0..dossiers).map(|_| new_id()).collect();
        let mut tx = self.pool.begin().await?;
        let t = |s: &str| Value::Text(s.to_string());
        let rows = dossier_ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let at = now - (i as i64) * 300;
                vec![
                    t(id),
                    t(org_id),
                    Value::Text(format!("Bench dossier {i}")),
                    Value::Int(1 + (i as i64 % 5)),
                    t(["new", "assessing", "action", "monitoring"][i % 4]),
                    t(user_id),
                    Value::Int(at),
                    Value::Int(at),
                ]
            })
            .collect();
        insert_all(
            &mut tx,
            "dossiers",
            "id, org_id, title, confidentiality, status, created_by, created_at, updated_at",
            rows,
        )
        .await?;
        let rows = dossier_ids
            .iter()
            .map(|id| vec![t(id), t(user_id)])
            .collect();
        insert_all(&mut tx, "dossier_members", "dossier_id, user_id", rows).await?;
        let rows = dossier_ids
            .iter()
            .map(|id| {
                vec![
                    Value::Text(new_id()),
                    t(id),
                    Value::Int(now),
                    t(user_id),
                    t("created"),
                    t("bench"),
                ]
            })
            .collect();
        insert_all(
            &mut tx,
            "dossier_events",
            "id, dossier_id, at, actor_id, kind, text",
            rows,
        )
        .await?;
        let rows = (0..signals)
            .map(|i| {
                let at = now - (i as i64) * 30;
                let dossier = (i < dossiers * 3).then(|| dossier_ids[i % dossiers].clone());
                let fields =
                    format!(r#"[["observation","Bench observation {i}"],["place","Demodorp"]]"#);
                vec![
                    Value::Text(new_id()),
                    t(org_id),
                    t(user_id),
                    t(if dossier.is_some() {
                        "in_progress"
                    } else {
                        "received"
                    }),
                    t(CONTEXTS[i % CONTEXTS.len()]),
                    t(if i % 50 == 0 { "high" } else { "normal" }),
                    Value::Int(i64::from(i % 500 == 0)),
                    Value::Text(fields),
                    t("{}"),
                    t(["none", "weak", "moderate", "strong"][i % 4]),
                    t("bench"),
                    t("bench"),
                    Value::Int(at),
                    Value::Int(at),
                    Value::Int(at),
                    dossier.map_or(Value::Null, Value::Text),
                    Value::Int(baken_domain::triage::triage_rank(
                        i % 500 == 0,
                        if i % 50 == 0 { "high" } else { "normal" },
                        at,
                    )),
                ]
            })
            .collect();
        insert_all(
            &mut tx,
            "signals",
            "id, org_id, author_id, status, context, urgency, acute, fields, reading, highest_level, \
             library_version, library_hash, created_at, updated_at, submitted_at, dossier_id, triage_rank",
            rows,
        )
        .await?;
        tx.commit().await?;
        Ok(dossier_ids)
    }
}
