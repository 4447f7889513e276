//! Static files, compiled into the binary and served from Baken's own origin.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "baken.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/baken.css"),
    ),
    (
        "vendor/utrecht-component-library.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/vendor/utrecht-component-library.css"),
    ),
    (
        "vendor/voorbeeld-theme.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/vendor/voorbeeld-theme.css"),
    ),
    (
        "vendor/htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/htmx.min.js"),
    ),
    (
        "pow.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/pow.js"),
    ),
];

pub async fn serve(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == path) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
