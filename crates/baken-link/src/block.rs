//! Blocking: only pairs of records that share at least one blocking key are compared.
//! Several keys together keep recall high while each key stays selective; a key shared
//! by more than `block_size_max` records only pairs each record with its next
//! `block_size_max − 1` neighbours (sorted neighbourhood), so one very common value
//! (a shared phone number, a default birth date) cannot make the work quadratic.

use rayon::prelude::*;

use crate::dict::{Rec, NONE};
use crate::fold::mix;

/// The blocking keys, in order. A record yields at most one value per key.
pub const KEY_NAMES: [&str; N_KEYS] = [
    "names_phonetic_any_order",
    "birth_date+postcode_area",
    "postcode+house_number",
    "birth_date+first_given_name",
    "birth_date+surname",
    "phone",
    "national_id",
    "email",
    "iban",
    "company_number",
    "plate",
    "other_id",
    "company",
    "street+house_number+city",
    "birth_date (loose)",
    "postcode (loose)",
];
pub const N_KEYS: usize = 16;

/// Optional wide keys (a mapping turns them on with `loose_blocking = true`): birth
/// date alone and postcode alone. They find more typo-ridden duplicates on small
/// files at the cost of many more pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyOptions {
    pub loose: bool,
}

fn k(tag: u64, parts: &[u32]) -> u64 {
    if parts.contains(&NONE) {
        return 0;
    }
    let mut v = [tag, 0, 0, 0];
    for (i, &p) in parts.iter().enumerate().take(3) {
        v[i + 1] = u64::from(p);
    }
    // 0 is reserved for "no key".
    mix(&v[..=parts.len().min(3)]).max(1)
}

/// The blocking-key values of a record (0 = no key). Probes use the same function, so
/// a probe's unseen values simply produce keys no stored record has.
pub fn keys(r: &Rec, opts: KeyOptions) -> [u64; N_KEYS] {
    std::array::from_fn(|i| key(r, opts, i))
}

/// Blocking key number `i` of a record (0 = none).
pub fn key(r: &Rec, opts: KeyOptions, i: usize) -> u64 {
    let dob = if r.birth_date == 0 {
        NONE
    } else {
        r.birth_date
    };
    let house = if r.house == 0 { NONE } else { r.house };
    match i {
        0 => {
            let (lo, hi) = if r.ph_given <= r.ph_surname {
                (r.ph_given, r.ph_surname)
            } else {
                (r.ph_surname, r.ph_given)
            };
            k(0, &[lo, hi])
        }
        1 => k(1, &[dob, r.pc4]),
        2 => k(2, &[r.postcode, house]),
        3 => k(3, &[dob, r.given_first]),
        4 => k(4, &[dob, r.surname]),
        5 => k(5, &[r.phone]),
        6 => k(6, &[r.national_id]),
        7 => k(7, &[r.email]),
        8 => k(8, &[r.iban]),
        9 => k(9, &[r.company_number]),
        10 => k(10, &[r.plate]),
        11 => k(11, &[r.other_id]),
        12 => k(12, &[r.company]),
        13 => k(13, &[r.street, house, r.city]),
        14 if opts.loose => k(14, &[dob]),
        15 if opts.loose => k(15, &[r.postcode]),
        _ => 0,
    }
}

/// Records each record is paired with inside an oversized block.
pub const SORTED_NEIGHBOURHOOD_WINDOW: usize = 16;

/// The order within a block, for sorted neighbourhood in oversized blocks: an
/// attribute the key does not already fix (birth date for names, surname sound for
/// dates and addresses).
fn secondary(r: &Rec, k: usize) -> u32 {
    match k {
        1 | 3 | 4 | 14 => r.ph_surname,
        2 | 13 | 15 => r.ph_given,
        _ => r.birth_date,
    }
}

/// Candidate pairs `(a, b)` with `a < b`, sorted and unique. With `link_only`, pairs
/// within the same source are skipped (linking two files rather than deduplicating).
pub fn candidate_pairs(
    recs: &[Rec],
    block_size_max: usize,
    key_opts: KeyOptions,
    link_only: bool,
) -> Vec<(u32, u32)> {
    // One key at a time keeps the sort buffer at one entry per record (memory
    // matters at ten million records); pairs are deduplicated at the end.
    let mut pairs: Vec<u64> = Vec::new();
    for k in 0..N_KEYS {
        // Key, secondary attribute and record packed in one integer: sorting compares
        // one number instead of a tuple field by field (same order).
        let mut packed: Vec<u128> = recs
            .par_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let key = key(r, key_opts, k);
                (key != 0).then(|| {
                    (u128::from(key) << 64) | (u128::from(secondary(r, k)) << 32) | i as u128
                })
            })
            .collect();
        if packed.len() < 2 {
            continue;
        }
        packed.par_sort_unstable();
        let entries = packed;
        let key_of = |p: u128| (p >> 64) as u64;
        let record_of = |p: u128| p as u32;
        // Split into runs of equal key, then pair within runs in parallel.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for i in 1..=entries.len() {
            if i == entries.len() || key_of(entries[i]) != key_of(entries[start]) {
                if i - start >= 2 {
                    runs.push((start, i));
                }
                start = i;
            }
        }
        let found: Vec<u64> = runs
            .par_iter()
            .flat_map_iter(|&(s, e)| {
                let run = &entries[s..e];
                // Small blocks: all pairs. Larger ones: sorted neighbourhood on the
                // secondary attribute, so each record meets its most similar neighbours.
                let window = if run.len() <= block_size_max {
                    run.len()
                } else {
                    SORTED_NEIGHBOURHOOD_WINDOW
                };
                let mut out = Vec::new();
                for (x, &pa) in run.iter().enumerate() {
                    let a = record_of(pa);
                    for b in run
                        .iter()
                        .skip(x + 1)
                        .take(window - 1)
                        .map(|&p| record_of(p))
                    {
                        if link_only && recs[a as usize].source == recs[b as usize].source {
                            continue;
                        }
                        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                        out.push((u64::from(lo) << 32) | u64::from(hi));
                    }
                }
                out
            })
            .collect();
        pairs.extend(found);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
}
