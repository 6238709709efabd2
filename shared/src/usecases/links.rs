//! Creating, listing, removing and resuming links.

use super::UseCaseError;
use crate::domain::{CalendarId, Link, LinkId, LinkRules, TenantId, Topology};
use crate::ports::Store;
use rand::Rng;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct NewLink {
    pub name: String,
    pub topology: Topology,
    pub calendars: Vec<CalendarId>,
    pub rules: LinkRules,
}

#[derive(Clone)]
pub struct LinkService {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
}

impl LinkService {
    pub async fn add(&self, new: NewLink) -> Result<Link, UseCaseError> {
        let name = new.name.trim().to_string();
        if name.is_empty() {
            return Err(UseCaseError::Invalid(
                "the link name must not be empty".into(),
            ));
        }
        if self.find(&name).await?.is_some() {
            return Err(UseCaseError::Invalid(format!(
                "a link named {name:?} already exists"
            )));
        }
        let known = self.store.list_calendars(&self.tenant).await?;
        for calendar in &new.calendars {
            if !known.iter().any(|c| &c.id == calendar) {
                return Err(UseCaseError::NotFound(format!(
                    "calendar {calendar} (see `calsync calendar list`)"
                )));
            }
        }
        let link = Link::new(new_link_id()?, name, new.topology, new.calendars, new.rules)?;
        self.store.put_link(&self.tenant, &link).await?;
        Ok(link)
    }

    pub async fn list(&self) -> Result<Vec<Link>, UseCaseError> {
        Ok(self.store.list_links(&self.tenant).await?)
    }

    pub async fn find(&self, name: &str) -> Result<Option<Link>, UseCaseError> {
        Ok(self.list().await?.into_iter().find(|l| l.name == name))
    }

    async fn require(&self, name: &str) -> Result<Link, UseCaseError> {
        self.find(name)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("link {name:?}")))
    }

    /// Removes the link and what it remembers. Copies already made stay where they are.
    pub async fn remove(&self, name: &str) -> Result<(), UseCaseError> {
        let link = self.require(name).await?;
        Ok(self.store.delete_link(&self.tenant, &link.id).await?)
    }

    /// Clears a halt. With `allow_deletes`, the next pass may exceed the deletion guard once.
    pub async fn resume(&self, name: &str, allow_deletes: bool) -> Result<(), UseCaseError> {
        let link = self.require(name).await?;
        let current = self
            .store
            .load_link_state(&self.tenant, &link.id)
            .await?
            .status;
        let mut status = current.clone();
        status.halted = None;
        status.allow_mass_delete_once = allow_deletes;
        status.version = current.version + 1;
        self.store
            .put_link_status(&self.tenant, &link.id, current.version, &status)
            .await?;
        Ok(())
    }
}

fn new_link_id() -> Result<LinkId, UseCaseError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let suffix: String = (0..10)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    Ok(LinkId::parse(format!("l{suffix}"))?)
}
