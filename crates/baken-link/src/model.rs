//! The Fellegi-Sunter model: per comparison level an m probability (agreement at that
//! level among true matches) and a u probability (among non-matches), a prior λ, and
//! the explained score of a pair as a sum of log₂ Bayes factors ("bits").

use std::fmt;

use crate::compare::{compare_full, Cmp, Gamma, Side, N_CMP, N_LEVELS_MAX};
use crate::dict::{Dicts, Rec};

/// Parameters of a trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Which comparisons the mapping provides fields for.
    pub active: [bool; N_CMP],
    pub m: [[f64; N_LEVELS_MAX]; N_CMP],
    pub u: [[f64; N_LEVELS_MAX]; N_CMP],
    /// Probability that two records drawn at random are the same entity.
    pub lambda: f64,
    /// Sharing a valid registered identifier (IBAN, KvK/KBO, plate) links outright.
    pub hard_link_registered: bool,
    /// u of the surname levels among non-matches that live at the same address
    /// (household members share surnames far more often than random people). Used
    /// instead of `u[Surname]` when the address agrees, so the same evidence — "one
    /// family at one address" — is not counted twice.
    pub surname_u_same_address: Option<[f64; N_LEVELS_MAX]>,
}

/// Smallest probability used in a Bayes factor, so no level is ever ±∞.
const P_MIN: f64 = 1e-6;

impl Params {
    /// Untrained defaults: m from experience, u uniform-ish, λ = 1e-4.
    pub fn defaults(active: [bool; N_CMP]) -> Self {
        let mut m = [[0.0; N_LEVELS_MAX]; N_CMP];
        let mut u = [[0.0; N_LEVELS_MAX]; N_CMP];
        for c in Cmp::ALL {
            let dm = c.default_m();
            let n = c.n_levels();
            for l in 1..n {
                m[c as usize][l] = dm[l];
                // Non-matches mostly land on "different".
                u[c as usize][l] = if l == n - 1 {
                    0.9
                } else {
                    0.1 / (n - 2) as f64
                };
            }
        }
        Self {
            active,
            m,
            u,
            lambda: 1e-4,
            hard_link_registered: true,
            surname_u_same_address: None,
        }
    }

    /// log₂(m/u) of a level; 0 for `missing` and inactive comparisons.
    pub fn level_bits(&self, c: Cmp, level: u8) -> f64 {
        let (ci, l) = (c as usize, level as usize);
        if level == 0 || !self.active[ci] || l >= c.n_levels() {
            return 0.0;
        }
        (self.m[ci][l].max(P_MIN) / self.u[ci][l].max(P_MIN)).log2()
    }

    pub fn prior_bits(&self) -> f64 {
        let l = self.lambda.clamp(1e-15, 1.0 - 1e-9);
        (l / (1.0 - l)).log2()
    }
}

/// Precomputed weights for fast scoring.
#[derive(Debug, Clone)]
pub struct Model {
    pub params: Params,
    bits: [[f64; N_LEVELS_MAX]; N_CMP],
    /// Surname bits when the address agrees (see `Params::surname_u_same_address`).
    surname_household_bits: Option<[f64; N_LEVELS_MAX]>,
    prior: f64,
}

/// Weight of a pair linked by a hard rule.
pub const HARD_LINK_BITS: f64 = 64.0;

/// Probability from a weight in bits.
pub fn probability(bits: f64) -> f64 {
    1.0 / (1.0 + (-bits).exp2())
}

/// Converts a probability to bits (log₂ odds).
pub fn bits_of(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).log2()
}

/// Which levels get a term-frequency adjustment, and from which dictionary.
fn tf_bits(d: &Dicts, c: Cmp, level: u8, b: &Rec) -> f64 {
    match (c, level) {
        (Cmp::GivenName, 1) => d.given.tf_bits(b.given),
        (Cmp::Surname, 1) => d.surname.tf_bits(b.surname),
        (Cmp::Address, 2) => d.street.tf_bits(b.street),
        _ => 0.0,
    }
}

/// One comparison's terms: level bits, term-frequency bits, note.
type Term = (f64, f64, Option<&'static str>);

impl Model {
    pub fn new(params: Params) -> Self {
        let mut bits = [[0.0; N_LEVELS_MAX]; N_CMP];
        for c in Cmp::ALL {
            for l in 0..c.n_levels() {
                bits[c as usize][l] = params.level_bits(c, l as u8);
            }
        }
        let prior = params.prior_bits();
        let surname_household_bits = params.surname_u_same_address.map(|u| {
            let mut b = [0.0; N_LEVELS_MAX];
            let si = Cmp::Surname as usize;
            for l in 1..Cmp::Surname.n_levels() {
                b[l] = (params.m[si][l].max(P_MIN) / u[l].max(P_MIN)).log2();
            }
            b
        });
        Self {
            params,
            bits,
            surname_household_bits,
            prior,
        }
    }

    /// Whether the household adjustment applies: the address agrees on house number.
    pub fn household(&self, g: &Gamma) -> bool {
        self.surname_household_bits.is_some() && matches!(g[Cmp::Address as usize], 1 | 2)
    }

    fn cmp_bits(&self, c: Cmp, g: &Gamma) -> f64 {
        let l = g[c as usize] as usize;
        match (c, &self.surname_household_bits) {
            (Cmp::Surname, Some(hb)) if l > 0 && self.household(g) => hb[l],
            _ => self.bits[c as usize][l],
        }
    }

    /// Weight of a comparison vector without term frequencies.
    pub fn pattern_bits(&self, g: &Gamma) -> f64 {
        let mut w = self.prior;
        for c in Cmp::ALL {
            w += self.cmp_bits(c, g);
        }
        w
    }

    fn hard_link(&self, g: &Gamma) -> bool {
        self.params.hard_link_registered && g[Cmp::RegisteredId as usize] == 1
    }

    /// Weight of a pair in bits (TF-adjusted; a hard link gives [`HARD_LINK_BITS`]).
    /// Term frequencies are taken from the right-hand side's value, which is the same
    /// value as the left's whenever an exact level applies, so the score is symmetric.
    pub fn score(&self, d: &Dicts, a: &Side, b: &Side) -> (Gamma, f64) {
        let (g, swapped) = compare_full(a, b, &self.params.active);
        (g, self.score_gamma(d, &g, swapped, b.r))
    }

    /// Per comparison: bits of the level, term-frequency bits, note.
    fn terms(&self, d: &Dicts, g: &Gamma, swapped: bool, b: &Rec) -> [Term; N_CMP] {
        let household = self.household(g);
        let mut t = [(0.0, 0.0, None); N_CMP];
        for c in Cmp::ALL {
            let ci = c as usize;
            let level = g[ci];
            let names = matches!(c, Cmp::GivenName | Cmp::Surname);
            let tf = if names && swapped {
                0.0
            } else {
                tf_bits(d, c, level, b)
            };
            let note = match c {
                _ if names && swapped && level > 0 => Some("names_swapped"),
                Cmp::Surname if household && level > 0 => Some("same_address_household_adjusted"),
                _ => None,
            };
            t[ci] = (self.cmp_bits(c, g), tf, note);
        }
        t
    }

    /// The weight of a pair from its comparison vector (see [`Model::score`]); `b` is
    /// the right-hand record (term frequencies come from its values).
    pub fn score_gamma(&self, d: &Dicts, g: &Gamma, swapped: bool, b: &Rec) -> f64 {
        if self.hard_link(g) {
            return HARD_LINK_BITS;
        }
        self.total(g, &self.terms(d, g, swapped, b))
    }

    /// The weight from the terms (the same arithmetic as [`Model::score_gamma`]).
    fn total(&self, g: &Gamma, terms: &[Term; N_CMP]) -> f64 {
        if self.hard_link(g) {
            return HARD_LINK_BITS;
        }
        self.prior + terms.iter().map(|(x, tf, _)| x + tf).sum::<f64>()
    }

    /// A compact one-line explanation without the values (for large output files):
    /// `p=0.9990 bits=10.0 | prior -16.6 | surname exact +8.1 tf -1.0 | …`.
    pub fn write_compact(&self, d: &Dicts, g: &Gamma, swapped: bool, b: &Rec, out: &mut String) {
        let terms = self.terms(d, g, swapped, b);
        let total = self.total(g, &terms);
        self.write_compact_terms(g, &terms, total, out);
    }

    /// `probability,weight_bits,` (6 and 2 decimals) followed by the compact
    /// explanation: one line of `baken link`'s output after the ids, computing the
    /// terms once.
    pub fn write_scored_compact(
        &self,
        d: &Dicts,
        g: &Gamma,
        swapped: bool,
        b: &Rec,
        out: &mut String,
    ) {
        let terms = self.terms(d, g, swapped, b);
        let total = self.total(g, &terms);
        push_fixed(out, probability(total), 6, false);
        out.push(',');
        push_fixed(out, total, 2, false);
        out.push(',');
        self.write_compact_terms(g, &terms, total, out);
    }

    fn write_compact_terms(&self, g: &Gamma, terms: &[Term; N_CMP], total: f64, out: &mut String) {
        out.push_str("p=");
        push_fixed(out, probability(total), 4, false);
        out.push_str(" bits=");
        push_fixed(out, total, 1, false);
        if self.hard_link(g) {
            out.push_str(" | rule same_valid_registered_identifier");
        }
        out.push_str(" | prior ");
        push_fixed(out, self.prior, 1, true);
        for (c, &(bits, tf, note)) in Cmp::ALL.iter().zip(terms) {
            let level = g[*c as usize];
            if level == 0 || !self.params.active[*c as usize] {
                continue;
            }
            let code = c.levels().get(level as usize).copied().unwrap_or("?");
            out.push_str(" | ");
            out.push_str(c.code());
            out.push(' ');
            out.push_str(code);
            out.push(' ');
            push_fixed(out, bits, 1, true);
            if tf != 0.0 {
                out.push_str(" tf ");
                push_fixed(out, tf, 1, true);
            }
            if let Some(n) = note {
                out.push_str(" [");
                out.push_str(n);
                out.push(']');
            }
        }
    }

    /// The full explanation of a pair's score.
    pub fn explain(&self, d: &Dicts, a: &Side, b: &Side) -> Explanation {
        let (g, swapped) = compare_full(a, b, &self.params.active);
        let total = self.score_gamma(d, &g, swapped, b.r);
        let terms = self.terms(d, &g, swapped, b.r);
        let mut parts = Vec::new();
        for c in Cmp::ALL {
            let ci = c as usize;
            if !self.params.active[ci] {
                continue;
            }
            let level = g[ci];
            let (left, right) = values(c, a, b, d);
            let (bits, tf_bits, note) = terms[ci];
            parts.push(Part {
                comparison: c,
                level,
                level_code: c.levels().get(level as usize).copied().unwrap_or("?"),
                left,
                right,
                bits,
                tf_bits,
                note,
            });
        }
        let hard_rule = self
            .hard_link(&g)
            .then_some("same_valid_registered_identifier");
        let rejected_identifier = a.r.has_rejected || b.r.has_rejected;
        Explanation {
            prior_bits: self.prior,
            parts,
            total_bits: total,
            probability: probability(total),
            hard_rule,
            rejected_identifier,
        }
    }
}

fn values(c: Cmp, a: &Side, b: &Side, d: &Dicts) -> (String, String) {
    let show = |s: Option<&str>| s.unwrap_or("").to_owned();
    let addr = |x: &Side| {
        let mut parts = Vec::new();
        if let Some(s) = x.s.street() {
            parts.push(s.to_owned());
        }
        if x.r.house != 0 {
            let add = d.house_add.get(x.r.house_add).unwrap_or("");
            parts.push(format!("{}{}", x.r.house, add));
        }
        if let Some(p) = x.s.postcode() {
            parts.push(p.to_owned());
        }
        if let Some(cy) = x.s.city() {
            parts.push(cy.to_owned());
        }
        parts.join(" ")
    };
    let date = |v: u32| {
        if v == 0 {
            String::new()
        } else {
            format!("{:04}-{:02}-{:02}", v / 10_000, v / 100 % 100, v % 100)
        }
    };
    let reg = |x: &Side| {
        [
            d.iban.get(x.r.iban),
            d.company_number.get(x.r.company_number),
            d.plate.get(x.r.plate),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    };
    match c {
        Cmp::GivenName => (show(a.s.given()), show(b.s.given())),
        Cmp::Surname => (show(a.s.surname()), show(b.s.surname())),
        Cmp::BirthDate => (date(a.r.birth_date), date(b.r.birth_date)),
        Cmp::Address => (addr(a), addr(b)),
        Cmp::Phone => (show(a.s.phone()), show(b.s.phone())),
        Cmp::NationalId => (show(a.s.national_id()), show(b.s.national_id())),
        Cmp::Email => (show(d.email.get(a.r.email)), show(d.email.get(b.r.email))),
        Cmp::OtherId => (show(a.s.other_id()), show(b.s.other_id())),
        Cmp::Company => (show(a.s.company()), show(b.s.company())),
        Cmp::RegisteredId => (reg(a), reg(b)),
    }
}

/// One comparison's contribution to a pair's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub comparison: Cmp,
    pub level: u8,
    /// Stable code of the level (`exact`, `day_month_swapped`, …).
    pub level_code: &'static str,
    /// Normalised values compared.
    pub left: String,
    pub right: String,
    /// log₂(m/u) of the level.
    pub bits: f64,
    /// Term-frequency adjustment (rare values count more, common ones less).
    pub tf_bits: f64,
    /// A stable code for something special, such as `names_swapped`.
    pub note: Option<&'static str>,
}

/// Why a pair scored what it scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub prior_bits: f64,
    pub parts: Vec<Part>,
    pub total_bits: f64,
    pub probability: f64,
    /// Set when a hard rule decided the link (its stable code).
    pub hard_rule: Option<&'static str>,
    /// Whether either record had an identifier that failed its checksum (and so was
    /// not compared).
    pub rejected_identifier: bool,
}

impl fmt::Display for Explanation {
    /// One line: `p=0.9990 bits=10.0 | prior -16.6 | surname exact (berg|berg) +8.1 tf -1.0 | …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p={:.4} bits={:.1}", self.probability, self.total_bits)?;
        if let Some(rule) = self.hard_rule {
            write!(f, " | rule {rule}")?;
        }
        write!(f, " | prior {:+.1}", self.prior_bits)?;
        for p in &self.parts {
            if p.level == 0 {
                continue;
            }
            write!(
                f,
                " | {} {} ({}|{}) {:+.1}",
                p.comparison.code(),
                p.level_code,
                p.left,
                p.right,
                p.bits
            )?;
            if p.tf_bits != 0.0 {
                write!(f, " tf {:+.1}", p.tf_bits)?;
            }
            if let Some(n) = p.note {
                write!(f, " [{n}]")?;
            }
        }
        if self.rejected_identifier {
            write!(f, " | identifier_failed_checksum_ignored")?;
        }
        Ok(())
    }
}

/// Appends `x` with `prec` decimals, exactly as `format!("{x:.prec$}")` (with `plus`:
/// `format!("{x:+.prec$}")`) would, without the general float formatter in the common
/// case: the scaled value is rounded in floating point when it is clearly away from a
/// rounding tie (the product is within half an ulp of the exact one), otherwise the
/// standard formatter decides.
pub fn push_fixed(out: &mut String, x: f64, prec: usize, plus: bool) {
    const SCALE: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
    const ISCALE: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
    if prec < SCALE.len() && x.is_finite() {
        let y = x.abs() * SCALE[prec];
        if y < 1e12 {
            let floor = y.floor();
            let frac = y - floor;
            if (frac - 0.5).abs() > y * 1e-15 {
                let r = if frac > 0.5 { floor + 1.0 } else { floor } as u64;
                let mut buf = [0u8; 32];
                let mut i = buf.len();
                let mut f = r % ISCALE[prec];
                for _ in 0..prec {
                    i -= 1;
                    buf[i] = b'0' + (f % 10) as u8;
                    f /= 10;
                }
                if prec > 0 {
                    i -= 1;
                    buf[i] = b'.';
                }
                let mut n = r / ISCALE[prec];
                loop {
                    i -= 1;
                    buf[i] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                if x.is_sign_negative() {
                    out.push('-');
                } else if plus {
                    out.push('+');
                }
                out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
                return;
            }
        }
    }
    use std::fmt::Write as _;
    let _ = if plus {
        write!(out, "{x:+.prec$}")
    } else {
        write!(out, "{x:.prec$}")
    };
}

#[cfg(test)]
mod push_fixed_tests {
    use super::push_fixed;
    use rand::{Rng, SeedableRng};

    fn check(x: f64) {
        for prec in 0..8 {
            for plus in [false, true] {
                let mut got = String::new();
                push_fixed(&mut got, x, prec, plus);
                let want = if plus {
                    format!("{x:+.prec$}")
                } else {
                    format!("{x:.prec$}")
                };
                assert_eq!(got, want, "x = {x:e}, prec {prec}, plus {plus}");
            }
        }
    }

    #[test]
    fn same_as_the_standard_formatter() {
        for x in [
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            0.25,
            0.35,
            0.05,
            -0.04,
            0.125,
            1e-300,
            64.0,
            0.999_999_5,
            0.999_949_9,
            9.95,
            -16.65,
            1e11,
            1e13,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            123_456.789_012_5,
        ] {
            check(x);
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..200_000 {
            let x: f64 = rng.gen_range(-100.0..100.0);
            check(x);
            check(x / 1000.0);
            // Values on a grid of decimal ties (x.yy5) and probabilities near 1.
            check((x * 1000.0).round() / 1000.0);
            check(1.0 - x.abs() * 1e-7);
        }
    }
}
