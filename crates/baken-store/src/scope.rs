//! The acting user, on behalf of one organisation, with the roles held there.

use crate::{Result, StoreError};
use baken_domain::role::any_grants;
use baken_domain::{Permission, Role};

#[derive(Debug, Clone)]
pub struct Scope {
    pub user_id: String,
    pub org_id: String,
    pub roles: Vec<Role>,
}

impl Scope {
    pub fn grants(&self, permission: Permission) -> bool {
        any_grants(&self.roles, permission)
    }

    /// Refuse as `NotFound`: a caller without the right learns nothing about existence.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.grants(permission) {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }
}
