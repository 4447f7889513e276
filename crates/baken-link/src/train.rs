//! Estimating the model without labels: u from random pairs (and, for exact agreement
//! on identifier-like values, from the value frequencies), m by expectation
//! maximisation on candidate pairs in two sessions that each leave out the comparisons
//! their selection depends on (as Splink does), and λ as the fixed point of the
//! expected number of matches among the candidates.

use std::collections::HashMap;

use rand::Rng;
use rayon::prelude::*;

use crate::compare::{compare, Cmp, Gamma, Side, N_CMP, N_LEVELS_MAX};
use crate::dict::{Dicts, Interner, Rec, Strs, NONE};
use crate::model::{Model, Params};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// Random pairs drawn to estimate u.
    pub u_pairs: usize,
    pub em_iterations_max: usize,
    /// EM stops when no m moves more than this.
    pub em_tolerance: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            u_pairs: 300_000,
            em_iterations_max: 30,
            em_tolerance: 1e-5,
        }
    }
}

/// What training did, for the run summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainReport {
    pub u_pairs: usize,
    /// (session name, pairs in the session, iterations, λ within the session).
    pub sessions: Vec<(&'static str, u64, usize, f64)>,
    pub lambda: f64,
}

/// Pattern counts: each distinct comparison vector once, with its multiplicity.
pub fn pattern_counts(gammas: &[Gamma]) -> Vec<(Gamma, u64)> {
    let mut map: HashMap<Gamma, u64> = HashMap::new();
    for g in gammas {
        *map.entry(*g).or_insert(0) += 1;
    }
    let mut v: Vec<(Gamma, u64)> = map.into_iter().collect();
    v.sort_unstable();
    v
}

fn exact_u(d: &Dicts, c: Cmp) -> Option<f64> {
    let sum_sq = |i: &Interner| i.agree_probability();
    match c {
        Cmp::Phone => Some(sum_sq(&d.phone)),
        Cmp::NationalId => Some(sum_sq(&d.national_id)),
        Cmp::Email => Some(sum_sq(&d.email)),
        Cmp::OtherId => Some(sum_sq(&d.other_id)),
        Cmp::Company => Some(sum_sq(&d.company)),
        _ => None,
    }
}

/// Estimates u from `n` random pairs drawn with `rng`. In link mode (`sources > 1`)
/// both records of a pair come from different sources.
pub fn estimate_u<R: Rng>(
    recs: &[Rec],
    d: &Dicts,
    params: &mut Params,
    n: usize,
    link_only: bool,
    rng: &mut R,
) {
    if recs.len() < 2 {
        return;
    }
    let mut draws: Vec<(u32, u32)> = Vec::with_capacity(n);
    let len = recs.len() as u32;
    let mut tries = 0usize;
    while draws.len() < n && tries < n * 4 {
        tries += 1;
        let a = rng.gen_range(0..len);
        let b = rng.gen_range(0..len);
        if a == b || (link_only && recs[a as usize].source == recs[b as usize].source) {
            continue;
        }
        draws.push((a, b));
    }
    let active = params.active;
    let counts = draws
        .par_chunks(4096)
        .map(|chunk| {
            let mut c = [[0u64; N_LEVELS_MAX]; N_CMP];
            for &(a, b) in chunk {
                let (ra, rb) = (&recs[a as usize], &recs[b as usize]);
                let sa = Side {
                    r: ra,
                    s: Strs::of(d, ra),
                };
                let sb = Side {
                    r: rb,
                    s: Strs::of(d, rb),
                };
                let g = compare(&sa, &sb, &active);
                for (ci, &l) in g.iter().enumerate() {
                    c[ci][l as usize] += 1;
                }
            }
            c
        })
        .reduce(
            || [[0u64; N_LEVELS_MAX]; N_CMP],
            |mut x, y| {
                for ci in 0..N_CMP {
                    for l in 0..N_LEVELS_MAX {
                        x[ci][l] += y[ci][l];
                    }
                }
                x
            },
        );
    for c in Cmp::ALL {
        let ci = c as usize;
        let nl = c.n_levels();
        let total: u64 = counts[ci][1..nl].iter().sum();
        if total == 0 {
            continue;
        }
        let mut u = [0.0; N_LEVELS_MAX];
        for l in 1..nl {
            // Half a pseudo-count keeps unseen levels finite.
            u[l] = (counts[ci][l] as f64 + 0.5) / (total as f64 + 0.5 * (nl - 1) as f64);
        }
        // Exact agreement on identifier-like values is rarer than a sample can show:
        // take it from the value frequencies when the sample saw it fewer than 50 times.
        if counts[ci][1] < 50 {
            if let Some(p) = exact_u(d, c) {
                u[1] = p.max(1e-12);
            }
        }
        let rest: f64 = u[1..nl - 1].iter().sum();
        u[nl - 1] = (1.0 - rest).max(1e-6);
        params.u[ci] = u;
    }
}

/// One EM session: estimate m (and the session's λ) on `patterns`, with u fixed,
/// using only comparisons in `use_cmp`. Returns the m of those comparisons, the
/// number of iterations and λ.
fn em_session(
    params: &Params,
    patterns: &[(Gamma, u64)],
    use_cmp: &[bool; N_CMP],
    opts: &TrainOptions,
) -> ([[f64; N_LEVELS_MAX]; N_CMP], usize, f64) {
    let mut m = params.m;
    let mut lambda = 0.3f64;
    let mut iters = 0;
    for it in 0..opts.em_iterations_max {
        iters = it + 1;
        let mut acc = [[0.0f64; N_LEVELS_MAX]; N_CMP];
        let mut sum_p = 0.0;
        let mut total = 0.0;
        for (g, count) in patterns {
            let mut lm = lambda.ln();
            let mut lu = (1.0 - lambda).ln();
            for (ci, &l) in g.iter().enumerate() {
                if !use_cmp[ci] || l == 0 {
                    continue;
                }
                lm += m[ci][l as usize].max(1e-9).ln();
                lu += params.u[ci][l as usize].max(1e-12).ln();
            }
            let p = 1.0 / (1.0 + (lu - lm).exp());
            let w = p * *count as f64;
            sum_p += w;
            total += *count as f64;
            for (ci, &l) in g.iter().enumerate() {
                if use_cmp[ci] && l != 0 {
                    acc[ci][l as usize] += w;
                }
            }
        }
        if total == 0.0 || sum_p == 0.0 {
            break;
        }
        lambda = (sum_p / total).clamp(1e-9, 1.0 - 1e-9);
        let mut moved = 0.0f64;
        for c in Cmp::ALL {
            let ci = c as usize;
            if !use_cmp[ci] {
                continue;
            }
            let nl = c.n_levels();
            let s: f64 = acc[ci][1..nl].iter().sum();
            if s <= 0.0 {
                continue;
            }
            for l in 1..nl {
                let v = (acc[ci][l] / s).max(1e-6);
                moved = moved.max((v - m[ci][l]).abs());
                m[ci][l] = v;
            }
        }
        if moved < opts.em_tolerance {
            break;
        }
    }
    (m, iters, lambda)
}

/// Estimates m by EM on the candidate pairs' comparison vectors, then λ.
/// `n_total_pairs` is the number of pairs the whole input has (n(n−1)/2 for
/// deduplication, |A|·|B| for linking two sources).
/// Where EM sessions take their pairs from.
#[derive(Debug, Clone, Copy)]
pub enum SessionPairs<'a> {
    /// The candidate pairs' comparison vectors, filtered per session.
    Candidates,
    /// Like Splink: every pair (up to a budget) that agrees on the session's own key,
    /// whatever the blocking rules, so that the non-matches in a session are only
    /// selected on the comparisons the session leaves out.
    Records {
        recs: &'a [Rec],
        dicts: &'a Dicts,
        link_only: bool,
    },
}

/// Pairs of records sharing `key` (0 = no key): each record with its next
/// `window − 1` neighbours in a run, at most `budget` pairs (evenly thinned).
fn pairs_by_key(
    recs: &[Rec],
    key: impl Fn(&Rec) -> u64 + Sync,
    link_only: bool,
    budget: usize,
) -> Vec<(u32, u32)> {
    const WINDOW: usize = 16;
    let mut entries: Vec<(u64, u32)> = recs
        .par_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let k = key(r);
            (k != 0).then_some((k, i as u32))
        })
        .collect();
    entries.par_sort_unstable();
    let mut pairs = Vec::new();
    let mut start = 0;
    for i in 1..=entries.len() {
        if i == entries.len() || entries[i].0 != entries[start].0 {
            let run = &entries[start..i];
            for (x, &(_, a)) in run.iter().enumerate() {
                for &(_, b) in run.iter().skip(x + 1).take(WINDOW - 1) {
                    if link_only && recs[a as usize].source == recs[b as usize].source {
                        continue;
                    }
                    pairs.push((a, b));
                }
            }
            start = i;
        }
    }
    if pairs.len() > budget {
        let step = pairs.len().div_ceil(budget);
        pairs = pairs.into_iter().step_by(step).collect();
    }
    pairs
}

/// Session pairs drawn per session key (see [`SessionPairs::Records`]).
fn session_gammas(
    k: usize,
    recs: &[Rec],
    d: &Dicts,
    link_only: bool,
    active: &[bool; N_CMP],
    budget: usize,
) -> Vec<Gamma> {
    let key = move |r: &Rec| -> u64 {
        let parts: [u32; 2] = match k {
            0 => [r.given, r.surname],
            1 => [
                if r.birth_date == 0 {
                    NONE
                } else {
                    r.birth_date
                },
                r.pc4,
            ],
            2 => [
                if r.birth_date == 0 {
                    NONE
                } else {
                    r.birth_date
                },
                0,
            ],
            _ => [r.surname, 0],
        };
        if parts.contains(&NONE) {
            0
        } else {
            crate::fold::mix(&[k as u64, u64::from(parts[0]), u64::from(parts[1])]).max(1)
        }
    };
    let pairs = pairs_by_key(recs, key, link_only, budget);
    pairs
        .par_iter()
        .map(|&(a, b)| {
            let (ra, rb) = (&recs[a as usize], &recs[b as usize]);
            compare(
                &Side {
                    r: ra,
                    s: Strs::of(d, ra),
                },
                &Side {
                    r: rb,
                    s: Strs::of(d, rb),
                },
                active,
            )
        })
        .collect()
}

pub fn estimate_m_and_lambda(
    params: &mut Params,
    gammas: &[Gamma],
    n_total_pairs: f64,
    opts: &TrainOptions,
    source: SessionPairs<'_>,
    report: &mut TrainReport,
) {
    let g_i = Cmp::GivenName as usize;
    let s_i = Cmp::Surname as usize;
    let d_i = Cmp::BirthDate as usize;
    let a_i = Cmp::Address as usize;
    type Session = (&'static str, fn(&Gamma) -> bool, Vec<usize>);
    // The first two sessions mirror Splink's training on person data; the last two
    // run only when some mapped comparison is still unestimated (for example when no
    // address is mapped).
    let sessions: [Session; 4] = [
        (
            "names_agree",
            |g| g[Cmp::GivenName as usize] == 1 && g[Cmp::Surname as usize] == 1,
            vec![g_i, s_i],
        ),
        (
            "birth_date_and_area_agree",
            |g| g[Cmp::BirthDate as usize] == 1 && matches!(g[Cmp::Address as usize], 1..=6),
            vec![d_i, a_i],
        ),
        (
            "birth_date_agrees",
            |g| g[Cmp::BirthDate as usize] == 1,
            vec![d_i],
        ),
        (
            "surname_agrees",
            |g| g[Cmp::Surname as usize] == 1,
            vec![s_i],
        ),
    ];
    let mut sum_m = [[0.0f64; N_LEVELS_MAX]; N_CMP];
    let mut n_m = [0usize; N_CMP];
    for (k, (name, select, exclude)) in sessions.into_iter().enumerate() {
        if exclude.iter().any(|&c| !params.active[c]) {
            continue;
        }
        let complete = (0..N_CMP).all(|c| !params.active[c] || n_m[c] > 0);
        if k >= 2 && complete {
            break;
        }
        let chosen: Vec<Gamma> = match source {
            SessionPairs::Candidates => gammas.iter().filter(|g| select(g)).copied().collect(),
            SessionPairs::Records {
                recs,
                dicts,
                link_only,
            } => session_gammas(k, recs, dicts, link_only, &params.active, 2_000_000)
                .into_iter()
                .filter(select)
                .collect(),
        };
        if chosen.len() < 20 {
            continue;
        }
        let mut use_cmp = params.active;
        for c in &exclude {
            use_cmp[*c] = false;
        }
        // With fewer than two comparisons left, EM cannot tell matches from
        // non-matches (one mixture of one variable has many solutions).
        if use_cmp.iter().filter(|&&u| u).count() < 2 {
            continue;
        }
        let patterns = pattern_counts(&chosen);
        let (m, iters, lambda) = em_session(params, &patterns, &use_cmp, opts);
        for ci in 0..N_CMP {
            if use_cmp[ci] {
                for l in 0..N_LEVELS_MAX {
                    sum_m[ci][l] += m[ci][l];
                }
                n_m[ci] += 1;
            }
        }
        report
            .sessions
            .push((name, chosen.len() as u64, iters, lambda));
    }
    if report.sessions.is_empty() {
        // Too few pairs agree on names or dates (or those fields are not mapped):
        // one session over all candidates and comparisons.
        let patterns = pattern_counts(gammas);
        let (m, iters, lambda) = em_session(params, &patterns, &params.active, opts);
        for ci in 0..N_CMP {
            if params.active[ci] {
                sum_m[ci] = m[ci];
                n_m[ci] = 1;
            }
        }
        report
            .sessions
            .push(("all_candidates", gammas.len() as u64, iters, lambda));
    }
    for ci in 0..N_CMP {
        if n_m[ci] > 0 {
            for l in 0..N_LEVELS_MAX {
                params.m[ci][l] = sum_m[ci][l] / n_m[ci] as f64;
            }
        }
    }
    params.surname_u_same_address = surname_u_same_address(params, gammas);
    params.lambda = estimate_lambda(params, gammas, n_total_pairs);
    report.lambda = params.lambda;
}

/// u of the surname levels among candidate pairs at the same address whose given
/// names and birth dates both differ: almost all of them are different people of one
/// household, so their surname agreement is the household's, not the person's.
fn surname_u_same_address(params: &Params, gammas: &[Gamma]) -> Option<[f64; N_LEVELS_MAX]> {
    let need = [Cmp::GivenName, Cmp::Surname, Cmp::BirthDate, Cmp::Address];
    if need.iter().any(|c| !params.active[*c as usize]) {
        return None;
    }
    let s = Cmp::Surname;
    let nl = s.n_levels();
    let mut counts = [0u64; N_LEVELS_MAX];
    for g in gammas {
        let diff_given = g[Cmp::GivenName as usize] as usize == Cmp::GivenName.n_levels() - 1;
        let diff_dob = g[Cmp::BirthDate as usize] as usize == Cmp::BirthDate.n_levels() - 1;
        if diff_given && diff_dob && matches!(g[Cmp::Address as usize], 1 | 2) {
            counts[g[s as usize] as usize] += 1;
        }
    }
    let total: u64 = counts[1..nl].iter().sum();
    if total < 200 {
        return None;
    }
    let mut u = [0.0; N_LEVELS_MAX];
    for l in 1..nl {
        u[l] = (counts[l] as f64 + 0.5) / (total as f64 + 0.5 * (nl - 1) as f64);
        // Never below the population's u: living together cannot make agreement rarer.
        u[l] = u[l].max(params.u[s as usize][l]);
    }
    Some(u)
}

/// λ such that λ · (all pairs) equals the expected number of matches among the
/// candidate pairs under λ itself (fixed-point iteration; assumes blocking finds
/// nearly all matches).
fn estimate_lambda(params: &Params, gammas: &[Gamma], n_total_pairs: f64) -> f64 {
    let patterns = pattern_counts(gammas);
    let mut p0 = params.clone();
    let mut lambda = (gammas.len() as f64 / n_total_pairs.max(1.0)).clamp(1e-12, 0.5);
    for _ in 0..50 {
        p0.lambda = lambda;
        let model = Model::new(p0.clone());
        let expected: f64 = patterns
            .iter()
            .map(|(g, c)| crate::model::probability(model.pattern_bits(g)) * *c as f64)
            .sum();
        let next = (expected / n_total_pairs.max(1.0)).clamp(1e-12, 0.5);
        if (next - lambda).abs() <= lambda * 1e-4 {
            lambda = next;
            break;
        }
        lambda = next;
    }
    lambda
}
