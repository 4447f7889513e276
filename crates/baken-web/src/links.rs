//! "Also seen in": every submitted signal's people and things live in an in-memory
//! [`LinkIndex`]; a signal page asks it which other signals resemble this one, and shows
//! only those the reader may see, each with the reasons (which fields agreed, how much).

use baken_domain::identifiers::Country;
use baken_domain::signal::SignalDraft;
use baken_link::compare::N_CMP;
use baken_link::{Explanation, Field, LinkIndex, Model, Params, RawRecord};

/// Probability from which a resemblance is shown to an analyst for review.
pub const SHOW_FROM: f64 = 0.5;

pub struct SignalIndex {
    index: LinkIndex,
    /// Owner of each record, by insertion position: (signal id, organisation id).
    owners: Vec<(String, String)>,
}

/// Prior odds that two signals of one organisation concern the same person or thing.
/// Far higher than between two registry records picked at random: signals are few and
/// cluster around the same addresses and networks. Untrained m/u: the suggestions are
/// for an analyst to review, never links made on their own.
const SIGNAL_PRIOR: f64 = 0.01;

impl Default for SignalIndex {
    fn default() -> Self {
        let mut params = Params::defaults([true; N_CMP]);
        params.lambda = SIGNAL_PRIOR;
        SignalIndex {
            index: LinkIndex::new(Model::new(params), Country::Nl, 2000),
            owners: Vec::new(),
        }
    }
}

/// The records a signal contributes: one per person, each with the signal's first
/// address, phone, e-mail, account, company and vehicle; or one without a person.
pub fn records_of(draft: &SignalDraft) -> Vec<RawRecord> {
    let first = |kind: &str| draft.entities.iter().find(|e| e.kind == kind);
    let mut shared = RawRecord::new();
    let set = |rec: &mut RawRecord, field: Field, value: &str| {
        if !value.trim().is_empty() {
            rec.set(field, value.trim());
        }
    };
    if let Some(a) = first("address") {
        set(&mut shared, Field::Street, a.get("street"));
        set(&mut shared, Field::HouseNumber, a.get("house_number"));
        set(&mut shared, Field::Postcode, a.get("postcode"));
        set(&mut shared, Field::City, a.get("town"));
    }
    if let Some(p) = first("phone") {
        set(&mut shared, Field::Phone, p.get("number"));
    }
    if let Some(e) = first("email") {
        set(&mut shared, Field::Email, e.get("address"));
    }
    if let Some(b) = first("bank_account") {
        set(&mut shared, Field::Iban, b.get("iban"));
    }
    if let Some(o) = first("organisation") {
        set(&mut shared, Field::Company, o.get("name"));
        set(&mut shared, Field::Kvk, o.get("kvk"));
        set(&mut shared, Field::Kbo, o.get("kbo"));
    }
    if let Some(v) = first("vehicle") {
        set(&mut shared, Field::Plate, v.get("plate"));
    }
    let people: Vec<RawRecord> = draft
        .entities
        .iter()
        .filter(|e| e.kind == "person")
        .map(|p| {
            let mut r = shared.clone();
            set(&mut r, Field::FullName, p.get("name"));
            set(&mut r, Field::BirthDate, p.get("birth_date"));
            let id = if p.get("bsn").trim().is_empty() {
                p.get("national_number")
            } else {
                p.get("bsn")
            };
            set(&mut r, Field::NationalId, id);
            r
        })
        .collect();
    if !people.is_empty() {
        return people;
    }
    if Field::ALL.iter().any(|f| shared.get(*f).is_some()) {
        vec![shared]
    } else {
        Vec::new()
    }
}

/// One other signal that resembles this one.
pub struct Resemblance {
    pub signal_id: String,
    pub explanation: Explanation,
}

impl SignalIndex {
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    pub fn insert(&mut self, signal_id: &str, org_id: &str, draft: &SignalDraft) {
        for rec in records_of(draft) {
            self.index.insert(signal_id, &rec);
            self.owners
                .push((signal_id.to_string(), org_id.to_string()));
        }
    }

    /// Other signals of `org_id` that resemble `draft`, best first, one entry per signal.
    /// Signals of other organisations are never returned (cross-organisation matching is
    /// hit/no-hit, a later feature).
    pub fn also_seen(
        &self,
        signal_id: &str,
        org_id: &str,
        draft: &SignalDraft,
    ) -> Vec<Resemblance> {
        let mut out: Vec<Resemblance> = Vec::new();
        for rec in records_of(draft) {
            for c in self.index.query(&rec, SHOW_FROM, 50) {
                let Some((sid, oid)) = self.owners.get(c.record as usize) else {
                    continue;
                };
                if sid == signal_id || oid != org_id {
                    continue;
                }
                match out.iter_mut().find(|r| &r.signal_id == sid) {
                    Some(r) if r.explanation.probability >= c.probability => {}
                    Some(r) => r.explanation = c.explanation,
                    None => out.push(Resemblance {
                        signal_id: sid.clone(),
                        explanation: c.explanation,
                    }),
                }
            }
        }
        out.sort_by(|a, b| {
            b.explanation
                .probability
                .total_cmp(&a.explanation.probability)
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(pairs: &[(&str, &str)]) -> SignalDraft {
        SignalDraft::from_fields(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn spelling_variants_of_one_person_and_address_are_found_with_reasons() {
        let mut ix = SignalIndex::default();
        let first = draft(&[
            ("e0.kind", "person"),
            ("e0.name", "Jan van der Berg"),
            ("e1.kind", "address"),
            ("e1.street", "Kerkstraat"),
            ("e1.house_number", "12"),
            ("e1.postcode", "1234 AB"),
            ("e1.town", "Demodorp"),
        ]);
        let other = draft(&[
            ("e0.kind", "person"),
            ("e0.name", "Piet Jansen"),
            ("e1.kind", "address"),
            ("e1.street", "Dorpsweg"),
            ("e1.house_number", "3"),
            ("e1.postcode", "9999 ZZ"),
            ("e1.town", "Elders"),
        ]);
        ix.insert("s1", "org-a", &first);
        ix.insert("s2", "org-a", &other);
        ix.insert("s3", "org-b", &first);
        let second = draft(&[
            ("e0.kind", "person"),
            ("e0.name", "J. v.d. Bergh"),
            ("e1.kind", "address"),
            ("e1.street", "Kerkstr."),
            ("e1.house_number", "12a"),
            ("e1.postcode", "1234AB"),
            ("e1.town", "Demodorp"),
        ]);
        let seen = ix.also_seen("s4", "org-a", &second);
        let ids: Vec<&str> = seen.iter().map(|r| r.signal_id.as_str()).collect();
        assert_eq!(
            ids,
            ["s1"],
            "same organisation only, unrelated signal not shown"
        );
        let why = seen[0].explanation.to_string();
        assert!(why.contains("surname") && why.contains("address"), "{why}");
    }

    #[test]
    fn a_signal_without_people_or_things_adds_nothing() {
        let mut ix = SignalIndex::default();
        ix.insert("s1", "o", &draft(&[("observation", "iets")]));
        assert!(ix.is_empty());
    }
}
