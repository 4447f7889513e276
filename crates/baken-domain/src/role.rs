//! Roles and the one place that decides what a role may do.
//!
//! Architecture Invariant: every permission check in Baken goes through
//! [`Role::grants`]; nothing else maps roles to rights.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Frontline,
    Coordinator,
    Analyst,
    RegionalAnalyst,
    Partner,
    Trainer,
    Administrator,
    PrivacyOfficer,
}

/// Something a user may do on behalf of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the start page and one's own account.
    UseApplication,
    /// Record signals.
    RecordSignals,
    /// Read the organisation's signals, inbox and dossiers.
    ReadCases,
    /// Add, disable and reset users of the organisation.
    ManageUsers,
    /// Add organisations (system administration).
    ManageOrganisations,
    /// Set the postcode areas the organisation receives public reports for.
    ManagePostcodeAreas,
    /// Read the audit trail.
    ReadAudit,
    /// Work with referrals addressed to the organisation.
    HandleReferrals,
    /// Maintain learning material.
    ManageLearning,
    /// Maintain the organisation's contact-point directory.
    ManageDirectory,
    /// Read the organisation's contact-point directory.
    ReadDirectory,
    /// See who in the organisation completed which module, with dates.
    ReadTrainingProgress,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Frontline,
        Role::Coordinator,
        Role::Analyst,
        Role::RegionalAnalyst,
        Role::Partner,
        Role::Trainer,
        Role::Administrator,
        Role::PrivacyOfficer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Frontline => "frontline",
            Role::Coordinator => "coordinator",
            Role::Analyst => "analyst",
            Role::RegionalAnalyst => "regional_analyst",
            Role::Partner => "partner",
            Role::Trainer => "trainer",
            Role::Administrator => "administrator",
            Role::PrivacyOfficer => "privacy_officer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles that can reach personal data must log in with a second factor.
    /// Administrators manage the people who see it, so they count too, and so do
    /// trainers: they review practice-case drafts made from dossiers before anything is
    /// published. That is every role today; the question stays per role.
    pub fn requires_second_factor(self) -> bool {
        true
    }

    /// The single authorisation table of Baken.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            UseApplication => true,
            RecordSignals => matches!(
                self,
                Role::Frontline | Role::Coordinator | Role::Analyst | Role::RegionalAnalyst
            ),
            ReadCases => matches!(
                self,
                Role::Coordinator | Role::Analyst | Role::RegionalAnalyst
            ),
            ManageUsers => matches!(self, Role::Administrator),
            ManageOrganisations => matches!(self, Role::Administrator),
            ManagePostcodeAreas => matches!(self, Role::Administrator),
            ReadAudit => matches!(self, Role::PrivacyOfficer),
            HandleReferrals => matches!(self, Role::Partner | Role::Coordinator),
            ManageLearning => matches!(self, Role::Trainer),
            ManageDirectory => matches!(self, Role::Administrator),
            ReadDirectory => matches!(
                self,
                Role::Coordinator | Role::Analyst | Role::RegionalAnalyst | Role::Administrator
            ),
            ReadTrainingProgress => matches!(self, Role::Coordinator | Role::Trainer),
        }
    }
}

/// True when any of `roles` grants `permission`.
pub fn any_grants(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.grants(permission))
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_privacy_officers_read_the_audit_trail() {
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.grants(Permission::ReadAudit))
            .collect();
        assert_eq!(readers, vec![Role::PrivacyOfficer]);
    }

    #[test]
    fn only_administrators_manage_users() {
        for r in Role::ALL {
            assert_eq!(r.grants(Permission::ManageUsers), r == Role::Administrator);
        }
    }

    #[test]
    fn only_administrators_set_postcode_areas() {
        for r in Role::ALL {
            assert_eq!(
                r.grants(Permission::ManagePostcodeAreas),
                r == Role::Administrator,
                "{r}"
            );
        }
    }

    #[test]
    fn coordinators_and_trainers_see_training_progress() {
        for r in Role::ALL {
            assert_eq!(
                r.grants(Permission::ReadTrainingProgress),
                matches!(r, Role::Coordinator | Role::Trainer),
                "{r}"
            );
        }
    }

    #[test]
    fn frontline_workers_record_but_do_not_read_cases() {
        assert!(Role::Frontline.grants(Permission::RecordSignals));
        assert!(!Role::Frontline.grants(Permission::ReadCases));
    }
}
