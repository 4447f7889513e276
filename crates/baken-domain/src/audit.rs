//! The audit trail as a hash chain: each record's hash covers its fields and the hash of
//! the record before it, so changing, deleting or reordering a record breaks the chain.
//!
//! Pure: the hash function is passed in, so this crate needs no crypto dependency and the
//! store decides the algorithm (SHA-256).

/// One audit record as it is hashed. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    /// The person concerned (a stable reference, never a name in clear in URLs or logs).
    pub subject: Option<String>,
    pub purpose: String,
    pub result: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash that precedes the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl AuditRecord {
    /// The canonical byte string that the hash covers: length-prefixed fields, so no
    /// choice of field contents can make two different records serialise alike.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        let mut push = |field: Option<&str>| match field {
            None => out.extend_from_slice(b"-;"),
            Some(s) => {
                out.extend_from_slice(s.len().to_string().as_bytes());
                out.push(b':');
                out.extend_from_slice(s.as_bytes());
                out.push(b';');
            }
        };
        push(Some(&self.seq.to_string()));
        push(Some(&self.at.to_string()));
        push(self.actor_user_id.as_deref());
        push(self.actor_org_id.as_deref());
        push(Some(&self.action));
        push(Some(&self.object_type));
        push(self.object_id.as_deref());
        push(self.subject.as_deref());
        push(Some(&self.purpose));
        push(Some(&self.result));
        push(Some(&self.prev_hash));
        out
    }
}

/// Why the chain is broken, naming the first record where it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// A record's sequence number is not the one expected (a record was deleted or moved).
    Gap { expected_seq: i64, found_seq: i64 },
    /// A record does not point at its predecessor (deleted or reordered records).
    WrongPredecessor { seq: i64 },
    /// A record's contents do not match its hash (the record was changed).
    Altered { seq: i64 },
    /// The log ends before the head that was recorded with the last write (truncation).
    Truncated { head_seq: i64, last_seq: i64 },
    /// The last record's hash differs from the recorded head.
    HeadMismatch { seq: i64 },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Gap { expected_seq, .. } => *expected_seq,
            ChainBreak::WrongPredecessor { seq }
            | ChainBreak::Altered { seq }
            | ChainBreak::HeadMismatch { seq } => *seq,
            ChainBreak::Truncated { last_seq, .. } => last_seq + 1,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Gap {
                expected_seq,
                found_seq,
            } => write!(
                f,
                "record {expected_seq} is missing or out of order (found record {found_seq} in its place)"
            ),
            ChainBreak::WrongPredecessor { seq } => write!(
                f,
                "record {seq} does not follow its predecessor (a record before it was deleted or reordered)"
            ),
            ChainBreak::Altered { seq } => {
                write!(f, "record {seq} was changed after it was written")
            }
            ChainBreak::Truncated { head_seq, last_seq } => write!(
                f,
                "the trail ends at record {last_seq} but record {head_seq} was written (records {} to {head_seq} were removed)",
                last_seq + 1
            ),
            ChainBreak::HeadMismatch { seq } => {
                write!(f, "record {seq} is not the last record that was written")
            }
        }
    }
}

/// Incremental chain verifier: feed records in stored order (by seq), then `finish`.
pub struct ChainVerifier<H: Fn(&[u8]) -> String> {
    hash: H,
    expected_seq: i64,
    prev_hash: String,
}

impl<H: Fn(&[u8]) -> String> ChainVerifier<H> {
    pub fn new(hash: H) -> Self {
        ChainVerifier {
            hash,
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }

    pub fn push(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        if record.seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                expected_seq: self.expected_seq,
                found_seq: record.seq,
            });
        }
        if record.prev_hash != self.prev_hash {
            return Err(ChainBreak::WrongPredecessor { seq: record.seq });
        }
        if (self.hash)(&record.canonical_bytes()) != record.hash {
            return Err(ChainBreak::Altered { seq: record.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = record.hash.clone();
        Ok(())
    }

    /// Compare the end of the chain with the head recorded beside it.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if last_seq < head_seq {
            return Err(ChainBreak::Truncated { head_seq, last_seq });
        }
        if last_seq > head_seq || self.prev_hash != head_hash {
            return Err(ChainBreak::HeadMismatch { seq: last_seq });
        }
        Ok(last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A toy hash keeps the pure tests free of crypto; the store tests use SHA-256.
    fn toy_hash(b: &[u8]) -> String {
        let mut h: u64 = 1469598103934665603;
        for x in b {
            h = (h ^ u64::from(*x)).wrapping_mul(1099511628211);
        }
        format!("{h:016x}")
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at: 1_700_000_000 + seq,
                    actor_user_id: Some("u1".into()),
                    actor_org_id: Some("o1".into()),
                    action: "read".into(),
                    object_type: "user".into(),
                    object_id: Some(format!("obj{seq}")),
                    subject: None,
                    purpose: "test".into(),
                    result: "ok".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = toy_hash(&r.canonical_bytes());
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: (i64, &str)) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::new(toy_hash);
        for r in records {
            v.push(r)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(5));
    }

    #[test]
    fn a_changed_record_is_named() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c[2].action = "write".into();
        assert_eq!(verify(&c, (5, &head)), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn a_deleted_record_is_named() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c.remove(1);
        assert_eq!(
            verify(&c, (5, &head)),
            Err(ChainBreak::Gap {
                expected_seq: 2,
                found_seq: 3
            })
        );
    }

    #[test]
    fn reordered_records_are_named_even_with_renumbering() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c.swap(1, 2);
        c[1].seq = 2;
        c[2].seq = 3;
        assert_eq!(
            verify(&c, (5, &head)),
            Err(ChainBreak::WrongPredecessor { seq: 2 })
        );
    }

    #[test]
    fn truncation_is_detected_against_the_head() {
        let c = chain(5);
        assert_eq!(
            verify(&c[..3], (5, &c[4].hash)),
            Err(ChainBreak::Truncated {
                head_seq: 5,
                last_seq: 3
            })
        );
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let c = chain(1);
        let mut a = c[0].clone();
        let mut b = c[0].clone();
        a.action = "ab".into();
        a.object_type = "c".into();
        b.action = "a".into();
        b.object_type = "bc".into();
        assert_ne!(a.canonical_bytes(), b.canonical_bytes());
    }
}
