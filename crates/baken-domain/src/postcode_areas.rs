//! The postcode areas an organisation receives public reports for, as people write them:
//! `3511-3585, 3600` — comma-separated four-digit postcodes (1000–9999) or ranges
//! `FROM-TO`. One parser for the command line and the web page; an error names the piece
//! that is wrong and why.

use std::fmt;

/// At most this many areas in one list (every input has a size limit).
pub const MAX_AREAS: usize = 1000;

/// Why a piece of the list was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaProblem {
    /// Not a postcode (four digits, 1000–9999) or a range `FROM-TO` of them.
    NotAPostcode,
    /// A range whose first postcode is higher than its last.
    Backwards,
    /// The same postcode or range appears earlier in the list.
    Twice,
    /// More than [`MAX_AREAS`] areas.
    TooMany,
}

impl AreaProblem {
    /// A stable name, e.g. for translation keys (`not-a-postcode`, `backwards`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AreaProblem::NotAPostcode => "not-a-postcode",
            AreaProblem::Backwards => "backwards",
            AreaProblem::Twice => "twice",
            AreaProblem::TooMany => "too-many",
        }
    }
}

/// A refused list: the piece (as typed, trimmed) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaError {
    pub piece: String,
    pub problem: AreaProblem,
}

impl fmt::Display for AreaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let piece = &self.piece;
        match self.problem {
            AreaProblem::NotAPostcode => write!(
                f,
                "{piece:?} is not a postcode (four digits, 1000–9999) or range FROM-TO"
            ),
            AreaProblem::Backwards => {
                write!(
                    f,
                    "{piece:?} runs backwards (write the lower postcode first)"
                )
            }
            AreaProblem::Twice => write!(f, "{piece:?}: a postcode or range is given twice"),
            AreaProblem::TooMany => write!(
                f,
                "{piece:?}: more than {MAX_AREAS} postcodes or ranges (combine them into ranges)"
            ),
        }
    }
}

impl std::error::Error for AreaError {}

/// Parse `3511-3585, 3600` into areas `(from, to)`, in the order written. Empty pieces
/// (an empty text, a trailing comma) are skipped, so an empty text is no areas at all.
/// The first wrong piece is the error.
pub fn parse(text: &str) -> Result<Vec<(i64, i64)>, AreaError> {
    let mut areas: Vec<(i64, i64)> = Vec::new();
    for piece in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let refuse = |problem| AreaError {
            piece: piece.to_string(),
            problem,
        };
        let code = |part: &str| -> Result<i64, AreaError> {
            let part = part.trim();
            match part.parse::<i64>() {
                Ok(n) if part.len() == 4 && (1000..=9999).contains(&n) => Ok(n),
                _ => Err(refuse(AreaProblem::NotAPostcode)),
            }
        };
        let (from, to) = match piece.split_once('-') {
            Some((a, b)) => (code(a)?, code(b)?),
            None => (code(piece)?, code(piece)?),
        };
        if from > to {
            return Err(refuse(AreaProblem::Backwards));
        }
        if areas.contains(&(from, to)) {
            return Err(refuse(AreaProblem::Twice));
        }
        if areas.len() == MAX_AREAS {
            return Err(refuse(AreaProblem::TooMany));
        }
        areas.push((from, to));
    }
    Ok(areas)
}

/// Areas written the way [`parse`] reads them: `3511-3585, 3600` (empty for none).
pub fn format(areas: &[(i64, i64)]) -> String {
    areas
        .iter()
        .map(|(from, to)| {
            if from == to {
                from.to_string()
            } else {
                format!("{from}-{to}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The audit action of setting an organisation's areas, with what was set:
/// `org_postcodes_set:3511-3585, 3600` (nothing after the colon: cleared).
pub fn audit_action(areas: &[(i64, i64)]) -> String {
    format!("org_postcodes_set:{}", format(areas))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (String, AreaProblem) {
        let e = parse(text).unwrap_err();
        (e.piece, e.problem)
    }

    #[test]
    fn postcodes_and_ranges_in_the_order_written() {
        assert_eq!(
            parse("3511-3585, 3600").unwrap(),
            vec![(3511, 3585), (3600, 3600)]
        );
        assert_eq!(
            parse(" 9990 - 9999 ,1000,").unwrap(),
            vec![(9990, 9999), (1000, 1000)]
        );
        assert_eq!(parse("3600-3600").unwrap(), vec![(3600, 3600)]);
    }

    #[test]
    fn an_empty_text_is_no_areas() {
        assert_eq!(parse("").unwrap(), vec![]);
        assert_eq!(parse("  , ,\n").unwrap(), vec![]);
    }

    #[test]
    fn overlapping_areas_are_allowed_the_narrowest_wins_when_routing() {
        assert_eq!(
            parse("3500-3599, 3511-3515").unwrap(),
            vec![(3500, 3599), (3511, 3515)]
        );
    }

    #[test]
    fn the_error_names_the_wrong_piece_and_why() {
        use AreaProblem::*;
        for (text, piece, problem) in [
            ("3511-35x5", "3511-35x5", NotAPostcode),
            ("3511, 999", "999", NotAPostcode),
            ("0999", "0999", NotAPostcode),
            ("10000", "10000", NotAPostcode),
            ("3511 AB", "3511 AB", NotAPostcode),
            ("+351", "+351", NotAPostcode),
            ("3511-", "3511-", NotAPostcode),
            ("3511-3585-3600", "3511-3585-3600", NotAPostcode),
            ("3600, 3585-3511, x", "3585-3511", Backwards),
            ("3511, 3600, 3511", "3511", Twice),
            ("3511-3511, 3511", "3511", Twice),
        ] {
            assert_eq!(err(text), (piece.to_string(), problem), "{text}");
        }
    }

    #[test]
    fn the_messages_say_what_to_do() {
        assert_eq!(
            parse("3511-35x5").unwrap_err().to_string(),
            "\"3511-35x5\" is not a postcode (four digits, 1000–9999) or range FROM-TO"
        );
        assert_eq!(
            parse("3585-3511").unwrap_err().to_string(),
            "\"3585-3511\" runs backwards (write the lower postcode first)"
        );
        assert!(parse("3511,3511")
            .unwrap_err()
            .to_string()
            .contains("a postcode or range is given twice"));
    }

    #[test]
    fn at_most_max_areas() {
        let codes: Vec<String> = (1000..1000 + MAX_AREAS as i64)
            .map(|c| c.to_string())
            .collect();
        assert_eq!(parse(&codes.join(",")).unwrap().len(), MAX_AREAS);
        let one_more = format!("{},9999", codes.join(","));
        assert_eq!(err(&one_more), ("9999".into(), AreaProblem::TooMany));
    }

    #[test]
    fn format_is_read_back_by_parse() {
        let areas = vec![(3511, 3585), (3600, 3600)];
        assert_eq!(format(&areas), "3511-3585, 3600");
        assert_eq!(parse(&format(&areas)).unwrap(), areas);
        assert_eq!(format(&[]), "");
        assert_eq!(audit_action(&areas), "org_postcodes_set:3511-3585, 3600");
    }
}
