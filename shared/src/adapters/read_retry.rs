//! Provider reads retried one request at a time. A pass reads dozens of pages and items; with
//! the retries only around whole reads (a listing, a series with its instances), one failing
//! request in twenty made most passes over a large link fail, and a link could go minutes
//! without a completed pass (found by the chaos run at 5 % 5xx and 2 % 429). Reads are
//! idempotent, so each is retried on its own, briefly; writes are left to the caller, which
//! knows whether a retry is safe.

use crate::ports::ProviderError;
use crate::usecases::RetryPolicy;
use std::future::Future;
use std::time::Duration;

/// Three tries within about a second, or one Retry-After of up to 5 s.
const READ_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay: Duration::from_millis(50),
    max_delay: Duration::from_millis(500),
    max_retry_after: Duration::from_secs(5),
};

/// Runs `request`, again on a retryable error when it `is_read`.
pub(crate) async fn retry_read<T, F, Fut>(is_read: bool, request: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    if is_read {
        READ_RETRY.run(request).await
    } else {
        let mut request = request;
        request().await
    }
}
