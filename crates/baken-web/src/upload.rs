//! Form bodies, urlencoded or `multipart/form-data` (the public channel's photos), read
//! into one shape so that handlers and the CSRF check treat both alike.

use crate::error::AppError;
use crate::photos::{MAX_PHOTOS, MAX_PHOTO_BYTES};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

/// Largest ordinary form body.
pub const FORM_LIMIT_BYTES: usize = 256 * 1024;
/// Largest body of a public form with photos: the photos and the text around them.
pub const UPLOAD_LIMIT_BYTES: usize = MAX_PHOTOS * MAX_PHOTO_BYTES + FORM_LIMIT_BYTES;

/// The fields of a form, in order, and the files sent with it (empty file inputs left
/// out).
#[derive(Debug, Default, Clone)]
pub struct FormData {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Vec<u8>>,
}

impl FormData {
    /// Parse a body by its content type; `None` when a multipart body is malformed.
    pub async fn parse(content_type: Option<&str>, body: Bytes) -> Option<FormData> {
        let Some(boundary) = content_type
            .filter(|ct| ct.starts_with("multipart/form-data"))
            .and_then(|ct| multer::parse_boundary(ct).ok())
        else {
            return Some(FormData {
                fields: serde_urlencoded::from_bytes(&body).unwrap_or_default(),
                files: Vec::new(),
            });
        };
        let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
        let mut parts = multer::Multipart::new(stream, boundary);
        let mut out = FormData::default();
        while let Some(part) = parts.next_field().await.ok()? {
            let name = part.name().unwrap_or_default().to_string();
            if part.file_name().is_some() {
                let bytes = part.bytes().await.ok()?;
                if !bytes.is_empty() {
                    out.files.push(bytes.to_vec());
                }
            } else {
                let text = part.text().await.ok()?;
                out.fields.push((name, text));
            }
        }
        Some(out)
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The form the CSRF check already parsed, handed to the handler through the request's
/// extensions (which require `Clone`, hence the `Arc`).
#[derive(Clone)]
pub struct ParsedForm(std::sync::Arc<FormData>);

impl ParsedForm {
    pub fn new(form: FormData) -> ParsedForm {
        ParsedForm(std::sync::Arc::new(form))
    }
}

fn content_type(req: &Request) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = AppError;

    async fn from_request(mut req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(ParsedForm(form)) = req.extensions_mut().remove::<ParsedForm>() {
            return Ok(std::sync::Arc::try_unwrap(form).unwrap_or_else(|f| (*f).clone()));
        }
        let ct = content_type(&req);
        let body = axum::body::to_bytes(req.into_body(), UPLOAD_LIMIT_BYTES)
            .await
            .map_err(|_| AppError::BadRequest("error-too-large"))?;
        FormData::parse(ct.as_deref(), body)
            .await
            .ok_or(AppError::BadRequest("error-bad-form"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn multipart_fields_and_files_are_read_and_empty_file_inputs_dropped() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nJPEGDATA\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n\
                    --XX--\r\n";
        let form = FormData::parse(Some("multipart/form-data; boundary=XX"), Bytes::from(body))
            .await
            .unwrap();
        assert_eq!(form.field("csrf"), Some("abc"));
        assert_eq!(form.files, vec![b"JPEGDATA".to_vec()]);
        let broken = FormData::parse(
            Some("multipart/form-data; boundary=XX"),
            Bytes::from("--XX\r\nno end"),
        )
        .await;
        assert!(broken.is_none());
    }

    #[tokio::test]
    async fn urlencoded_bodies_keep_their_order() {
        let form = FormData::parse(
            Some("application/x-www-form-urlencoded"),
            Bytes::from("a=1&b=two+words&a=3"),
        )
        .await
        .unwrap();
        assert_eq!(
            form.fields,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "two words".into()),
                ("a".into(), "3".into())
            ]
        );
    }
}
