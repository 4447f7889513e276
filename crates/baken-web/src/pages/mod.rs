//! Page handlers, one module per area.

pub mod account;
pub mod admin;
pub mod audit;
pub mod directory;
pub mod dossiers;
pub mod exports;
pub mod learn;
pub mod learn_drafts;
pub mod learn_share;
pub mod login;
pub mod postcodes;
pub mod referrals;
pub mod signals;

use crate::state::AppState;
use baken_store::AuditEntry;

/// Append a security event (login, logout, enrolment, role or password change).
pub(crate) async fn security_event(
    state: &AppState,
    user_id: Option<&str>,
    org_id: Option<&str>,
    action: &str,
    object_id: Option<&str>,
    result: &str,
) -> Result<(), crate::error::AppError> {
    state
        .store
        .append_audit(
            &AuditEntry {
                actor_user_id: user_id.map(str::to_string),
                actor_org_id: org_id.map(str::to_string),
                action: action.to_string(),
                object_type: "account".to_string(),
                object_id: object_id.map(str::to_string),
                subject: None,
                purpose: "security".to_string(),
                result: result.to_string(),
            },
            state.now(),
        )
        .await?;
    Ok(())
}

/// Every value of a field that may repeat (ticked checkboxes), in order.
pub(crate) fn form_values(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The first value of a form field, or "" (a repeated field is not an error: the handler
/// must reach its access check, so another organisation's object is a 404, not a 422).
pub(crate) fn form_value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}
