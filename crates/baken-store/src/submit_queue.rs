//! Group commit for one-step signal submissions (the JSON API).
//!
//! Every submission is its own all-or-nothing unit — the signal row, its identifiers and
//! its one `submit` audit record — but a durable commit costs a disk flush, and the
//! `audit_head` lock serialises every transaction that appends to the trail until its
//! commit is flushed. One commit per submission therefore caps submissions at about one
//! per flush, whatever the concurrency.
//!
//! So submissions go to one writer task per store, which takes whatever has queued up (at
//! most [`MAX_BATCH`]) and writes it in one transaction, each submission inside its own
//! savepoint: a submission that fails is rolled back to its savepoint alone and gets its
//! error; the others are committed together, with one flush. Nobody is answered before
//! that commit is durable; if the commit fails, everyone in the batch gets an error and
//! nothing of the batch is stored. The chain stays one chain: the writer appends the
//! records one after another inside its transaction.
//!
//! The writer waits for nothing: a submission arriving at an idle writer is written at
//! once, alone. Batches form only while a commit is in flight, which is exactly when the
//! submission would have waited anyway.

use crate::signals::{write_submitted, SubmittedSignal};
use crate::{Backend, Result, SignalRecord, StoreError};
use sqlx::AnyPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

/// Most submissions written in one transaction.
const MAX_BATCH: usize = 64;
/// Submissions waiting for the writer before senders wait too.
const QUEUE: usize = 1024;

pub(crate) struct Job {
    pub signal: SubmittedSignal,
    pub reply: oneshot::Sender<Result<SignalRecord>>,
}

pub(crate) type Sender = mpsc::Sender<Job>;

/// Start the writer on the current runtime. It holds the pool, not the store, so it ends
/// when the last store clone (holding the sender) is dropped.
pub(crate) fn spawn(pool: AnyPool, backend: Backend, writer: Arc<Mutex<()>>) -> Sender {
    let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = rx.recv().await {
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            write_batch(&pool, backend, &writer, std::mem::take(&mut batch)).await;
        }
    });
    tx
}

fn failed(what: &str, e: &sqlx::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("{what}: {e}")))
}

async fn write_batch(pool: &AnyPool, backend: Backend, writer: &Mutex<()>, batch: Vec<Job>) {
    // On SQLite, take the same turn as every other queued writer (`Store::write_turn`).
    let _turn = match backend {
        Backend::Sqlite => Some(writer.lock().await),
        Backend::Postgres => None,
    };
    let mut tx = match pool.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            for job in batch {
                let _ = job.reply.send(Err(failed("begin", &e)));
            }
            return;
        }
    };
    let mut written = Vec::with_capacity(batch.len());
    let mut broken: Option<sqlx::Error> = None;
    for job in batch {
        if let Some(e) = &broken {
            let _ = job.reply.send(Err(failed("batch", e)));
            continue;
        }
        if let Err(e) = sqlx::query("SAVEPOINT submission").execute(&mut *tx).await {
            let _ = job.reply.send(Err(failed("savepoint", &e)));
            broken = Some(e);
            continue;
        }
        match write_submitted(&mut tx, &job.signal).await {
            Ok(()) => match sqlx::query("RELEASE SAVEPOINT submission")
                .execute(&mut *tx)
                .await
            {
                Ok(_) => written.push(job),
                Err(e) => {
                    let _ = job.reply.send(Err(failed("release", &e)));
                    broken = Some(e);
                }
            },
            Err(err) => {
                // Undo this submission alone; the batch goes on.
                let undone = match sqlx::query("ROLLBACK TO SAVEPOINT submission")
                    .execute(&mut *tx)
                    .await
                {
                    Ok(_) => sqlx::query("RELEASE SAVEPOINT submission")
                        .execute(&mut *tx)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                };
                let _ = job.reply.send(Err(err));
                if let Err(e) = undone {
                    broken = Some(e);
                }
            }
        }
    }
    if let Some(e) = broken {
        // The transaction itself failed: store nothing of this batch (dropping it rolls
        // it back).
        drop(tx);
        for job in written {
            let _ = job.reply.send(Err(failed("batch", &e)));
        }
        return;
    }
    match tx.commit().await {
        Ok(()) => {
            for job in written {
                let _ = job.reply.send(Ok(job.signal.rec));
            }
        }
        Err(e) => {
            for job in written {
                let _ = job.reply.send(Err(failed("commit", &e)));
            }
        }
    }
}
