//! Comparisons: for a pair of records, one agreement level per comparison (the
//! "comparison vector" γ of Fellegi-Sunter). Level 0 always means "missing on either
//! side" and carries no weight.

use crate::dict::{Rec, Strs, NONE, UNSEEN};
use crate::similarity::{damerau_levenshtein, jaro_winkler, token_set};

/// The comparisons Baken scores. Correlated fields are combined into one comparison
/// (street, house number, postcode and city are one `Address` comparison) because
/// Fellegi-Sunter assumes comparisons are independent given the match status: scoring
/// them separately would count one piece of evidence several times (and make people
/// in the same household look like duplicates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cmp {
    GivenName = 0,
    Surname,
    BirthDate,
    Address,
    Phone,
    NationalId,
    Email,
    OtherId,
    Company,
    RegisteredId,
}

pub const N_CMP: usize = 10;
pub const N_LEVELS_MAX: usize = 8;

/// One agreement level per comparison.
pub type Gamma = [u8; N_CMP];

impl Cmp {
    pub const ALL: [Cmp; N_CMP] = [
        Cmp::GivenName,
        Cmp::Surname,
        Cmp::BirthDate,
        Cmp::Address,
        Cmp::Phone,
        Cmp::NationalId,
        Cmp::Email,
        Cmp::OtherId,
        Cmp::Company,
        Cmp::RegisteredId,
    ];

    /// Stable code, used in explanations and output files.
    pub fn code(self) -> &'static str {
        match self {
            Cmp::GivenName => "given_name",
            Cmp::Surname => "surname",
            Cmp::BirthDate => "birth_date",
            Cmp::Address => "address",
            Cmp::Phone => "phone",
            Cmp::NationalId => "national_id",
            Cmp::Email => "email",
            Cmp::OtherId => "other_id",
            Cmp::Company => "company",
            Cmp::RegisteredId => "registered_id",
        }
    }

    /// Stable codes of the levels, index = level. Level 0 is `missing`, the last is
    /// `different`.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Cmp::GivenName => &[
                "missing",
                "exact",
                "similar",
                "initial_or_close",
                "different",
            ],
            Cmp::Surname => &["missing", "exact", "similar", "partial", "different"],
            Cmp::BirthDate => &[
                "missing",
                "exact",
                "day_month_swapped",
                "one_digit",
                "different",
            ],
            Cmp::Address => &[
                "missing",
                "postcode_house_number",
                "street_house_number_city",
                "postcode_typo_house_number",
                "similar_street_house_number",
                "postcode",
                "area_or_city",
                "different",
            ],
            Cmp::Phone | Cmp::NationalId | Cmp::OtherId => {
                &["missing", "exact", "one_edit", "different"]
            }
            Cmp::Email => &["missing", "exact", "different"],
            Cmp::Company => &["missing", "exact", "similar", "different"],
            Cmp::RegisteredId => &["missing", "exact", "different"],
        }
    }

    pub fn n_levels(self) -> usize {
        self.levels().len()
    }

    /// Default m probabilities (before estimation), index = level (0 unused).
    pub(crate) fn default_m(self) -> &'static [f64] {
        match self {
            Cmp::GivenName | Cmp::Surname => &[0.0, 0.85, 0.08, 0.04, 0.03],
            Cmp::BirthDate => &[0.0, 0.9, 0.03, 0.04, 0.03],
            Cmp::Address => &[0.0, 0.7, 0.05, 0.04, 0.04, 0.02, 0.05, 0.1],
            Cmp::Phone | Cmp::NationalId | Cmp::OtherId => &[0.0, 0.85, 0.05, 0.1],
            Cmp::Email | Cmp::RegisteredId => &[0.0, 0.9, 0.1],
            Cmp::Company => &[0.0, 0.8, 0.1, 0.1],
        }
    }
}

/// One side of a pair: ids and the strings behind them.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub r: &'a Rec,
    pub s: Strs<'a>,
}

fn known(id: u32) -> bool {
    id != NONE
}

/// Equal ids of a known value (a probe's unseen value equals nothing stored).
fn same(a: u32, b: u32) -> bool {
    a == b && a < UNSEEN
}

fn digits8(d: u32) -> [u8; 8] {
    let mut out = [0u8; 8];
    let mut x = d;
    for i in (0..8).rev() {
        out[i] = (x % 10) as u8;
        x /= 10;
    }
    out
}

fn date_level(a: u32, b: u32) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    if a == b {
        return 1;
    }
    let (ya, ma, da) = (a / 10_000, a / 100 % 100, a % 100);
    let (yb, mb, db) = (b / 10_000, b / 100 % 100, b % 100);
    if ya == yb && ma == db && da == mb {
        return 2;
    }
    let (x, y) = (digits8(a), digits8(b));
    let diff: Vec<usize> = (0..8).filter(|&i| x[i] != y[i]).collect();
    let one_digit = diff.len() == 1
        || (diff.len() == 2
            && diff[1] == diff[0] + 1
            && x[diff[0]] == y[diff[1]]
            && x[diff[1]] == y[diff[0]]);
    if one_digit {
        3
    } else {
        4
    }
}

fn name_level(eq: bool, a: &str, b: &str) -> u8 {
    if eq || a == b {
        return 1;
    }
    let jw = jaro_winkler(a, b);
    if jw >= 0.92 || damerau_levenshtein(a, b, 1) <= 1 {
        2
    } else if jw >= 0.8 || token_set(a, b) >= 1.0 {
        3
    } else {
        4
    }
}

fn first_word(s: &str) -> &str {
    s.split(' ').next().unwrap_or(s)
}

/// A given-name string read as a surname core (particles dropped): when names are
/// swapped, `van spiere` sits in the given-name field.
fn as_surname(given: &str) -> String {
    crate::normalise::surname_core(given).unwrap_or_default()
}

/// How given name and surname are written the other way round on one side:
/// 0 = not swapped, 1 = swapped exactly, 2 = swapped with small differences.
pub fn swap_level(a: &Side, b: &Side) -> u8 {
    let ids = [a.r.given, a.r.surname, b.r.given, b.r.surname];
    if ids.contains(&NONE) || same(a.r.surname, b.r.surname) || same(a.r.given, b.r.given) {
        return 0;
    }
    // Swapped names (even with a typo) share first letters crosswise.
    let [ag, ags, as_] = a.r.initials;
    let [bg, bgs, bs] = b.r.initials;
    if !((as_ == bg && ags == bs) || (bs == ag && bgs == as_)) {
        return 0;
    }
    let (Some(ga), Some(sa), Some(gb), Some(sb)) =
        (a.s.given(), a.s.surname(), b.s.given(), b.s.surname())
    else {
        return 0;
    };
    if sa == sb || ga == gb {
        return 0;
    }
    let level = |x: &str, y: &str| -> u8 {
        if x == y {
            1
        } else if x.as_bytes().first() != y.as_bytes().first() {
            // Cheap reject: a swap with a typo in the first letter is rare.
            0
        } else if jaro_winkler(x, y) >= 0.9 {
            2
        } else {
            0
        }
    };
    let one = |ga: &str, sa: &str, gb: &str, sb: &str| -> u8 {
        let l2 = level(sa, first_word(gb)).max(level(sa, gb));
        if l2 == 0 {
            return 0;
        }
        let l1 = if ga.contains([' ', '\'']) {
            level(&as_surname(ga), sb)
        } else {
            level(ga, sb)
        };
        if l1 == 0 {
            return 0;
        }
        l1.max(l2)
    };
    match one(ga, sa, gb, sb) {
        0 => one(gb, sb, ga, sa),
        l => l,
    }
}

/// Whether given name and surname are written the other way round on one side.
pub fn names_swapped(a: &Side, b: &Side) -> bool {
    swap_level(a, b) != 0
}

fn given_level(a: &Side, b: &Side) -> u8 {
    if !known(a.r.given) || !known(b.r.given) {
        return 0;
    }
    if same(a.r.given, b.r.given) {
        return 1;
    }
    let (Some(ga), Some(gb)) = (a.s.given(), b.s.given()) else {
        return 0;
    };
    if same(a.r.given, b.r.given) || ga == gb {
        return 1;
    }
    if same(a.r.given_first, b.r.given_first) || first_word(ga) == first_word(gb) {
        return 2;
    }
    let initial_ok =
        (a.r.initials_only || b.r.initials_only) && ga.as_bytes()[0] == gb.as_bytes()[0];
    match name_level(false, ga, gb) {
        3 if initial_ok => 3,
        l if initial_ok => l.min(3),
        l => l,
    }
}

fn one_edit_level<'x>(
    a_id: u32,
    b_id: u32,
    a: impl FnOnce() -> Option<&'x str>,
    b: impl FnOnce() -> Option<&'x str>,
) -> u8 {
    if !known(a_id) || !known(b_id) {
        return 0;
    }
    if same(a_id, b_id) {
        return 1;
    }
    match (a(), b()) {
        (Some(x), Some(y)) => {
            if same(a_id, b_id) || x == y {
                1
            } else if damerau_levenshtein(x, y, 1) <= 1 {
                2
            } else {
                3
            }
        }
        _ => 0,
    }
}

fn address_level(a: &Side, b: &Side) -> u8 {
    let ra = a.r;
    let rb = b.r;
    let any_a = known(ra.postcode) || known(ra.street) || known(ra.city);
    let any_b = known(rb.postcode) || known(rb.street) || known(rb.city);
    if !any_a || !any_b {
        return 0;
    }
    let hn = ra.house != 0 && ra.house == rb.house;
    let pc_eq = same(ra.postcode, rb.postcode);
    let street_eq = same(ra.street, rb.street);
    let city_ok = same(ra.city, rb.city) || !known(ra.city) || !known(rb.city);
    if pc_eq && hn {
        return 1;
    }
    if street_eq && hn && city_ok {
        return 2;
    }
    if hn {
        if let (Some(x), Some(y)) = (a.s.postcode(), b.s.postcode()) {
            if damerau_levenshtein(x, y, 1) <= 1 {
                return 3;
            }
        }
        if let (Some(x), Some(y)) = (a.s.street(), b.s.street()) {
            if jaro_winkler(x, y) >= 0.9 {
                return 4;
            }
        }
    }
    if pc_eq {
        return 5;
    }
    if same(ra.pc4, rb.pc4) || same(ra.city, rb.city) {
        return 6;
    }
    7
}

fn registered_level(a: &Rec, b: &Rec) -> u8 {
    let pairs = [
        (a.iban, b.iban),
        (a.company_number, b.company_number),
        (a.plate, b.plate),
    ];
    let mut compared = false;
    for (x, y) in pairs {
        if known(x) && known(y) {
            if same(x, y) {
                return 1;
            }
            compared = true;
        }
    }
    if compared {
        2
    } else {
        0
    }
}

/// The comparison vector of a pair. Only comparisons in `active` are computed (the
/// others stay 0). Symmetric: `compare(a, b) == compare(b, a)`.
pub fn compare(a: &Side, b: &Side, active: &[bool; N_CMP]) -> Gamma {
    compare_full(a, b, active).0
}

/// [`compare`], also telling whether the names are swapped.
pub fn compare_full(a: &Side, b: &Side, active: &[bool; N_CMP]) -> (Gamma, bool) {
    let mut g = [0u8; N_CMP];
    let swapped = swap_level(a, b);
    if active[Cmp::GivenName as usize] {
        g[Cmp::GivenName as usize] = if swapped != 0 {
            swapped
        } else {
            given_level(a, b)
        };
    }
    if active[Cmp::Surname as usize] {
        g[Cmp::Surname as usize] = if swapped != 0 {
            swapped
        } else if !known(a.r.surname) || !known(b.r.surname) {
            0
        } else if same(a.r.surname, b.r.surname) {
            1
        } else {
            match (a.s.surname(), b.s.surname()) {
                (Some(x), Some(y)) => name_level(false, x, y),
                _ => 0,
            }
        };
    }
    if active[Cmp::BirthDate as usize] {
        g[Cmp::BirthDate as usize] = date_level(a.r.birth_date, b.r.birth_date);
    }
    if active[Cmp::Address as usize] {
        g[Cmp::Address as usize] = address_level(a, b);
    }
    if active[Cmp::Phone as usize] {
        g[Cmp::Phone as usize] =
            one_edit_level(a.r.phone, b.r.phone, || a.s.phone(), || b.s.phone());
    }
    if active[Cmp::NationalId as usize] {
        g[Cmp::NationalId as usize] = one_edit_level(
            a.r.national_id,
            b.r.national_id,
            || a.s.national_id(),
            || b.s.national_id(),
        );
    }
    if active[Cmp::Email as usize] && known(a.r.email) && known(b.r.email) {
        g[Cmp::Email as usize] = if same(a.r.email, b.r.email) { 1 } else { 2 };
    }
    if active[Cmp::OtherId as usize] {
        g[Cmp::OtherId as usize] = one_edit_level(
            a.r.other_id,
            b.r.other_id,
            || a.s.other_id(),
            || b.s.other_id(),
        );
    }
    if active[Cmp::Company as usize] {
        g[Cmp::Company as usize] = match (a.s.company(), b.s.company()) {
            (Some(x), Some(y)) => {
                if same(a.r.company, b.r.company) || x == y {
                    1
                } else if token_set(x, y) >= 0.8 || jaro_winkler(x, y) >= 0.92 {
                    2
                } else {
                    3
                }
            }
            _ => 0,
        };
    }
    if active[Cmp::RegisteredId as usize] {
        g[Cmp::RegisteredId as usize] = registered_level(a.r, b.r);
    }
    (g, swapped != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_level(19850731, 19850731), 1);
        assert_eq!(date_level(19850507, 19850705), 2);
        assert_eq!(date_level(19850731, 19850732), 3);
        assert_eq!(date_level(19850731, 19857031), 3);
        assert_eq!(date_level(19850731, 19910101), 4);
        assert_eq!(date_level(0, 19910101), 0);
    }
}
