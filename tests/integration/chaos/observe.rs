//! What each calendar holds, read once per check: CalDAV through the testkit (raw HTTP,
//! parsed like `e2e::stored`), Google and Graph through calsync's adapters with tokens of
//! their own (complete listings), so that all six sides meet in one normalised form.

use super::projection::{Projection, project};
use super::world::World;
use crate::cloud::sides::Side;
use calsync_core::domain::{Event, SyncCursor};
use calsync_core::ports::{ChangeFeed, EventReader, ItemChange, Listing};
use chrono::{TimeDelta, Utc};
use std::collections::BTreeMap;

/// One calendar's items by tag (more than one under a tag is a duplicate).
#[derive(Debug, Default, Clone)]
pub struct Holding {
    pub items: BTreeMap<String, Vec<Projection>>,
    /// Items without a tag in their title, or that do not parse: neither should exist.
    pub strays: Vec<String>,
}

impl Holding {
    fn add(&mut self, event: Result<Event, String>) {
        match event.as_ref().map(project) {
            Ok(Some((tag, projection))) => self.items.entry(tag).or_default().push(projection),
            Ok(None) => self.strays.push("an item without a tag".into()),
            Err(reason) => self.strays.push(format!("unreadable: {reason}")),
        }
    }
}

pub async fn holdings(world: &World) -> Result<Vec<Holding>, String> {
    let mut all = Vec::new();
    for index in 0..world.sides.len() {
        all.push(holding(world, index).await?);
    }
    Ok(all)
}

async fn holding(world: &World, index: usize) -> Result<Holding, String> {
    let mut held = Holding::default();
    if let Side::Dav(cal) = &world.sides[index] {
        for body in cal.raw.bodies().await {
            held.add(calsync_core::ical::parse_event(&body).map_err(|e| e.to_string()));
        }
        return Ok(held);
    }
    let info = world.cloud_info(index).unwrap();
    let (feed, reader): (&dyn ChangeFeed, &dyn EventReader) = match &world.sides[index] {
        Side::Google(_) => (&world.google, &world.google),
        _ => (&world.graph, &world.graph),
    };
    let now = Utc::now();
    let window = (now - TimeDelta::days(30), now + TimeDelta::days(180));
    let batch = feed
        .changes(&info, &SyncCursor::default(), window)
        .await
        .map_err(|e| format!("{}: {e}", world.label(index)))?;
    let Listing::Complete { items, .. } = batch.listing else {
        return Err(format!("{}: no complete listing", world.label(index)));
    };
    let mut to_fetch = Vec::new();
    for item in items {
        if let ItemChange::Upserted {
            remote_id, body, ..
        } = item
        {
            match body {
                Some(body) => held.add(body.map_err(|e| e.reason)),
                None => to_fetch.push(remote_id),
            }
        }
    }
    if !to_fetch.is_empty() {
        let fetched = reader
            .fetch(&info, &to_fetch)
            .await
            .map_err(|e| format!("{}: {e}", world.label(index)))?;
        for item in fetched {
            if let Some(body) = item.body {
                held.add(body.map_err(|e| e.reason));
            }
        }
    }
    Ok(held)
}
