//! One ETag per logical event. Google versions the series master and each exception
//! instance separately; the port's item is all of them, so its ETag must change when any
//! does. With no exceptions it is the master's own ETag (usable as `If-Match` as it is).

use crate::domain::Etag;
use sha2::{Digest, Sha256};

const SEPARATOR: &str = "+x";

/// `exceptions`: (instance id, etag) of every stored exception, cancelled ones included.
pub(super) fn compose(master: &str, exceptions: &[(String, String)]) -> Etag {
    if exceptions.is_empty() {
        return Etag(master.to_string());
    }
    let mut sorted: Vec<&(String, String)> = exceptions.iter().collect();
    sorted.sort();
    let mut digest = Sha256::new();
    for (id, etag) in sorted {
        digest.update(id.as_bytes());
        digest.update(b"=");
        digest.update(etag.as_bytes());
        digest.update(b"\n");
    }
    let digest = hex::encode(&digest.finalize()[..8]);
    Etag(format!("{master}{SEPARATOR}{digest}"))
}

/// The master's own ETag inside a composed one.
pub(super) fn master_part(etag: &Etag) -> &str {
    match etag.0.rsplit_once(SEPARATOR) {
        Some((master, digest))
            if digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            master
        }
        _ => &etag.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_etag_changes_with_any_exception_and_keeps_the_master_part() {
        let plain = compose("\"100\"", &[]);
        assert_eq!(plain.0, "\"100\"");
        assert_eq!(master_part(&plain), "\"100\"");
        let one = compose("\"100\"", &[("m_1".into(), "\"5\"".into())]);
        let edited = compose("\"100\"", &[("m_1".into(), "\"6\"".into())]);
        assert_ne!(one, edited);
        assert_ne!(one, plain);
        assert_eq!(master_part(&edited), "\"100\"");
        let reordered = compose(
            "\"100\"",
            &[
                ("m_2".into(), "\"7\"".into()),
                ("m_1".into(), "\"5\"".into()),
            ],
        );
        let ordered = compose(
            "\"100\"",
            &[
                ("m_1".into(), "\"5\"".into()),
                ("m_2".into(), "\"7\"".into()),
            ],
        );
        assert_eq!(reordered, ordered);
    }
}
