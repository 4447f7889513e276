//! Interned, normalised records. Every distinct normalised value of a field is stored
//! once and records hold 32-bit ids, which makes equality a compare of two integers,
//! keeps a million records in tens of megabytes and gives term frequencies for free.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;
use std::hash::{BuildHasherDefault, Hasher};

use crate::normalise::{name_phonetic, only_initials, postcode_area, NormRecord};

/// A fast, deterministic hasher for short strings and integer keys (the rustc "Fx"
/// hash). Not DoS-resistant, which is fine: keys come from the data being linked and a
/// collision only costs time.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending only on the low input bits (for
        // short strings: their first letters), and hash tables index by the low bits:
        // finish with a full avalanche (MurmurHash3's fmix64).
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

fn hash_str(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// Id of a missing value.
pub const NONE: u32 = u32::MAX;
/// Id of a value a probe has that the index has never seen.
pub const UNSEEN: u32 = u32::MAX - 1;

/// Distinct values of one field with how often each occurs.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    /// Ids, hashed by their string (each string is stored once, in `strings`).
    map: hashbrown::HashTable<u32>,
    strings: Vec<Box<str>>,
    counts: Vec<u32>,
    total: u64,
    sum_sq: u128,
    /// [`Interner::tf_bits`] of every value, built by [`Interner::prepare_tf`] (a
    /// batch run scores millions of pairs against fixed dictionaries) and dropped at
    /// the next change (an online index that grows computes each value when asked).
    tf: std::sync::OnceLock<Vec<f64>>,
}

impl Interner {
    /// Adds one occurrence of `s` and returns its id.
    pub fn add(&mut self, s: &str) -> u32 {
        let id = self.intern(s);
        self.count(id);
        id
    }
    /// The id of `s`, adding the value if new, without counting an occurrence.
    pub fn intern(&mut self, s: &str) -> u32 {
        let h = hash_str(s);
        let strings = &self.strings;
        if let Some(&id) = self.map.find(h, |&id| &*strings[id as usize] == s) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(UNSEEN - 1);
        let strings = &self.strings;
        self.map
            .insert_unique(h, id, |&i| hash_str(&strings[i as usize]));
        self.strings.push(s.into());
        self.counts.push(0);
        self.tf.take();
        id
    }
    /// Counts one occurrence of an interned value.
    pub fn count(&mut self, id: u32) {
        self.tf.take();
        if let Some(c) = self.counts.get_mut(id as usize) {
            self.sum_sq += 2 * u128::from(*c) + 1;
            *c += 1;
            self.total += 1;
        }
    }
    /// The id of `s` without adding it ([`UNSEEN`] when new).
    pub fn lookup(&self, s: &str) -> u32 {
        let strings = &self.strings;
        self.map
            .find(hash_str(s), |&id| &*strings[id as usize] == s)
            .copied()
            .unwrap_or(UNSEEN)
    }
    pub fn get(&self, id: u32) -> Option<&str> {
        self.strings.get(id as usize).map(|s| &**s)
    }
    pub fn len(&self) -> usize {
        self.strings.len()
    }
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
    /// Probability that two values drawn at random agree exactly: Σf².
    pub fn agree_probability(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.sum_sq as f64 / (self.total as f64 * self.total as f64)
    }

    /// Term-frequency factor of a value: how much rarer than average it is,
    /// `Σf² / f(v)`, as a power of two, clamped to [−6, +4] bits. Agreeing on a rare
    /// surname is stronger evidence than agreeing on `Jansen`.
    pub fn tf_bits(&self, id: u32) -> f64 {
        match self.tf.get() {
            Some(table) => table.get(id as usize).copied().unwrap_or(0.0),
            None => self.compute_tf_bits(id),
        }
    }

    /// Computes [`Interner::tf_bits`] of every value once, until the next change.
    pub fn prepare_tf(&self) {
        self.tf.get_or_init(|| {
            (0..self.counts.len())
                .map(|i| self.compute_tf_bits(i as u32))
                .collect()
        });
    }

    fn compute_tf_bits(&self, id: u32) -> f64 {
        let Some(&c) = self.counts.get(id as usize) else {
            return 0.0;
        };
        if c == 0 || self.total == 0 {
            return 0.0;
        }
        let avg = self.sum_sq as f64 / (self.total as f64 * self.total as f64);
        let f = f64::from(c) / self.total as f64;
        (avg / f).log2().clamp(-6.0, 4.0)
    }
}

/// One interner per field that is compared by string.
#[derive(Debug, Default, Clone)]
pub struct Dicts {
    pub given: Interner,
    pub given_first: Interner,
    pub surname: Interner,
    pub phonetic: Interner,
    pub street: Interner,
    pub house_add: Interner,
    pub postcode: Interner,
    pub pc4: Interner,
    pub city: Interner,
    pub phone: Interner,
    pub email: Interner,
    pub national_id: Interner,
    pub iban: Interner,
    pub company_number: Interner,
    pub plate: Interner,
    pub other_id: Interner,
    pub company: Interner,
}

/// A normalised record as ids into [`Dicts`]. `NONE` marks a missing value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rec {
    pub source: u8,
    pub initials_only: bool,
    pub given: u32,
    pub given_first: u32,
    pub surname: u32,
    pub ph_given: u32,
    pub ph_surname: u32,
    /// `yyyymmdd`, 0 when missing.
    pub birth_date: u32,
    pub street: u32,
    /// 0 when missing.
    pub house: u32,
    pub house_add: u32,
    pub postcode: u32,
    pub pc4: u32,
    pub city: u32,
    pub phone: u32,
    pub email: u32,
    pub national_id: u32,
    pub iban: u32,
    pub company_number: u32,
    pub plate: u32,
    pub other_id: u32,
    pub company: u32,
    /// Whether some identifier failed its checksum (shown in explanations).
    pub has_rejected: bool,
    /// First letters of the given name, of the given name read as a surname core
    /// (particles dropped) and of the surname: a cheap pre-check for swapped names.
    pub initials: [u8; 3],
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Given,
    GivenFirst,
    Surname,
    Phonetic,
    Street,
    HouseAdd,
    Postcode,
    Pc4,
    City,
    Phone,
    Email,
    NationalId,
    Iban,
    CompanyNumber,
    Plate,
    OtherId,
    Company,
}

impl Dicts {
    fn slot_mut(&mut self, s: Slot) -> &mut Interner {
        match s {
            Slot::Given => &mut self.given,
            Slot::GivenFirst => &mut self.given_first,
            Slot::Surname => &mut self.surname,
            Slot::Phonetic => &mut self.phonetic,
            Slot::Street => &mut self.street,
            Slot::HouseAdd => &mut self.house_add,
            Slot::Postcode => &mut self.postcode,
            Slot::Pc4 => &mut self.pc4,
            Slot::City => &mut self.city,
            Slot::Phone => &mut self.phone,
            Slot::Email => &mut self.email,
            Slot::NationalId => &mut self.national_id,
            Slot::Iban => &mut self.iban,
            Slot::CompanyNumber => &mut self.company_number,
            Slot::Plate => &mut self.plate,
            Slot::OtherId => &mut self.other_id,
            Slot::Company => &mut self.company,
        }
    }

    fn slot(&self, s: Slot) -> &Interner {
        match s {
            Slot::Given => &self.given,
            Slot::GivenFirst => &self.given_first,
            Slot::Surname => &self.surname,
            Slot::Phonetic => &self.phonetic,
            Slot::Street => &self.street,
            Slot::HouseAdd => &self.house_add,
            Slot::Postcode => &self.postcode,
            Slot::Pc4 => &self.pc4,
            Slot::City => &self.city,
            Slot::Phone => &self.phone,
            Slot::Email => &self.email,
            Slot::NationalId => &self.national_id,
            Slot::Iban => &self.iban,
            Slot::CompanyNumber => &self.company_number,
            Slot::Plate => &self.plate,
            Slot::OtherId => &self.other_id,
            Slot::Company => &self.company,
        }
    }

    /// Interns a normalised record (adding to the term frequencies).
    pub fn intern(&mut self, n: &NormRecord, source: u8) -> Rec {
        assemble(n, source, |slot, v| {
            v.map_or(NONE, |s| self.slot_mut(slot).add(s))
        })
    }

    /// Looks a probe's values up without changing the dictionaries; values never seen
    /// get [`UNSEEN`].
    pub fn probe(&self, n: &NormRecord, source: u8) -> Rec {
        assemble(n, source, |slot, v| {
            v.map_or(NONE, |s| self.slot(slot).lookup(s))
        })
    }
}

/// The dictionary look-ups a record needs, in a fixed order (see [`call_values`]).
const CALLS: [Slot; 18] = [
    Slot::Given,
    Slot::GivenFirst,
    Slot::Surname,
    Slot::Phonetic,
    Slot::Phonetic,
    Slot::Street,
    Slot::HouseAdd,
    Slot::Postcode,
    Slot::Pc4,
    Slot::City,
    Slot::Phone,
    Slot::Email,
    Slot::NationalId,
    Slot::Iban,
    Slot::CompanyNumber,
    Slot::Plate,
    Slot::OtherId,
    Slot::Company,
];
const N_SLOTS: usize = 17;

/// The values of a record to intern, in [`CALLS`] order.
fn borrowed(v: &Option<String>) -> Option<Cow<'_, str>> {
    v.as_deref().map(Cow::Borrowed)
}

fn call_values(n: &NormRecord) -> [Option<Cow<'_, str>>; 18] {
    let b = borrowed;
    let first = n
        .given
        .as_deref()
        .map(|g| Cow::Borrowed(g.split(' ').next().unwrap_or(g)));
    let pc4 = n
        .postcode
        .as_deref()
        .map(|p| Cow::Borrowed(postcode_area(p)));
    let ph_g = n.given.as_deref().map(|g| Cow::Owned(name_phonetic(g)));
    let ph_s = n
        .surname
        .as_deref()
        .map(|s| Cow::Owned(crate::fold::phonetic(s)));
    let house_add = n
        .house
        .as_ref()
        .and_then(|h| h.addition.as_deref())
        .map(Cow::Borrowed);
    [
        b(&n.given),
        first,
        b(&n.surname),
        ph_g,
        ph_s,
        b(&n.street),
        house_add,
        b(&n.postcode),
        pc4,
        b(&n.city),
        b(&n.phone),
        b(&n.email),
        b(&n.national_id),
        b(&n.iban),
        b(&n.company_number),
        b(&n.plate),
        b(&n.other_id),
        b(&n.company),
    ]
}

fn build(n: &NormRecord, source: u8, ids: [u32; 18]) -> Rec {
    Rec {
        source,
        initials_only: n.given.as_deref().is_some_and(only_initials),
        given: ids[0],
        given_first: ids[1],
        surname: ids[2],
        ph_given: ids[3],
        ph_surname: ids[4],
        birth_date: n.birth_date.unwrap_or(0),
        street: ids[5],
        house: n.house.as_ref().map_or(0, |h| h.number),
        house_add: ids[6],
        postcode: ids[7],
        pc4: ids[8],
        city: ids[9],
        phone: ids[10],
        email: ids[11],
        national_id: ids[12],
        iban: ids[13],
        company_number: ids[14],
        plate: ids[15],
        other_id: ids[16],
        company: ids[17],
        has_rejected: !n.rejected.is_empty(),
        initials: [
            first_byte(n.given.as_deref()),
            n.given_core_initial,
            first_byte(n.surname.as_deref()),
        ],
    }
}

fn assemble(n: &NormRecord, source: u8, mut id: impl FnMut(Slot, Option<&str>) -> u32) -> Rec {
    let vals = call_values(n);
    let mut ids = [NONE; 18];
    for (c, v) in vals.iter().enumerate() {
        ids[c] = id(CALLS[c], v.as_deref());
    }
    build(n, source, ids)
}

/// Groups of record attributes that one field's value provides together (a given name
/// brings its first word, phonetic key and initials).
pub mod group {
    pub const GIVEN: u32 = 1 << 0;
    pub const SURNAME: u32 = 1 << 1;
    pub const BIRTH_DATE: u32 = 1 << 2;
    pub const STREET: u32 = 1 << 3;
    pub const HOUSE: u32 = 1 << 4;
    pub const POSTCODE: u32 = 1 << 5;
    pub const CITY: u32 = 1 << 6;
    pub const PHONE: u32 = 1 << 7;
    pub const EMAIL: u32 = 1 << 8;
    pub const NATIONAL_ID: u32 = 1 << 9;
    pub const IBAN: u32 = 1 << 10;
    pub const COMPANY_NUMBER: u32 = 1 << 11;
    pub const PLATE: u32 = 1 << 12;
    pub const OTHER_ID: u32 = 1 << 13;
    pub const COMPANY: u32 = 1 << 14;
}

/// What one normalised field value contributes, interned (not yet counted).
#[derive(Debug, Clone, Copy)]
pub struct Piece {
    pub rec: Rec,
    /// Which [`group`]s it provides.
    pub groups: u32,
}

fn groups_of(n: &NormRecord) -> u32 {
    use group::*;
    let mut g = 0;
    let mut set = |present: bool, bit: u32| {
        if present {
            g |= bit;
        }
    };
    set(n.given.is_some(), GIVEN);
    set(n.surname.is_some(), SURNAME);
    set(n.birth_date.is_some(), BIRTH_DATE);
    set(n.street.is_some(), STREET);
    set(n.house.is_some(), HOUSE);
    set(n.postcode.is_some(), POSTCODE);
    set(n.city.is_some(), CITY);
    set(n.phone.is_some(), PHONE);
    set(n.email.is_some(), EMAIL);
    set(n.national_id.is_some(), NATIONAL_ID);
    set(n.iban.is_some(), IBAN);
    set(n.company_number.is_some(), COMPANY_NUMBER);
    set(n.plate.is_some(), PLATE);
    set(n.other_id.is_some(), OTHER_ID);
    set(n.company.is_some(), COMPANY);
    g
}

/// An empty record (every value missing).
pub fn empty_rec(source: u8) -> Rec {
    build(&NormRecord::default(), source, [NONE; 18])
}

/// Merges a piece into a record, with the precedence of
/// [`crate::normalise::merge_field`]: provided groups override, except that a street
/// cell's house number only fills a missing one (`street_cell`).
pub fn merge_piece(dst: &mut Rec, p: &Piece, street_cell: bool) {
    use group::*;
    let s = &p.rec;
    let has = |bit: u32| p.groups & bit != 0;
    if has(GIVEN) {
        dst.given = s.given;
        dst.given_first = s.given_first;
        dst.ph_given = s.ph_given;
        dst.initials_only = s.initials_only;
        dst.initials[0] = s.initials[0];
        dst.initials[1] = s.initials[1];
    }
    if has(SURNAME) {
        dst.surname = s.surname;
        dst.ph_surname = s.ph_surname;
        dst.initials[2] = s.initials[2];
    }
    if has(BIRTH_DATE) {
        dst.birth_date = s.birth_date;
    }
    if has(STREET) {
        dst.street = s.street;
    }
    if has(HOUSE) && !(street_cell && dst.house != 0) {
        dst.house = s.house;
        dst.house_add = s.house_add;
    }
    if has(POSTCODE) {
        dst.postcode = s.postcode;
        dst.pc4 = s.pc4;
    }
    let ids: [(u32, &mut u32, u32); 8] = [
        (CITY, &mut dst.city, s.city),
        (PHONE, &mut dst.phone, s.phone),
        (EMAIL, &mut dst.email, s.email),
        (NATIONAL_ID, &mut dst.national_id, s.national_id),
        (IBAN, &mut dst.iban, s.iban),
        (COMPANY_NUMBER, &mut dst.company_number, s.company_number),
        (PLATE, &mut dst.plate, s.plate),
        (OTHER_ID, &mut dst.other_id, s.other_id),
    ];
    for (bit, d, v) in ids {
        if has(bit) {
            *d = v;
        }
    }
    if has(COMPANY) {
        dst.company = s.company;
    }
    dst.has_rejected |= s.has_rejected;
}

/// A record's dictionary ids in [`CALLS`] order (the inverse of `build`).
fn call_ids(r: &Rec) -> [u32; 18] {
    [
        r.given,
        r.given_first,
        r.surname,
        r.ph_given,
        r.ph_surname,
        r.street,
        r.house_add,
        r.postcode,
        r.pc4,
        r.city,
        r.phone,
        r.email,
        r.national_id,
        r.iban,
        r.company_number,
        r.plate,
        r.other_id,
        r.company,
    ]
}

impl Dicts {
    /// Interns the values of one normalised field value, without counting them.
    pub fn intern_piece(&mut self, n: &NormRecord) -> Piece {
        let vals = call_values(n);
        let mut ids = [NONE; 18];
        for (c, v) in vals.iter().enumerate() {
            if let Some(v) = v {
                ids[c] = self.slot_mut(CALLS[c]).intern(v);
            }
        }
        Piece {
            rec: build(n, 0, ids),
            groups: groups_of(n),
        }
    }

    /// Moves the identifier dictionaries (phone, e-mail, national id, IBAN, company
    /// number, plate, other id, company) into a separate `Dicts`, so they can be
    /// filled on another thread; [`Dicts::put_identifiers`] moves them back.
    pub fn take_identifiers(&mut self) -> Dicts {
        Dicts {
            phone: std::mem::take(&mut self.phone),
            email: std::mem::take(&mut self.email),
            national_id: std::mem::take(&mut self.national_id),
            iban: std::mem::take(&mut self.iban),
            company_number: std::mem::take(&mut self.company_number),
            plate: std::mem::take(&mut self.plate),
            other_id: std::mem::take(&mut self.other_id),
            company: std::mem::take(&mut self.company),
            ..Dicts::default()
        }
    }

    /// The inverse of [`Dicts::take_identifiers`].
    pub fn put_identifiers(&mut self, side: Dicts) {
        self.phone = side.phone;
        self.email = side.email;
        self.national_id = side.national_id;
        self.iban = side.iban;
        self.company_number = side.company_number;
        self.plate = side.plate;
        self.other_id = side.other_id;
        self.company = side.company;
    }

    /// Every dictionary with its slot, in `Slot` order.
    fn slots_mut(&mut self) -> [(Slot, &mut Interner); N_SLOTS] {
        let Dicts {
            given,
            given_first,
            surname,
            phonetic,
            street,
            house_add,
            postcode,
            pc4,
            city,
            phone,
            email,
            national_id,
            iban,
            company_number,
            plate,
            other_id,
            company,
        } = self;
        [
            (Slot::Given, given),
            (Slot::GivenFirst, given_first),
            (Slot::Surname, surname),
            (Slot::Phonetic, phonetic),
            (Slot::Street, street),
            (Slot::HouseAdd, house_add),
            (Slot::Postcode, postcode),
            (Slot::Pc4, pc4),
            (Slot::City, city),
            (Slot::Phone, phone),
            (Slot::Email, email),
            (Slot::NationalId, national_id),
            (Slot::Iban, iban),
            (Slot::CompanyNumber, company_number),
            (Slot::Plate, plate),
            (Slot::OtherId, other_id),
            (Slot::Company, company),
        ]
    }

    /// Counts one occurrence of every value of these records (term frequencies). Each
    /// dictionary is counted by its own task.
    pub fn count_records(&mut self, recs: &[Rec]) {
        let mut ints = self.slots_mut();
        ints.par_iter_mut().for_each(|(slot, int)| {
            let calls: Vec<usize> = (0..CALLS.len())
                .filter(|&c| CALLS[c] as usize == *slot as usize)
                .collect();
            for r in recs {
                let ids = call_ids(r);
                for &c in &calls {
                    if ids[c] != NONE {
                        int.count(ids[c]);
                    }
                }
            }
        });
    }
}

fn first_byte(s: Option<&str>) -> u8 {
    s.and_then(|s| s.as_bytes().first().copied()).unwrap_or(0)
}

/// A record's strings, resolved lazily (only when ids alone cannot decide). For a
/// probe, values come from its own normalised form.
#[derive(Debug, Clone, Copy)]
pub struct Strs<'a> {
    src: Src<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Src<'a> {
    Dict(&'a Dicts, &'a Rec),
    Norm(&'a NormRecord),
}

macro_rules! lazy_str {
    ($($name:ident),*) => {$(
        pub fn $name(&self) -> Option<&'a str> {
            match self.src {
                Src::Dict(d, r) => d.$name.get(r.$name),
                Src::Norm(n) => n.$name.as_deref(),
            }
        }
    )*};
}

impl<'a> Strs<'a> {
    pub fn of(d: &'a Dicts, r: &'a Rec) -> Self {
        Self {
            src: Src::Dict(d, r),
        }
    }
    pub fn of_norm(n: &'a NormRecord) -> Self {
        Self { src: Src::Norm(n) }
    }
    lazy_str!(
        given,
        surname,
        street,
        postcode,
        city,
        phone,
        national_id,
        other_id,
        company
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_term_frequencies_match_and_follow_changes() {
        let mut d = Interner::default();
        for s in ["jansen", "jansen", "jansen", "visser", "de vries"] {
            d.add(s);
        }
        let fresh: Vec<f64> = (0..3).map(|i| d.tf_bits(i)).collect();
        d.prepare_tf();
        let prepared: Vec<f64> = (0..3).map(|i| d.tf_bits(i)).collect();
        assert_eq!(fresh, prepared);
        assert!(prepared[0] < prepared[1], "a common name weighs less");
        assert_eq!(d.tf_bits(NONE), 0.0);
        // A change drops the prepared table: the weights follow the new counts.
        for _ in 0..5 {
            d.add("visser");
        }
        assert!(d.tf_bits(1) < prepared[1]);
        assert_eq!(d.tf_bits(1), d.compute_tf_bits(1));
    }
}
