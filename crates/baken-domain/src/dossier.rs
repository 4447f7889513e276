//! Dossiers: the eight ZGW confidentiality levels, need-to-know, and the status workflow.

/// The ZGW confidentiality levels (*vertrouwelijkheidaanduiding*), lowest first. A user
/// with clearance `n` sees dossiers of level `1..=n`.
pub const CONFIDENTIALITY: [&str; 8] = [
    "openbaar",
    "beperkt_openbaar",
    "intern",
    "zaakvertrouwelijk",
    "vertrouwelijk",
    "confidentieel",
    "geheim",
    "zeer_geheim",
];

/// The level's number (1–8) by code.
pub fn confidentiality_level(code: &str) -> Option<i64> {
    CONFIDENTIALITY
        .iter()
        .position(|c| *c == code)
        .map(|i| i as i64 + 1)
}

pub fn confidentiality_code(level: i64) -> &'static str {
    CONFIDENTIALITY
        .get((level.clamp(1, 8) - 1) as usize)
        .copied()
        .unwrap_or("zeer_geheim")
}

/// Need-to-know: a dossier is visible to a user of its organisation whose clearance
/// reaches its level and who is a member or a coordinator of that organisation.
pub fn dossier_visible(clearance: i64, level: i64, member: bool, coordinator: bool) -> bool {
    clearance >= level && (member || coordinator)
}

pub const DOSSIER_STATUSES: [&str; 6] = [
    "new",
    "assessing",
    "action",
    "referred",
    "monitoring",
    "closed",
];

/// Forward to any later status; a closed dossier can only be reopened (to assessing).
/// Closing needs a result; the caller checks that.
pub fn can_move(from: &str, to: &str) -> bool {
    let pos = |s: &str| DOSSIER_STATUSES.iter().position(|x| *x == s);
    match (pos(from), pos(to)) {
        (Some(5), Some(1)) => true,
        (Some(f), Some(t)) => t > f && f < 5,
        _ => false,
    }
}

/// What a referral can carry, each with its own legal ground and purpose (translated as
/// `refcat-{code}`, `refcat-{code}-ground`, `refcat-{code}-purpose`).
pub const REFERRAL_CATEGORIES: [&str; 4] = ["summary", "observations", "entities", "barriers"];

/// How a partner that uses Baken answers a referral (translated as `routcome-{code}`).
pub const REFERRAL_OUTCOMES: [&str; 4] = ["taken_up", "investigation", "no_action", "passed_on"];

/// How a referral document reached a partner that does not use Baken (`rchannel-{code}`).
pub const REFERRAL_CHANNELS: [&str; 4] = ["secure_email", "post", "by_hand", "phone"];

/// A referral's state in the partner's inbox: `sent` → `acknowledged` → `answered`.
/// Answering is possible straight from `sent`; an answered referral stays answered.
pub fn referral_status_after(status: &str, step: &str) -> Option<&'static str> {
    match (status, step) {
        ("answered", _) => None,
        ("sent", "acknowledged") => Some("acknowledged"),
        (_, "outcome") => Some("answered"),
        ("sent", "question") => Some("sent"),
        ("acknowledged", "question") => Some("acknowledged"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip() {
        for (i, code) in CONFIDENTIALITY.iter().enumerate() {
            assert_eq!(confidentiality_level(code), Some(i as i64 + 1));
            assert_eq!(confidentiality_code(i as i64 + 1), *code);
        }
        assert_eq!(confidentiality_level("topgeheim"), None);
    }

    #[test]
    fn visibility_over_every_combination() {
        for clearance in 1..=8 {
            for level in 1..=8 {
                for member in [false, true] {
                    for coordinator in [false, true] {
                        let seen = dossier_visible(clearance, level, member, coordinator);
                        assert_eq!(seen, clearance >= level && (member || coordinator));
                    }
                }
            }
        }
    }

    #[test]
    fn a_referral_is_acknowledged_then_answered_and_then_closed_to_partner_steps() {
        assert_eq!(
            referral_status_after("sent", "acknowledged"),
            Some("acknowledged")
        );
        assert_eq!(referral_status_after("acknowledged", "acknowledged"), None);
        assert_eq!(
            referral_status_after("acknowledged", "question"),
            Some("acknowledged")
        );
        assert_eq!(referral_status_after("sent", "outcome"), Some("answered"));
        assert_eq!(referral_status_after("answered", "question"), None);
        assert_eq!(referral_status_after("answered", "outcome"), None);
        assert_eq!(referral_status_after("sent", "reply"), None);
    }

    #[test]
    fn the_workflow_moves_forward_and_reopens_only_from_closed() {
        assert!(can_move("new", "assessing"));
        assert!(can_move("assessing", "referred"));
        assert!(can_move("monitoring", "closed"));
        assert!(!can_move("action", "new"));
        assert!(!can_move("closed", "action"));
        assert!(can_move("closed", "assessing"));
        assert!(!can_move("new", "archived"));
    }
}
