//! The triage inbox order as one sortable number, and the cursor that pages through it.
//!
//! Why one number: the inbox shows acute items first, then high urgency, then the rest,
//! each newest first. Stored with every submitted signal and anonymous report, that order
//! becomes an index range, so a page of the inbox costs the same at 100 or 100,000 items
//! (keyset pagination) instead of sorting everything on every view.

/// Larger than any Unix time in seconds before the year 5000, so the priority band
/// always dominates the time within it.
const SPAN: i64 = 100_000_000_000;

/// Priority band of an item: 0 acute, 1 high, 2 everything else.
pub fn priority(acute: bool, urgency: &str) -> i64 {
    if acute || urgency == "acute" {
        0
    } else if urgency == "high" {
        1
    } else {
        2
    }
}

/// Ascending order = inbox order: band first, then the newest first.
pub fn triage_rank(acute: bool, urgency: &str, submitted_at: i64) -> i64 {
    priority(acute, urgency) * SPAN + (SPAN - submitted_at.clamp(0, SPAN - 1))
}

/// Unix time of 00:00 UTC on a `YYYY-MM-DD` day (anonymous reports carry days, never
/// times). `None` for anything else.
pub fn day_start(day: &str) -> Option<i64> {
    let mut parts = day.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Days from civil date (H. Hinnant's algorithm), exact for the proleptic Gregorian calendar.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

/// Where a page of the inbox starts: after the item with this rank and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxCursor {
    pub rank: i64,
    pub id: String,
}

impl InboxCursor {
    /// The form used in links: `RANK.ID`.
    pub fn to_param(&self) -> String {
        format!("{}.{}", self.rank, self.id)
    }

    /// Parse `RANK.ID`; ids are lowercase hex, as the store makes them.
    pub fn parse(param: &str) -> Option<Self> {
        let (rank, id) = param.split_once('.')?;
        let rank: i64 = rank.parse().ok().filter(|r| *r >= 0)?;
        let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
        if id.is_empty() || id.len() > 64 || !id.chars().all(hex) {
            return None;
        }
        Some(Self {
            rank,
            id: id.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acute_before_high_before_normal_and_newest_first_within_a_band() {
        let old_acute = triage_rank(true, "normal", 1_000);
        let new_high = triage_rank(false, "high", 2_000_000_000);
        let new_normal = triage_rank(false, "normal", 2_000_000_000);
        let old_normal = triage_rank(false, "normal", 1_000);
        assert!(old_acute < new_high);
        assert!(new_high < new_normal);
        assert!(new_normal < old_normal);
        assert_eq!(triage_rank(false, "acute", 5), triage_rank(true, "high", 5));
    }

    #[test]
    fn day_start_matches_known_dates_and_refuses_non_dates() {
        assert_eq!(day_start("1970-01-01"), Some(0));
        assert_eq!(day_start("2026-11-23"), Some(1_795_392_000));
        assert_eq!(day_start("2024-02-29"), Some(1_709_164_800));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "yesterday",
            "",
            "2026-11-23x",
        ] {
            assert_eq!(day_start(bad), None, "{bad}");
        }
    }

    #[test]
    fn cursor_round_trips_and_refuses_garbage() {
        let c = InboxCursor {
            rank: 200_000_000_123,
            id: "0a1b2c".into(),
        };
        assert_eq!(InboxCursor::parse(&c.to_param()), Some(c));
        for bad in ["", "12", "x.ab", "-1.ab", "12.", "12.XYZ", "12.ab'--"] {
            assert_eq!(InboxCursor::parse(bad), None, "{bad}");
        }
    }
}
