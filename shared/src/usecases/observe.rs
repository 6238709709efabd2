//! From a calendar's checked index to the engine's observations for one link: every item whose
//! ETag differs from what the link bound it at is observed with its data; every bound item no
//! longer in the index is observed as gone.

use crate::domain::{CalendarId, CalendarInfo, Etag, RemoteId};
use crate::engine::{ItemRef, LinkState, Observation};
use crate::ports::{EventReader, IndexChange, ItemBody, ItemIndex, ProviderError};
use std::collections::BTreeMap;

/// One calendar, as checked in this pass.
#[derive(Debug, Clone)]
pub(crate) struct CheckedCalendar {
    pub info: CalendarInfo,
    /// Remote id -> ETag after applying this pass's changes.
    pub index: ItemIndex,
    /// Bodies the change feed or an earlier read already delivered, with their ETag.
    pub bodies: BTreeMap<RemoteId, (Option<Etag>, ItemBody)>,
    /// The listing was bounded by a time window: a missing item may only have left it.
    pub windowed: bool,
}

/// Items of `calendar` whose binding differs from the index, and bound items now gone.
pub(crate) fn differences(
    state: &LinkState,
    calendar: &CalendarId,
    index: &ItemIndex,
) -> (Vec<RemoteId>, Vec<ItemRef>) {
    let mut changed = Vec::new();
    for (remote_id, etag) in index {
        let item = ItemRef::new(calendar.clone(), remote_id.clone());
        let bound = state.items.get(&item).and_then(|b| b.etag.as_ref());
        if bound.is_none() || bound != etag.as_ref() {
            changed.push(remote_id.clone());
        }
    }
    let start = ItemRef::new(calendar.clone(), RemoteId(String::new()));
    let gone = state
        .items
        .range(start..)
        .take_while(|(item, _)| &item.calendar == calendar)
        .filter(|(item, _)| !index.contains_key(&item.remote_id))
        .map(|(item, _)| item.clone())
        .collect();
    (changed, gone)
}

/// Builds the observations of one calendar, reading the bodies not delivered yet.
/// Index changes discovered while reading (an item changed or vanished in between) are
/// returned so the caller can record them.
pub(crate) async fn observe_calendar(
    reader: &dyn EventReader,
    state: &LinkState,
    checked: &mut CheckedCalendar,
) -> Result<(Vec<Observation>, BTreeMap<RemoteId, IndexChange>), ProviderError> {
    let calendar = checked.info.id.clone();
    let (changed, gone) = differences(state, &calendar, &checked.index);
    let missing: Vec<RemoteId> = changed
        .iter()
        .filter(|id| match checked.bodies.get(*id) {
            Some((etag, _)) => etag != checked.index.get(*id).unwrap_or(&None),
            None => true,
        })
        .cloned()
        .collect();
    let mut index_fixes = BTreeMap::new();
    if !missing.is_empty() {
        for fetched in reader.fetch(&checked.info, &missing).await? {
            match fetched.body {
                Some(body) => {
                    if checked.index.get(&fetched.remote_id) != Some(&fetched.etag) {
                        index_fixes.insert(
                            fetched.remote_id.clone(),
                            IndexChange::Upsert(fetched.etag.clone()),
                        );
                        checked
                            .index
                            .insert(fetched.remote_id.clone(), fetched.etag.clone());
                    }
                    checked
                        .bodies
                        .insert(fetched.remote_id, (fetched.etag, body));
                }
                None => {
                    // Deleted between the listing and the read.
                    checked.index.remove(&fetched.remote_id);
                    index_fixes.insert(fetched.remote_id, IndexChange::Remove);
                }
            }
        }
    }
    let mut observations = Vec::new();
    for remote_id in changed {
        let Some((etag, body)) = checked.bodies.get(&remote_id) else {
            continue;
        };
        if !checked.index.contains_key(&remote_id) {
            continue;
        }
        observations.push(Observation::Present {
            item: ItemRef::new(calendar.clone(), remote_id),
            etag: etag.clone(),
            body: body.clone(),
        });
    }
    let gone_now = gone.into_iter().chain(
        index_fixes
            .iter()
            .filter(|(_, change)| **change == IndexChange::Remove)
            .map(|(id, _)| ItemRef::new(calendar.clone(), id.clone()))
            .filter(|item| state.items.contains_key(item)),
    );
    for item in gone_now {
        observations.push(if checked.windowed {
            Observation::Vanished { item }
        } else {
            Observation::Deleted { item }
        });
    }
    Ok((observations, index_fixes))
}
