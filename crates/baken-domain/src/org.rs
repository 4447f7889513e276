//! Organisation kinds and countries.

use std::fmt;

/// What kind of body an organisation is. Every stored object belongs to one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    Municipality,
    /// RIEC (NL) or ARIEC (BE).
    RegionalCentre,
    Police,
    LabourInspectorate,
    Immigration,
    VictimCare,
    OtherPartner,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        OrgKind::Municipality,
        OrgKind::RegionalCentre,
        OrgKind::Police,
        OrgKind::LabourInspectorate,
        OrgKind::Immigration,
        OrgKind::VictimCare,
        OrgKind::OtherPartner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Municipality => "municipality",
            OrgKind::RegionalCentre => "regional_centre",
            OrgKind::Police => "police",
            OrgKind::LabourInspectorate => "labour_inspectorate",
            OrgKind::Immigration => "immigration",
            OrgKind::VictimCare => "victim_care",
            OrgKind::OtherPartner => "other_partner",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_partner_agency(self) -> bool {
        !matches!(self, OrgKind::Municipality | OrgKind::RegionalCentre)
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    NL,
    BE,
}

impl Country {
    pub fn as_str(self) -> &'static str {
        match self {
            Country::NL => "NL",
            Country::BE => "BE",
        }
    }

    pub fn parse(s: &str) -> Option<Country> {
        match s.to_ascii_uppercase().as_str() {
            "NL" => Some(Country::NL),
            "BE" => Some(Country::BE),
            _ => None,
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OrgKind::parse("bank"), None);
    }

    #[test]
    fn country_parse_is_case_insensitive_and_strict() {
        assert_eq!(Country::parse("be"), Some(Country::BE));
        assert_eq!(Country::parse("DE"), None);
    }
}
