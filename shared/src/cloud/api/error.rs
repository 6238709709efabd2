//! The API's errors and the status each one answers with. Bodies are `{"error": "..."}`;
//! 500 and 503 bodies are opaque (the cause goes to the log, not to the caller).

use super::http::{ApiResponse, MAX_BODY_BYTES};
use crate::ports::{ProviderError, SealError, StoreError};
use crate::usecases::UseCaseError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Not JSON, or a malformed parameter.
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid API key is required")]
    Unauthorized,
    /// Also for ids of other tenants: an answer never confirms that an id exists.
    #[error("{0} not found")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allowed: Vec<&'static str> },
    /// A name in use, or a state that forbids the change.
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// Well-formed but refused: validation, a CalDAV address the SSRF guard refuses, a
    /// server that refused the credentials.
    #[error("{0}")]
    Unprocessable(String),
    /// The calendar provider could not be reached or failed.
    #[error("{0}")]
    BadGateway(String),
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized => 401,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::Conflict(_) => 409,
            Self::TooLarge => 413,
            Self::Unprocessable(_) => 422,
            Self::BadGateway(_) => 502,
            Self::Unavailable(_) => 503,
            Self::Internal(_) => 500,
        }
    }

    /// What the log may say beyond the public message (causes of 5xx answers).
    pub fn cause(&self) -> Option<&str> {
        match self {
            Self::Unavailable(cause) | Self::Internal(cause) => Some(cause),
            _ => None,
        }
    }

    pub fn response(&self) -> ApiResponse {
        let response = ApiResponse::json(self.status(), &json!({ "error": self.to_string() }));
        match self {
            Self::Unauthorized => response.with_header("www-authenticate", "Bearer"),
            Self::MethodNotAllowed { allowed } => response.with_header("allow", allowed.join(", ")),
            _ => response,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Conflict(why) => Self::Conflict(why),
            StoreError::Unavailable(why) => Self::Unavailable(why),
            StoreError::Corrupt(why) => Self::Internal(format!("stored data is corrupt: {why}")),
        }
    }
}

impl From<ProviderError> for ApiError {
    fn from(error: ProviderError) -> Self {
        match error {
            ProviderError::Auth(why) => {
                Self::Unprocessable(format!("the server refused the credentials: {why}"))
            }
            ProviderError::Permanent(why) => Self::Unprocessable(why),
            ProviderError::NotFound => {
                Self::Unprocessable("the server has nothing at this address".into())
            }
            ProviderError::RateLimited { .. } => {
                Self::BadGateway("the provider is rate limiting requests; try again later".into())
            }
            other => Self::BadGateway(other.to_string()),
        }
    }
}

impl From<UseCaseError> for ApiError {
    fn from(error: UseCaseError) -> Self {
        match error {
            UseCaseError::Store(e) => e.into(),
            UseCaseError::Provider(e) => e.into(),
            UseCaseError::Seal(SealError::KeyUnavailable(why)) => Self::Unavailable(why),
            UseCaseError::Seal(e) => Self::Internal(e.to_string()),
            UseCaseError::Link(e) => Self::Unprocessable(e.to_string()),
            UseCaseError::Id(e) => Self::Unprocessable(e.to_string()),
            UseCaseError::NotFound(what) => Self::NotFound(what),
            UseCaseError::Invalid(why) => Self::Unprocessable(why),
            UseCaseError::Conflict(why) => Self::Conflict(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_side_causes_stay_out_of_the_body() {
        let error = ApiError::from(StoreError::Unavailable("dynamodb endpoint x".into()));
        let response = error.response();
        assert_eq!(response.status, 503);
        assert!(!response.body.contains("dynamodb"), "{}", response.body);
        assert_eq!(error.cause(), Some("dynamodb endpoint x"));
        let corrupt = ApiError::from(StoreError::Corrupt("row 7".into())).response();
        assert_eq!(corrupt.status, 500);
        assert_eq!(corrupt.body, r#"{"error":"internal error"}"#);
    }

    #[test]
    fn statuses_follow_the_kind_of_failure() {
        let cases: Vec<(ApiError, u16)> = vec![
            (UseCaseError::Conflict("taken".into()).into(), 409),
            (UseCaseError::NotFound("link l1".into()).into(), 404),
            (UseCaseError::Invalid("empty".into()).into(), 422),
            (
                ProviderError::Permanent("refused by the SSRF guard".into()).into(),
                422,
            ),
            (ProviderError::Auth("401".into()).into(), 422),
            (ProviderError::Transient("timed out".into()).into(), 502),
            (ApiError::Unauthorized, 401),
            (ApiError::TooLarge, 413),
        ];
        for (error, status) in cases {
            assert_eq!(error.response().status, status, "{error:?}");
        }
        let unauthorized = ApiError::Unauthorized.response();
        assert_eq!(unauthorized.header("www-authenticate"), Some("Bearer"));
        assert_eq!(
            unauthorized.body,
            r#"{"error":"a valid API key is required"}"#
        );
    }
}
