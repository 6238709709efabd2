//! How SQLite failures become [`StoreError`]s: the caller decides on retries from the
//! variant, so "busy" must never surface as a conflict or corruption.

use crate::ports::StoreError;
use rusqlite::ErrorCode;

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        classify(err.to_string(), &err)
    }
}

fn classify(message: String, err: &rusqlite::Error) -> StoreError {
    use rusqlite::Error as E;
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable(message)
        }
        Some(ErrorCode::ConstraintViolation) => StoreError::Conflict(message),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt(message),
        Some(_) => StoreError::Unavailable(message),
        None => match err {
            // A stored value that does not have the shape this schema writes.
            E::FromSqlConversionFailure(..)
            | E::IntegralValueOutOfRange(..)
            | E::Utf8Error(..)
            | E::InvalidColumnType(..) => StoreError::Corrupt(message),
            _ => StoreError::Unavailable(message),
        },
    }
}

/// Adds what was being done to a SQLite error, keeping its classification.
pub(super) trait During<T> {
    fn during(self, what: &str) -> Result<T, StoreError>;
}

impl<T> During<T> for rusqlite::Result<T> {
    fn during(self, what: &str) -> Result<T, StoreError> {
        self.map_err(|err| classify(format!("{what}: {err}"), &err))
    }
}

/// A uniqueness violation on a user-chosen name, reported in the user's terms.
pub(super) fn name_taken(err: rusqlite::Error, kind: &str, name: &str) -> StoreError {
    if err.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
        StoreError::Conflict(format!("a {kind} named {name:?} already exists"))
    } else {
        classify(format!("saving {kind} {name:?}: {err}"), &err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn busy_and_locked_are_unavailable_so_callers_retry() {
        let busy: StoreError = failure(rusqlite::ffi::SQLITE_BUSY).into();
        let locked: StoreError = failure(rusqlite::ffi::SQLITE_LOCKED).into();
        assert!(matches!(busy, StoreError::Unavailable(_)), "{busy:?}");
        assert!(matches!(locked, StoreError::Unavailable(_)), "{locked:?}");
    }

    #[test]
    fn constraint_is_conflict_and_corruption_is_corrupt() {
        let constraint: StoreError = failure(rusqlite::ffi::SQLITE_CONSTRAINT).into();
        let corrupt: StoreError = failure(rusqlite::ffi::SQLITE_CORRUPT).into();
        assert!(
            matches!(constraint, StoreError::Conflict(_)),
            "{constraint:?}"
        );
        assert!(matches!(corrupt, StoreError::Corrupt(_)), "{corrupt:?}");
    }

    #[test]
    fn context_is_kept_in_the_message() {
        let result: rusqlite::Result<()> = Err(failure(rusqlite::ffi::SQLITE_BUSY));
        let err = result.during("reading accounts").unwrap_err();
        assert!(err.to_string().contains("reading accounts"), "{err}");
    }
}
