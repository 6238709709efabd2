//! Size and structure checks made before calcard sees the body. calcard is lenient: it closes
//! unterminated components silently and ignores anything after the first VCALENDAR, which
//! would turn a truncated download into a quietly shortened event.

use super::IcalError;

/// Largest body accepted. Real events are a few KiB; Google and iCloud cap theirs well below.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most VEVENTs (master plus overrides) accepted in one calendar object resource.
pub const MAX_VEVENTS: usize = 1_000;
/// VCALENDAR > VEVENT > VALARM > a few RFC 9073 levels is all real data needs; deeper
/// nesting only serves to exhaust memory or the stack.
pub const MAX_NESTING: usize = 8;

pub fn check_size(text: &str) -> Result<(), IcalError> {
    if text.len() > MAX_BODY_BYTES {
        return Err(IcalError::TooLarge {
            size: text.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    Ok(())
}

/// Balanced BEGIN/END lines, one top-level object, bounded VEVENT count and nesting.
/// `unfolded` has no folded lines left and may end lines with CRLF or bare LF.
pub fn check_structure(unfolded: &str) -> Result<(), IcalError> {
    let mut open: Vec<String> = Vec::new();
    let mut objects = 0;
    let mut vevents = 0;
    for line in unfolded.split('\n') {
        let line = line.trim_end_matches('\r');
        if let Some(name) = strip_prefix_ignore_case(line, "BEGIN:") {
            let name = name.trim().to_ascii_uppercase();
            if open.is_empty() {
                objects += 1;
                if objects > 1 {
                    return Err(IcalError::Syntax("more than one top-level component"));
                }
            }
            if name == "VEVENT" {
                vevents += 1;
                if vevents > MAX_VEVENTS {
                    return Err(IcalError::TooManyEvents { limit: MAX_VEVENTS });
                }
            }
            open.push(name);
            if open.len() > MAX_NESTING {
                return Err(IcalError::TooDeep { limit: MAX_NESTING });
            }
        } else if let Some(name) = strip_prefix_ignore_case(line, "END:") {
            let name = name.trim();
            match open.pop() {
                Some(begun) if begun.eq_ignore_ascii_case(name) => {}
                Some(begun) => return Err(IcalError::Unterminated(structural_name(&begun))),
                None => return Err(IcalError::Syntax("END line without a matching BEGIN")),
            }
        }
    }
    if let Some(begun) = open.last() {
        return Err(IcalError::Unterminated(structural_name(begun)));
    }
    if objects == 0 {
        return Err(IcalError::Syntax("no BEGIN line"));
    }
    Ok(())
}

fn strip_prefix_ignore_case<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| line.get(prefix.len()..))
        .flatten()
}

/// A component name fit for an error message: standard and X- names are structure, not
/// content, but anything else is not echoed back.
fn structural_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name.len() <= 40
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if plain {
        name.to_string()
    } else {
        "(unnamed)".to_string()
    }
}
