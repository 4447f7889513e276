//! Engine-level tests: normalisation is idempotent, scores are symmetric, a record
//! always links to its exact copy, identifiers with bad checksums never link on their
//! own, explanations have a fixed shape (snapshot), and the online index finds
//! spelling variants.

use baken_domain::identifiers::Country;
use baken_link::batch::{active_comparisons, link, Dataset, InputRow, LinkOptions};
use baken_link::compare::Side;
use baken_link::dict::{Dicts, Strs};
use baken_link::generate::generate;
use baken_link::model::{Model, Params};
use baken_link::normalise::{
    city, company, given_names, normalise, postcode, street, surname_core,
};
use baken_link::table::read_csv;
use baken_link::{Field, FieldSet, LinkIndex, Mapping, RawRecord};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const MAPPING: &str = r#"
id = "unique_id"
truth = "cluster"
[fields]
given_name = "given_name"
surname = "surname"
birth_date = "dob"
street = "street"
house_number = "house_number"
postcode = "postcode"
city = "city"
phone = "phone"
national_id = "bsn"
"#;

fn person_fields() -> FieldSet {
    [
        Field::GivenName,
        Field::Surname,
        Field::BirthDate,
        Field::Street,
        Field::HouseNumber,
        Field::Postcode,
        Field::City,
        Field::Phone,
        Field::NationalId,
        Field::Iban,
    ]
    .into_iter()
    .collect()
}

/// Generated records read back through the CSV reader.
fn generated(n: usize, seed: u64) -> Vec<InputRow> {
    let mut buf = Vec::new();
    generate(n, &mut StdRng::seed_from_u64(seed), &mut buf).unwrap();
    let mapping = Mapping::parse(MAPPING, "test").unwrap();
    let mut rows = Vec::new();
    read_csv(&buf[..], "gen.csv", &mapping, 0, |r| {
        rows.push(r);
        Ok(())
    })
    .unwrap();
    rows
}

fn raw_strategy() -> impl Strategy<Value = RawRecord> {
    let word = "[A-Za-zéü' -]{0,12}";
    (
        word,
        prop_oneof![
            Just("van der Berg".to_owned()),
            Just("Berg, van der".to_owned()),
            "[A-Za-z -]{0,12}"
        ],
        prop_oneof![
            Just("1985-07-31".to_owned()),
            Just("1985-31-07".to_owned()),
            "[0-9-]{0,10}"
        ],
        prop_oneof![
            Just("Kerkstr.".to_owned()),
            Just("Kerkstraat".to_owned()),
            word.prop_map(|s| s)
        ],
        "[0-9]{0,3}[a-c]?",
        prop_oneof![
            Just("1234 AB".to_owned()),
            Just("1234AB".to_owned()),
            "[0-9A-Z ]{0,7}"
        ],
        prop_oneof![
            Just("0612345678".to_owned()),
            Just("+31 6 12345678".to_owned()),
            "[0-9]{0,10}"
        ],
    )
        .prop_map(|(g, s, d, st, h, pc, ph)| {
            RawRecord::new()
                .with(Field::GivenName, &g)
                .with(Field::Surname, &s)
                .with(Field::BirthDate, &d)
                .with(Field::Street, &st)
                .with(Field::HouseNumber, &h)
                .with(Field::Postcode, &pc)
                .with(Field::Phone, &ph)
                .with(Field::City, "Utrecht")
        })
}

proptest! {
    #[test]
    fn normalisation_is_idempotent(s in "\\PC{0,30}") {
        for f in [surname_core, given_names, street, city, company, postcode] {
            if let Some(once) = f(&s) {
                prop_assert_eq!(f(&once), Some(once.clone()), "input {:?}", s);
            }
        }
    }

    #[test]
    fn normalisation_is_idempotent_on_latin_words(
        s in "((van|de|der|d'|st|str|mr|pl|ln|bv|b\\.v\\.|[a-zA-Zéü]{1,6})[ .'-]{1,2}){0,5}"
    ) {
        for f in [surname_core, given_names, street, city, company, postcode] {
            if let Some(once) = f(&s) {
                prop_assert_eq!(f(&once), Some(once.clone()), "input {:?}", s);
            }
        }
    }

    #[test]
    fn scores_are_symmetric(a in raw_strategy(), b in raw_strategy()) {
        let mut d = Dicts::default();
        let na = normalise(&a, Country::Nl);
        let nb = normalise(&b, Country::Nl);
        let ra = d.intern(&na, 0);
        let rb = d.intern(&nb, 0);
        let model = Model::new(Params::defaults(active_comparisons(person_fields())));
        let sa = Side { r: &ra, s: Strs::of(&d, &ra) };
        let sb = Side { r: &rb, s: Strs::of(&d, &rb) };
        let (gab, wab) = model.score(&d, &sa, &sb);
        let (gba, wba) = model.score(&d, &sb, &sa);
        prop_assert_eq!(gab, gba);
        prop_assert!((wab - wba).abs() < 1e-9, "{} vs {}", wab, wba);
    }

    #[test]
    fn a_bad_checksum_never_links_on_its_own(digits in "[1-9][0-9]{8}", last_change in 1u8..10) {
        // Make the BSN invalid by changing its last digit until the eleven-test fails.
        let mut b = digits.into_bytes();
        b[8] = b'0' + (b[8] - b'0' + last_change) % 10;
        let bsn = String::from_utf8(b).unwrap();
        prop_assume!(baken_domain::identifiers::Bsn::parse(&bsn).is_err());
        let mut ix = LinkIndex::new(
            Model::new(Params::defaults(active_comparisons(person_fields()))),
            Country::Nl,
            64,
        );
        let stored = RawRecord::new()
            .with(Field::GivenName, "Anna")
            .with(Field::Surname, "Jansen")
            .with(Field::NationalId, &bsn)
            .with(Field::Iban, "NL92ABNA0417164300");
        ix.insert("a", &stored);
        let probe = RawRecord::new()
            .with(Field::GivenName, "Mehmet")
            .with(Field::Surname, "Yilmaz")
            .with(Field::NationalId, &bsn)
            .with(Field::Iban, "NL92ABNA0417164300");
        prop_assert!(ix.query(&probe, 1e-9, 10).is_empty());
    }
}

#[test]
fn a_valid_shared_iban_is_a_hard_link_but_an_invalid_one_is_not() {
    let model = Model::new(Params::defaults(active_comparisons(person_fields())));
    let mut ix = LinkIndex::new(model, Country::Nl, 64);
    ix.insert(
        "valid",
        &RawRecord::new()
            .with(Field::Surname, "Jansen")
            .with(Field::Iban, "NL91 ABNA 0417 1643 00"),
    );
    let probe = RawRecord::new()
        .with(Field::Surname, "Yilmaz")
        .with(Field::Iban, "nl91abna0417164300");
    let c = ix.query(&probe, 0.5, 10);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].explanation.hard_rule,
        Some("same_valid_registered_identifier")
    );
    let bad = RawRecord::new()
        .with(Field::Surname, "Yilmaz")
        .with(Field::Iban, "NL92ABNA0417164300");
    assert!(ix.query(&bad, 1e-9, 10).is_empty());
}

#[test]
fn every_record_links_to_its_exact_copy() {
    let mut rows = generated(3000, 7);
    let copies: Vec<InputRow> = rows
        .iter()
        .step_by(37)
        .map(|r| InputRow {
            id: format!("copy-of-{}", r.id),
            ..r.clone()
        })
        .collect();
    let n_copies = copies.len();
    rows.extend(copies);
    let mut ds = Dataset::new(person_fields(), Country::Nl);
    ds.push_batch(rows);
    let result = link(
        &ds,
        &LinkOptions::default(),
        &mut StdRng::seed_from_u64(1),
        |_| {},
    );
    let linked: std::collections::HashSet<(String, String)> = result
        .links()
        .map(|s| {
            (
                ds.ids[s.a as usize].to_string(),
                ds.ids[s.b as usize].to_string(),
            )
        })
        .collect();
    let mut found = 0;
    for (i, id) in ds.ids.iter().enumerate() {
        if let Some(orig) = id.strip_prefix("copy-of-") {
            let j = ds.ids.iter().position(|x| &**x == orig).unwrap();
            assert!(j < i);
            assert!(
                linked.contains(&(orig.to_owned(), id.to_string())),
                "{orig} not linked to its copy"
            );
            assert_eq!(result.clusters[i], result.clusters[j]);
            found += 1;
        }
    }
    assert_eq!(found, n_copies);
}

#[test]
fn same_input_and_seed_give_the_same_result() {
    let run = || {
        let mut ds = Dataset::new(person_fields(), Country::Nl);
        ds.push_batch(generated(2000, 3));
        let r = link(
            &ds,
            &LinkOptions::default(),
            &mut StdRng::seed_from_u64(9),
            |_| {},
        );
        let mut out = Vec::new();
        baken_link::batch::write_links(&ds, &r, &mut out).unwrap();
        baken_link::batch::write_clusters(&ds, &r, &mut out).unwrap();
        out
    };
    assert_eq!(run(), run());
}

#[test]
fn explanation_snapshot() {
    let model = Model::new(Params::defaults(active_comparisons(person_fields())));
    let mut d = Dicts::default();
    let a = normalise(
        &RawRecord::new()
            .with(Field::GivenName, "Jan")
            .with(Field::Surname, "van der Berg")
            .with(Field::BirthDate, "1985-07-31")
            .with(Field::Street, "Kerkstraat")
            .with(Field::HouseNumber, "12")
            .with(Field::Postcode, "1234 AB")
            .with(Field::NationalId, "111222334"),
        Country::Nl,
    );
    let b = normalise(
        &RawRecord::new()
            .with(Field::GivenName, "J.")
            .with(Field::Surname, "Bergh, v.d.")
            .with(Field::BirthDate, "1985-31-07")
            .with(Field::Street, "Kerkstr.")
            .with(Field::HouseNumber, "12a")
            .with(Field::Postcode, "1234AB"),
        Country::Nl,
    );
    let ra = d.intern(&a, 0);
    let rb = d.intern(&b, 0);
    let e = model.explain(
        &d,
        &Side {
            r: &ra,
            s: Strs::of(&d, &ra),
        },
        &Side {
            r: &rb,
            s: Strs::of(&d, &rb),
        },
    );
    let levels: Vec<(&str, &str)> = e
        .parts
        .iter()
        .map(|p| (p.comparison.code(), p.level_code))
        .collect();
    assert_eq!(
        levels,
        vec![
            ("given_name", "initial_or_close"),
            ("surname", "similar"),
            ("birth_date", "day_month_swapped"),
            ("address", "postcode_house_number"),
            ("phone", "missing"),
            ("national_id", "missing"),
            ("registered_id", "missing"),
        ]
    );
    assert!(e.rejected_identifier, "the bad BSN is reported");
    assert_eq!(
        e.to_string(),
        "p=0.0108 bits=-6.5 | prior -13.3 | given_name initial_or_close (jan|j) +0.3 \
         | surname similar (berg|bergh) +1.3 | birth_date day_month_swapped (1985-07-31|1985-31-07) -0.2 \
         | address postcode_house_number (kerkstraat 12 1234AB|kerkstraat 12a 1234AB) +5.4 \
         | identifier_failed_checksum_ignored"
    );
}

#[test]
fn online_index_finds_spelling_variants_with_reasons() {
    let rows = generated(5000, 11);
    let mut ds = Dataset::new(person_fields(), Country::Nl);
    ds.push_batch(rows);
    let result = link(
        &ds,
        &LinkOptions::default(),
        &mut StdRng::seed_from_u64(1),
        |_| {},
    );
    let mut ix = LinkIndex::from_dataset(ds, result.model.clone(), 64);
    ix.insert(
        "signal-1",
        &RawRecord::new()
            .with(Field::GivenName, "Jan")
            .with(Field::Surname, "van der Berg")
            .with(Field::BirthDate, "1985-07-31")
            .with(Field::Street, "Kerkstraat")
            .with(Field::HouseNumber, "12")
            .with(Field::Postcode, "1234 AB"),
    );
    let probe = RawRecord::new()
        .with(Field::GivenName, "J.")
        .with(Field::Surname, "Bergh, v.d.")
        .with(Field::BirthDate, "1985-07-31")
        .with(Field::Street, "Kerkstr.")
        .with(Field::HouseNumber, "12a")
        .with(Field::Postcode, "1234AB");
    let c = ix.query(&probe, 0.5, 5);
    assert_eq!(c.first().map(|c| c.id.as_str()), Some("signal-1"));
    let reasons: Vec<&str> = c[0]
        .explanation
        .parts
        .iter()
        .filter(|p| p.bits > 0.0)
        .map(|p| p.comparison.code())
        .collect();
    assert!(
        reasons.contains(&"birth_date") && reasons.contains(&"address"),
        "{reasons:?}"
    );
}
