//! One error type at the HTTP boundary. Internal errors become an opaque 500 (logged, never
//! shown); "not yours" and "not there" are the same 404.

use crate::context::current_tr;
use crate::views::ErrorPage;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baken_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// A form without a valid CSRF token.
    CsrfRejected,
    /// Valid session, but the request is malformed; the key names a translated message.
    BadRequest(&'static str),
    /// The audit trail cannot be written, so nothing is done or shown.
    AuditUnavailable,
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::AuditUnavailable => AppError::AuditUnavailable,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, key) = match &self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
            AppError::CsrfRejected => (StatusCode::FORBIDDEN, "error-csrf"),
            AppError::BadRequest(key) => (StatusCode::BAD_REQUEST, *key),
            AppError::AuditUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "error-audit"),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        };
        ErrorPage::render(current_tr(), status, key)
    }
}

pub type AppResult<T> = Result<T, AppError>;
