//! Baken's web layer: server-rendered pages (askama + htmx), the JSON API and its OpenAPI
//! document. It turns HTTP into calls on `baken-store` and back; it holds no business rules
//! of its own beyond presentation.
//!
//! Architecture Invariant: only this crate knows HTTP. Every route is added through
//! [`routes::RouteTable`], so tests can read the full list of routes from the router itself.

pub mod api;
pub mod api_cases;
pub mod assets;
pub mod context;
pub mod dossier_json;
pub mod error;
pub mod i18n;
pub mod links;
pub mod pages;
pub mod pdf;
pub mod photos;
pub mod public;
pub mod reading;
pub mod reports;
pub mod routes;
pub mod state;
pub mod totp;
pub mod upload;
pub mod views;

pub use routes::{build_router, RouteInfo};
pub use state::{AppState, Clock, FixedClock, SystemClock, WebConfig};
