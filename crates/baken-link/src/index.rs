//! The online index: every stored record under its blocking keys, so one new record
//! can be matched against millions at once. Insert is O(keys); a query walks at most
//! `block_size_max` records per key, compares them and returns the best candidates
//! with their explanations. The index holds no clock and does no I/O.

use baken_domain::identifiers::Country;

use crate::batch::Dataset;
use crate::block::{keys, KeyOptions, N_KEYS};
use crate::compare::Side;
use crate::dict::{Dicts, FxHashMap, Rec, Strs};
use crate::model::{Explanation, Model};
use crate::normalise::normalise;
use crate::schema::RawRecord;

const END: u32 = u32::MAX;

/// A stored record that resembles a probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Position of the record in the index (insertion order).
    pub record: u32,
    pub id: String,
    pub probability: f64,
    pub explanation: Explanation,
}

/// Records by blocking key, with a trained model.
#[derive(Debug, Clone)]
pub struct LinkIndex {
    model: Model,
    country: Country,
    dicts: Dicts,
    recs: Vec<Rec>,
    ids: Vec<Box<str>>,
    /// Last slot per key; slot = record × N_KEYS + key number.
    heads: FxHashMap<u64, u32>,
    /// Previous slot with the same key (END at the first).
    next: Vec<u32>,
    block_size_max: usize,
    key_opts: KeyOptions,
}

impl LinkIndex {
    pub fn new(model: Model, country: Country, block_size_max: usize) -> Self {
        Self {
            model,
            country,
            dicts: Dicts::default(),
            recs: Vec::new(),
            ids: Vec::new(),
            heads: FxHashMap::default(),
            next: Vec::new(),
            block_size_max: block_size_max.max(1),
            key_opts: KeyOptions::default(),
        }
    }

    /// An index of every record of a dataset (for example the one a model was trained
    /// on).
    pub fn from_dataset(ds: Dataset, model: Model, block_size_max: usize) -> Self {
        let mut ix = Self::new(model, ds.country, block_size_max);
        ix.dicts = ds.dicts;
        ix.ids = ds.ids;
        ix.heads.reserve(ds.recs.len() * 4);
        ix.next.reserve(ds.recs.len() * N_KEYS);
        for r in ds.recs {
            ix.push_rec(r);
        }
        ix
    }

    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    fn push_rec(&mut self, r: Rec) {
        let i = self.recs.len() as u32;
        for (k, key) in keys(&r, self.key_opts).into_iter().enumerate() {
            let slot = i * N_KEYS as u32 + k as u32;
            if key == 0 {
                self.next.push(END);
                continue;
            }
            let prev = self.heads.insert(key, slot).unwrap_or(END);
            self.next.push(prev);
        }
        self.recs.push(r);
    }

    /// Stores a record under `id` (ids need not be unique; each insert is a record).
    pub fn insert(&mut self, id: &str, raw: &RawRecord) {
        let n = normalise(raw, self.country);
        let r = self.dicts.intern(&n, 0);
        self.ids.push(id.into());
        self.push_rec(r);
    }

    /// The stored records that match `raw` with at least `probability_min`, best
    /// first, at most `limit`. The probe is not stored.
    pub fn query(&self, raw: &RawRecord, probability_min: f64, limit: usize) -> Vec<Candidate> {
        self.query_counted(raw, probability_min, limit).0
    }

    /// [`LinkIndex::query`], also returning how many stored records were compared
    /// (at most `block_size_max` per blocking key: the bound on a query's work).
    pub fn query_counted(
        &self,
        raw: &RawRecord,
        probability_min: f64,
        limit: usize,
    ) -> (Vec<Candidate>, usize) {
        let n = normalise(raw, self.country);
        let probe = self.dicts.probe(&n, 0);
        let ps = Side {
            r: &probe,
            s: Strs::of_norm(&n),
        };
        let mut cand: Vec<u32> = Vec::with_capacity(64);
        for key in keys(&probe, self.key_opts) {
            if key == 0 {
                continue;
            }
            let mut slot = self.heads.get(&key).copied().unwrap_or(END);
            let mut walked = 0;
            while slot != END && walked < self.block_size_max {
                cand.push(slot / N_KEYS as u32);
                slot = self.next[slot as usize];
                walked += 1;
            }
        }
        cand.sort_unstable();
        cand.dedup();
        let examined = cand.len();
        let t = crate::model::bits_of(probability_min);
        let mut scored: Vec<(f64, u32)> = cand
            .into_iter()
            .filter_map(|j| {
                let r = &self.recs[j as usize];
                let side = Side {
                    r,
                    s: Strs::of(&self.dicts, r),
                };
                let (_, bits) = self.model.score(&self.dicts, &ps, &side);
                (bits >= t).then_some((bits, j))
            })
            .collect();
        scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        scored.truncate(limit);
        let found = scored
            .into_iter()
            .map(|(_, j)| {
                let r = &self.recs[j as usize];
                let side = Side {
                    r,
                    s: Strs::of(&self.dicts, r),
                };
                let explanation = self.model.explain(&self.dicts, &ps, &side);
                Candidate {
                    record: j,
                    id: self.ids[j as usize].to_string(),
                    probability: explanation.probability,
                    explanation,
                }
            })
            .collect();
        (found, examined)
    }
}
