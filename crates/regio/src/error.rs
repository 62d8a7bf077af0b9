//! The one error type at the HTTP boundary: a status, a stable English code (from
//! `zicht_protocol::codes`) and a Dutch message, always answered as
//! `{"code": ..., "message": ...}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use zicht_protocol::codes;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after_s: Option<u64>,
}

/// Put on every error response so the request log can name the code.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_s: None,
        }
    }

    pub fn not_found_route() -> ApiError {
        Self::new(
            StatusCode::NOT_FOUND,
            codes::REQUEST_NOT_FOUND,
            "Deze route bestaat niet.",
        )
    }
    pub fn method_not_allowed() -> ApiError {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            codes::REQUEST_METHOD_NOT_ALLOWED,
            "Deze methode is op deze route niet toegestaan.",
        )
    }
    pub fn unsupported_media_type(expected: &str) -> ApiError {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::REQUEST_UNSUPPORTED_MEDIA_TYPE,
            format!("Verkeerd inhoudstype: verwacht is {expected}."),
        )
    }
    pub fn malformed_json(detail: &str) -> ApiError {
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_MALFORMED_JSON,
            format!("De JSON in het verzoek is onleesbaar of onvolledig ({detail})."),
        )
    }
    pub fn invalid(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, codes::REQUEST_INVALID, message)
    }
    pub fn bad_query(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, codes::REQUEST_BAD_QUERY, message)
    }
    pub fn body_too_large(limit: u64) -> ApiError {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::REQUEST_BODY_TOO_LARGE,
            format!("Het verzoek is groter dan toegestaan ({limit} bytes)."),
        )
    }
    pub fn body_read() -> ApiError {
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_BODY_INCOMPLETE,
            "De inhoud van het verzoek kwam niet volledig aan.",
        )
    }
    pub fn headers_too_large(limit: usize) -> ApiError {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            codes::REQUEST_HEADERS_TOO_LARGE,
            format!("De kopregels van het verzoek zijn samen groter dan {limit} bytes."),
        )
    }
    pub fn uri_too_long(limit: usize) -> ApiError {
        Self::new(
            StatusCode::URI_TOO_LONG,
            codes::REQUEST_URI_TOO_LONG,
            format!("Het adres van het verzoek is langer dan {limit} tekens."),
        )
    }
    pub fn auth(code: &'static str, message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }
    pub fn bad_id() -> ApiError {
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::ENVELOPE_BAD_ID,
            "Een envelop-id bestaat uit 64 kleine hexadecimale tekens.",
        )
    }
    pub fn envelope_not_found() -> ApiError {
        Self::new(
            StatusCode::NOT_FOUND,
            codes::ENVELOPE_NOT_FOUND,
            "Deze envelop is er niet (meer) voor dit apparaat.",
        )
    }
    pub fn storage() -> ApiError {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL_STORAGE,
            "Het eindpunt kon de opslag niet gebruiken. Probeer het later opnieuw.",
        )
    }
    pub fn quota(r: crate::quota::Refusal) -> ApiError {
        match r {
            crate::quota::Refusal::Quota { retry_after_s } => ApiError {
                retry_after_s: Some(retry_after_s),
                ..Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    codes::QUOTA_EXCEEDED,
                    "Dit apparaat heeft het afgelopen uur meer verstuurd dan het eindpunt per uur aanneemt. Het wordt later vanzelf opnieuw geprobeerd.",
                )
            },
            crate::quota::Refusal::Busy => ApiError {
                retry_after_s: Some(1),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    codes::ENDPOINT_BUSY,
                    "Het eindpunt ontvangt nu veel tegelijk. Het wordt zo opnieuw geprobeerd.",
                )
            },
        }
    }

    pub fn internal() -> ApiError {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL_ERROR,
            "Er ging in het eindpunt iets mis. Probeer het later opnieuw.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": self.code, "message": self.message }).to_string();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(s) = self.retry_after_s {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp.extensions_mut().insert(ErrorCode(self.code));
        resp
    }
}
