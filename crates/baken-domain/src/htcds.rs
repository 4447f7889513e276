//! The IOM Human Trafficking Case Data Standard (HTCDS) as Baken exports it for
//! statistics: the field list (`data/htcds-fields.txt`, with its source), the mapping from
//! what Baken knows about a case, and the check that a record fits the list.

use crate::org::{Country, OrgKind};
use std::sync::LazyLock;

/// One field of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtcdsField {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub values: Vec<String>,
}

const FIELD_LIST: &str = include_str!("../data/htcds-fields.txt");

/// The fields, in export order (also the CSV column order).
pub static FIELDS: LazyLock<Vec<HtcdsField>> = LazyLock::new(|| parse_fields(FIELD_LIST));

fn parse_fields(text: &str) -> Vec<HtcdsField> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('|').collect();
            HtcdsField {
                name: cols[0].to_string(),
                kind: cols[1].to_string(),
                required: cols[2] == "yes",
                values: cols[3].split_whitespace().map(str::to_string).collect(),
            }
        })
        .collect()
}

/// What Baken knows about one case, without names or free text.
#[derive(Debug, Clone)]
pub struct CaseFacts<'a> {
    pub org_name: &'a str,
    pub org_kind: OrgKind,
    pub country: Country,
    pub case_number: &'a str,
    /// Baken's dossier status (new … closed).
    pub status: &'a str,
    /// YYYY-MM-DD.
    pub opened_on: &'a str,
    /// The first referral: partner organisation and date (YYYY-MM-DD).
    pub first_referral: Option<(&'a str, &'a str)>,
    pub signals: i64,
    pub minors: i64,
    pub referrals: i64,
}

/// HTCDS has no "municipality": a municipality is local government, a regional centre
/// (RIEC/ARIEC) too; the rest map to their nearest category.
pub fn org_type(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Municipality | OrgKind::RegionalCentre => "LocalGovernmentOrganisation",
        OrgKind::Police | OrgKind::LabourInspectorate => "LawEnforcement",
        OrgKind::Immigration => "ImmigrationService",
        OrgKind::VictimCare | OrgKind::OtherPartner => "NGO",
    }
}

/// Baken's workflow onto the HTCDS case status.
pub fn case_status(status: &str, referred: bool) -> &'static str {
    match status {
        "closed" if referred => "ClosedReferred",
        "closed" => "Closed",
        "monitoring" => "FollowUp",
        _ => "Active",
    }
}

/// One exported record: every field of the list, in order; what Baken does not know is
/// empty.
pub fn record(facts: &CaseFacts) -> Vec<(String, String)> {
    FIELDS
        .iter()
        .map(|f| {
            let value = match f.name.as_str() {
                "org_Name" => facts.org_name.to_string(),
                "org_ShippingCountry" => facts.country.as_str().to_string(),
                "org_Type" => org_type(facts.org_kind).to_string(),
                "cas_Status" => case_status(facts.status, facts.referrals > 0).to_string(),
                "cas_ReferredOrganisation" => facts
                    .first_referral
                    .map(|(p, _)| p.to_string())
                    .unwrap_or_default(),
                "cas_OutgoingReferralDate" => facts
                    .first_referral
                    .map(|(_, d)| d.to_string())
                    .unwrap_or_default(),
                "baken_CaseNumber" => facts.case_number.to_string(),
                "baken_OpenedDate" => facts.opened_on.to_string(),
                "baken_SignalCount" => facts.signals.to_string(),
                "baken_MinorCount" => facts.minors.to_string(),
                "baken_ReferralCount" => facts.referrals.to_string(),
                _ => String::new(),
            };
            (f.name.clone(), value)
        })
        .collect()
}

fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&v[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&v[8..10].parse::<u8>().unwrap_or(0))
}

/// Why a record does not fit the field list: each problem names the field.
pub fn validate(record: &[(String, String)]) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for (name, _) in record {
        if !FIELDS.iter().any(|f| &f.name == name) {
            problems.push(format!("{name}: not in the field list"));
        }
    }
    for f in FIELDS.iter() {
        let Some((_, value)) = record.iter().find(|(n, _)| *n == f.name) else {
            problems.push(format!("{}: missing", f.name));
            continue;
        };
        if value.is_empty() {
            if f.required {
                problems.push(format!("{}: required but empty", f.name));
            }
            continue;
        }
        let fits = match f.kind.as_str() {
            "Date" => is_date(value),
            "Number" => value.parse::<f64>().is_ok(),
            "Picklist" => f.values.iter().any(|v| v == value),
            "MultiselectPicklist" => value
                .split(';')
                .all(|part| f.values.iter().any(|v| v == part)),
            "Text" | "LongText" => true,
            other => {
                problems.push(format!("{}: unknown type {other}", f.name));
                true
            }
        };
        if !fits {
            problems.push(format!("{}: {value:?} is not a valid {}", f.name, f.kind));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(status: &'a str, referral: Option<(&'a str, &'a str)>) -> CaseFacts<'a> {
        CaseFacts {
            org_name: "Gemeente Demo",
            org_kind: OrgKind::Municipality,
            country: Country::NL,
            case_number: "abc123",
            status,
            opened_on: "2026-11-23",
            first_referral: referral,
            signals: 2,
            minors: 1,
            referrals: i64::from(referral.is_some()),
        }
    }

    #[test]
    fn the_field_list_is_read_with_its_types() {
        let status = FIELDS.iter().find(|f| f.name == "cas_Status").unwrap();
        assert!(status.required);
        assert_eq!(
            status.values,
            ["Active", "FollowUp", "Closed", "ClosedReferred"]
        );
        assert!(FIELDS
            .iter()
            .all(|f| !f.name.is_empty() && !f.kind.is_empty()));
    }

    #[test]
    fn records_validate_for_every_status() {
        for s in crate::dossier::DOSSIER_STATUSES {
            for r in [None, Some(("Politie", "2026-11-24"))] {
                let rec = record(&facts(s, r));
                assert_eq!(validate(&rec), Ok(()), "{s} {r:?}");
            }
        }
        let rec = record(&facts("closed", Some(("Politie", "2026-11-24"))));
        let get = |n: &str| rec.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_eq!(get("cas_Status"), "ClosedReferred");
        assert_eq!(get("cas_ReferredOrganisation"), "Politie");
        assert_eq!(get("org_Type"), "LocalGovernmentOrganisation");
        assert_eq!(get("cas_ReasonForCaseClosure"), "");
    }

    #[test]
    fn validation_names_the_broken_field() {
        let mut rec = record(&facts("new", None));
        rec.iter_mut().find(|(k, _)| k == "cas_Status").unwrap().1 = "Open".into();
        rec.iter_mut()
            .find(|(k, _)| k == "baken_OpenedDate")
            .unwrap()
            .1 = "2026-13-01".into();
        rec.iter_mut().find(|(k, _)| k == "org_Name").unwrap().1 = String::new();
        rec.push(("prs_FirstName".into(), "Jan".into()));
        let problems = validate(&rec).unwrap_err();
        for field in [
            "cas_Status",
            "baken_OpenedDate",
            "org_Name",
            "prs_FirstName",
        ] {
            assert!(
                problems.iter().any(|p| p.starts_with(field)),
                "{field}: {problems:?}"
            );
        }
        rec.retain(|(k, _)| k != "baken_SignalCount");
        assert!(validate(&rec)
            .unwrap_err()
            .iter()
            .any(|p| p == "baken_SignalCount: missing"));
    }
}
