//! One retry policy for every outbound call: exponential backoff with full jitter, honouring
//! Retry-After, bounded in attempts and in total wait. Only retryable errors are retried
//! (429, 5xx, timeouts, resets); 4xx answers never are.

use crate::ports::ProviderError;
use rand::Rng;
use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A Retry-After longer than this is not waited for: the job fails and is retried later.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries: for tests and for callers that retry at a higher level.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt + 1` (0-based), or `None` to give up.
    pub fn delay_after(&self, attempt: u32, error: &ProviderError) -> Option<Duration> {
        if !error.is_retryable() || attempt + 1 >= self.max_attempts {
            return None;
        }
        if let ProviderError::RateLimited {
            retry_after: Some(wait),
        } = error
        {
            return (*wait <= self.max_retry_after).then_some(*wait);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_delay);
        // Full jitter: spread retries of many workers over the whole interval.
        let millis = rand::rng().random_range(0..=ceiling.as_millis().max(1) as u64);
        Some(Duration::from_millis(millis))
    }

    pub async fn run<T, F, Fut>(&self, mut call: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let mut attempt = 0;
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(error) => match self.delay_after(attempt, &error) {
                    Some(wait) => {
                        tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, %error, "retrying");
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                    }
                    None => return Err(error),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn client_errors_are_never_retried() {
        let policy = RetryPolicy::default();
        for error in [
            ProviderError::Auth("no".into()),
            ProviderError::NotFound,
            ProviderError::PreconditionFailed,
            ProviderError::Permanent("400".into()),
        ] {
            assert_eq!(policy.delay_after(0, &error), None, "{error}");
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_bound() {
        let policy = RetryPolicy::default();
        let soon = ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(policy.delay_after(0, &soon), Some(Duration::from_secs(2)));
        let much_later = ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(3600)),
        };
        assert_eq!(policy.delay_after(0, &much_later), None);
    }

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let policy = RetryPolicy::default();
        let error = ProviderError::Transient("reset".into());
        for attempt in 0..3 {
            let wait = policy.delay_after(attempt, &error).unwrap();
            assert!(wait <= policy.base_delay * 2u32.pow(attempt));
        }
        assert_eq!(policy.delay_after(3, &error), None, "attempts are bounded");
    }

    #[tokio::test(start_paused = true)]
    async fn run_retries_transient_errors_then_succeeds() {
        let calls = AtomicU32::new(0);
        let result = RetryPolicy::default()
            .run(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(ProviderError::Transient("503".into()))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
