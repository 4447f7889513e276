//! Accuracy against ground truth (benchmarks only): pairwise precision, recall and F1
//! of the links, the best F1 over all thresholds (for comparison with tools that only
//! report that), the F1 implied by the clusters, and the recall of blocking.

use std::collections::HashMap;

use crate::batch::{Dataset, LinkResult};
use crate::model::probability;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Prf {
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    pub fn new(tp: u64, fp: u64, fn_: u64) -> Self {
        let p = if tp + fp > 0 {
            tp as f64 / (tp + fp) as f64
        } else {
            0.0
        };
        let r = if tp + fn_ > 0 {
            tp as f64 / (tp + fn_) as f64
        } else {
            0.0
        };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        Self {
            tp,
            fp,
            fn_,
            precision: p,
            recall: r,
            f1: f,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub true_pairs: u64,
    pub candidate_pairs: u64,
    /// True pairs that blocking produced / all true pairs.
    pub blocking_recall: f64,
    pub at_threshold: Prf,
    pub threshold_probability: f64,
    pub best: Prf,
    pub best_threshold_probability: f64,
    pub clusters: Prf,
}

/// Evaluates a run against the dataset's truth column. `None` when there is none.
pub fn evaluate(ds: &Dataset, result: &LinkResult) -> Option<Evaluation> {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut truth = Vec::with_capacity(ds.len());
    for t in &ds.truth {
        let t = t.as_deref()?;
        let next = ids.len() as u32;
        truth.push(*ids.entry(t).or_insert(next));
    }
    let link_only = ds.sources() > 1;
    // True pairs: per entity, all pairs (dedupe) or cross-source pairs (link).
    let mut per = vec![[0u64; 2]; ids.len()];
    for (i, &t) in truth.iter().enumerate() {
        per[t as usize][usize::from(ds.recs[i].source.min(1))] += 1;
    }
    let true_pairs: u64 = per
        .iter()
        .map(|c| {
            if link_only {
                c[0] * c[1]
            } else {
                let n = c[0] + c[1];
                n * n.saturating_sub(1) / 2
            }
        })
        .sum();
    let is_true = |a: u32, b: u32| truth[a as usize] == truth[b as usize];
    let t = result.threshold_bits as f32;
    let mut tp = 0;
    let mut n_pred = 0;
    let mut cand_true = 0;
    let mut sorted: Vec<(f32, bool)> = Vec::with_capacity(result.scored.len());
    for s in &result.scored {
        let tr = is_true(s.a, s.b);
        cand_true += u64::from(tr);
        if s.bits >= t {
            n_pred += 1;
            tp += u64::from(tr);
        }
        sorted.push((s.bits, tr));
    }
    sorted.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut best = Prf::new(0, 0, true_pairs);
    let mut best_t = 1.0;
    let (mut ctp, mut cn) = (0u64, 0u64);
    for (k, &(bits, tr)) in sorted.iter().enumerate() {
        ctp += u64::from(tr);
        cn += 1;
        let last_of_tie = sorted.get(k + 1).is_none_or(|n| n.0 != bits);
        if last_of_tie {
            let p = Prf::new(ctp, cn - ctp, true_pairs - ctp);
            if p.f1 > best.f1 {
                best = p;
                best_t = probability(f64::from(bits));
            }
        }
    }
    // Cluster-implied pairs.
    let mut by_cluster: HashMap<(u32, u32), u64> = HashMap::new();
    let mut cluster_size: HashMap<u32, [u64; 2]> = HashMap::new();
    for (i, &c) in result.clusters.iter().enumerate() {
        let src = usize::from(ds.recs[i].source.min(1));
        *by_cluster
            .entry((c, truth[i] * 2 + src as u32))
            .or_insert(0) += 1;
        cluster_size.entry(c).or_insert([0, 0])[src] += 1;
    }
    let pairs_of = |c: [u64; 2]| {
        if link_only {
            c[0] * c[1]
        } else {
            let n = c[0] + c[1];
            n * n.saturating_sub(1) / 2
        }
    };
    let predicted: u64 = cluster_size.values().map(|c| pairs_of(*c)).sum();
    let mut joint: HashMap<(u32, u32), [u64; 2]> = HashMap::new();
    for (&(c, ts), &n) in &by_cluster {
        joint.entry((c, ts / 2)).or_insert([0, 0])[(ts % 2) as usize] += n;
    }
    let correct: u64 = joint.values().map(|c| pairs_of(*c)).sum();
    Some(Evaluation {
        true_pairs,
        candidate_pairs: result.scored.len() as u64,
        blocking_recall: if true_pairs > 0 {
            cand_true as f64 / true_pairs as f64
        } else {
            1.0
        },
        at_threshold: Prf::new(tp, n_pred - tp, true_pairs - tp),
        threshold_probability: probability(result.threshold_bits),
        best,
        best_threshold_probability: best_t,
        clusters: Prf::new(correct, predicted - correct, true_pairs - correct),
    })
}
