//! The contact-point directory's CSV format: parsed and checked as a whole, so an import
//! is all-or-nothing and every bad cell is named by line and column.

use crate::identifiers::{self, EmailAddress, PhoneNumber};
use crate::Country;

/// The header a directory file must start with (in any order; extra columns refused).
pub const CSV_COLUMNS: [&str; 9] = [
    "partner",
    "name",
    "country",
    "region",
    "phenomena",
    "phone",
    "email",
    "address",
    "hours",
];

/// An optional column: the name of the Baken organisation the contact point belongs to,
/// when that partner uses this Baken (referrals then reach its referral inbox).
pub const CSV_ORGANISATION: &str = "organisation";

/// Longest text accepted in a cell.
pub const CELL_MAX: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPoint {
    pub partner: String,
    pub name: String,
    pub country: Country,
    pub region: String,
    /// Phenomenon ids of the indicator library; empty means every phenomenon.
    pub phenomena: Vec<String>,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub hours: String,
    /// The Baken organisation (by name) the contact point belongs to; empty when the
    /// partner does not use this Baken.
    pub organisation: String,
}

/// One bad cell: 1-based line of the file, the column's name, and a stable code
/// (`required`, `too_long`, `country`, `phenomenon`, `contact`, `columns`, `header`,
/// `syntax`, `empty`, or an identifier code such as `email.missing_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub line: u64,
    pub column: String,
    pub code: &'static str,
}

fn err(line: u64, column: &str, code: &'static str) -> CellError {
    CellError {
        line,
        column: column.to_string(),
        code,
    }
}

/// Parse a whole directory file. Either every line is good, or every problem is listed.
/// An `organisation` cell must name one of `known_organisations` (code `organisation`).
pub fn parse_csv(
    text: &str,
    known_phenomena: &[&str],
    known_organisations: &[&str],
) -> Result<Vec<ContactPoint>, Vec<CellError>> {
    // Forms send CRLF; the csv reader would count those lines short.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(_) => return Err(vec![err(1, "", "syntax")]),
    };
    let mut errors = Vec::new();
    for c in &header {
        if !CSV_COLUMNS.contains(&c.as_str()) && c != CSV_ORGANISATION {
            errors.push(err(1, c, "header"));
        }
    }
    for c in CSV_COLUMNS {
        if !header.iter().any(|h| h == c) {
            errors.push(err(1, c, "header"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or(0);
    let mut out = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(err(line, "", "syntax"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            errors.push(err(line, "", "columns"));
            continue;
        }
        let before = errors.len();
        let mut cell = |name: &str, required: bool| -> String {
            let v = record.get(col(name)).unwrap_or("").to_string();
            if required && v.is_empty() {
                errors.push(err(line, name, "required"));
            } else if v.chars().count() > CELL_MAX {
                errors.push(err(line, name, "too_long"));
            }
            v
        };
        let partner = cell("partner", true);
        let name = cell("name", false);
        let country_text = cell("country", true);
        let region = cell("region", true);
        let phenomena_text = cell("phenomena", false);
        let phone = cell("phone", false);
        let email = cell("email", false);
        let address = cell("address", false);
        let hours = cell("hours", false);
        let organisation = if header.iter().any(|h| h == CSV_ORGANISATION) {
            cell(CSV_ORGANISATION, false)
        } else {
            String::new()
        };
        if !organisation.is_empty() && !known_organisations.contains(&organisation.as_str()) {
            errors.push(err(line, CSV_ORGANISATION, "organisation"));
        }
        let country = match country_text.to_ascii_uppercase().as_str() {
            "NL" => Some(Country::NL),
            "BE" => Some(Country::BE),
            "" => None,
            _ => {
                errors.push(err(line, "country", "country"));
                None
            }
        };
        let phenomena: Vec<String> = phenomena_text
            .split([' ', ';', '|', ','])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if phenomena
            .iter()
            .any(|p| !known_phenomena.contains(&p.as_str()))
        {
            errors.push(err(line, "phenomena", "phenomenon"));
        }
        if !phone.is_empty() {
            let dial = match country {
                Some(Country::BE) => identifiers::Country::Be,
                _ => identifiers::Country::Nl,
            };
            if let Err(e) = PhoneNumber::parse(&phone, dial) {
                errors.push(err(line, "phone", e.code()));
            }
        }
        if !email.is_empty() {
            if let Err(e) = EmailAddress::parse(&email) {
                errors.push(err(line, "email", e.code()));
            }
        }
        if phone.is_empty() && email.is_empty() && address.is_empty() {
            errors.push(err(line, "phone", "contact"));
        }
        if errors.len() == before {
            if let Some(country) = country {
                out.push(ContactPoint {
                    partner,
                    name,
                    country,
                    region,
                    phenomena,
                    phone,
                    email,
                    address,
                    hours,
                    organisation,
                });
            }
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(err(2, "", "empty"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "partner,name,country,region,phenomena,phone,email,address,hours\n";
    const KNOWN: &[&str] = &["sexual_exploitation", "labour_exploitation"];

    #[test]
    fn a_good_file_parses() {
        let text = format!(
            "{HEADER}Politie,J. Jansen,NL,Utrecht,sexual_exploitation labour_exploitation,030 123 4567,j@politie.example,\"Straat 1, Utrecht\",ma-vr 9-17\n"
        );
        let rows = parse_csv(&text, KNOWN, &[]).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].country, Country::NL);
        assert_eq!(rows[0].phenomena.len(), 2);
        assert_eq!(rows[0].address, "Straat 1, Utrecht");
    }

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let text = format!(
            "{HEADER}Politie,,NL,Utrecht,,030 123 4567,,,\nInspectie,,XX,Gent,unknown_thing,,not-an-email,,\n,,BE,Gent,,,a@b.example,,\n"
        );
        let errors = parse_csv(&text, KNOWN, &[]).unwrap_err();
        let found: Vec<(u64, &str, &str)> = errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.code))
            .collect();
        assert!(found.contains(&(3, "country", "country")));
        assert!(found.contains(&(3, "phenomena", "phenomenon")));
        assert!(found.contains(&(3, "email", "email.missing_at")));
        assert!(found.contains(&(4, "partner", "required")));
        assert!(!found.iter().any(|(l, _, _)| *l == 2));
    }

    #[test]
    fn an_optional_organisation_column_names_a_known_baken_organisation() {
        let text = "partner,name,country,region,phenomena,phone,email,address,hours,organisation\n\
            Politie,,NL,R,,,a@b.example,,,Politie Demo\n\
            Inspectie,,NL,R,,,c@d.example,,,\n";
        let rows = parse_csv(text, KNOWN, &["Politie Demo"]).unwrap();
        assert_eq!(rows[0].organisation, "Politie Demo");
        assert_eq!(rows[1].organisation, "");
        let errors = parse_csv(text, KNOWN, &["Iets anders"]).unwrap_err();
        assert_eq!(
            (errors[0].line, errors[0].column.as_str(), errors[0].code),
            (2, "organisation", "organisation")
        );
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn lines_are_counted_with_windows_line_ends() {
        let text = "partner,name,country,region,phenomena,phone,email,address,hours\r\nA,,NL,R,,,a@b.example,,\r\nB,,NL,R,,,bad,,\r\n";
        let errors = parse_csv(text, KNOWN, &[]).unwrap_err();
        assert_eq!((errors[0].line, errors[0].column.as_str()), (3, "email"));
    }

    #[test]
    fn a_wrong_header_or_row_length_is_refused() {
        assert!(parse_csv("partner,name\nx,y\n", KNOWN, &[]).is_err());
        let text = format!("{HEADER}Politie,NL\n");
        assert_eq!(parse_csv(&text, KNOWN, &[]).unwrap_err()[0].code, "columns");
        assert_eq!(parse_csv(HEADER, KNOWN, &[]).unwrap_err()[0].code, "empty");
    }
}
