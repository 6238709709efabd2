//! `/api/links*` and `/api/status`.

use super::error::ApiError;
use super::http::ApiResponse;
use super::link_input::{CreateLinkRequest, UpdateLinkRequest};
use super::views::SyncQueued;
use super::{Api, TenantRequest, parse_body};
use crate::domain::{Link, LinkId};
use crate::ports::{Job, SyncReason};
use crate::usecases::{LinkStatusView, UseCaseError};

impl Api {
    pub(super) async fn list_links(
        &self,
        request: &TenantRequest,
    ) -> Result<ApiResponse, ApiError> {
        let links = self.links(&request.tenant).list().await?;
        Ok(ApiResponse::json(200, &links))
    }

    pub(super) async fn create_link(
        &self,
        request: &TenantRequest,
    ) -> Result<ApiResponse, ApiError> {
        let new = parse_body::<CreateLinkRequest>(&request.body)?.into_new_link()?;
        match self.links(&request.tenant).add(new).await {
            Ok(link) => {
                self.announce(request, Some(&link)).await;
                Ok(ApiResponse::json(201, &link))
            }
            // A calendar of the body that this tenant does not have: the body is at fault,
            // the path exists.
            Err(UseCaseError::NotFound(what)) => {
                Err(ApiError::Unprocessable(format!("unknown {what}")))
            }
            Err(other) => Err(other.into()),
        }
    }

    pub(super) async fn get_link(
        &self,
        request: &TenantRequest,
        id: &str,
    ) -> Result<ApiResponse, ApiError> {
        let link = self.own_link(request, id).await?;
        Ok(ApiResponse::json(200, &link))
    }

    pub(super) async fn update_link(
        &self,
        request: &TenantRequest,
        id: &str,
    ) -> Result<ApiResponse, ApiError> {
        let link = self.own_link(request, id).await?;
        let changes = parse_body::<UpdateLinkRequest>(&request.body)?.into_changes(&link.rules)?;
        let updated = self
            .links(&request.tenant)
            .update(&link.id, changes)
            .await?;
        Ok(ApiResponse::json(200, &updated))
    }

    pub(super) async fn delete_link(
        &self,
        request: &TenantRequest,
        id: &str,
    ) -> Result<ApiResponse, ApiError> {
        let link = self.own_link(request, id).await?;
        self.links(&request.tenant).remove(&link.name).await?;
        self.announce(request, None).await;
        Ok(ApiResponse::no_content())
    }

    /// Tells the workers a link appeared (its first sync, and push channels for its
    /// calendars) or went away (channels no link needs are stopped). Best effort: the
    /// scheduler's checks and hourly push upkeep catch up if the queue is unavailable.
    async fn announce(&self, request: &TenantRequest, created: Option<&Link>) {
        let mut jobs = vec![Job::MaintainPush {
            tenant: request.tenant.clone(),
        }];
        if let Some(link) = created {
            jobs.push(Job::Sync {
                tenant: request.tenant.clone(),
                calendars: link.calendars.clone(),
                reason: SyncReason::Poll,
                cursors: Default::default(),
            });
        }
        if let Err(error) = self.deps.queue.enqueue(jobs).await {
            tracing::warn!(%error, "could not announce a link change to the workers");
        }
    }

    pub(super) async fn link_status(
        &self,
        request: &TenantRequest,
        id: &str,
    ) -> Result<ApiResponse, ApiError> {
        let link = self.own_link(request, id).await?;
        let status = self
            .deps
            .store
            .link_status(&request.tenant, &link.id)
            .await?;
        Ok(ApiResponse::json(200, &LinkStatusView { link, status }))
    }

    /// Queues a check of the link's calendars, which syncs every link holding them.
    pub(super) async fn sync_link(
        &self,
        request: &TenantRequest,
        id: &str,
    ) -> Result<ApiResponse, ApiError> {
        let link = self.own_link(request, id).await?;
        let job = Job::Sync {
            tenant: request.tenant.clone(),
            calendars: link.calendars.clone(),
            // What a due check would run: an incremental pass through each calendar's cursor.
            reason: SyncReason::Poll,
            cursors: Default::default(),
        };
        self.deps
            .queue
            .enqueue(vec![job])
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        Ok(ApiResponse::json(
            202,
            &SyncQueued {
                queued: true,
                calendars: link.calendars,
            },
        ))
    }

    pub(super) async fn status(&self, request: &TenantRequest) -> Result<ApiResponse, ApiError> {
        let overview = self.status_service(&request.tenant).overview().await?;
        Ok(ApiResponse::json(200, &overview))
    }

    /// The tenant's link `id`; anything else is the same 404.
    async fn own_link(&self, request: &TenantRequest, id: &str) -> Result<Link, ApiError> {
        let not_found = || ApiError::NotFound(format!("link {id:?}"));
        let id = LinkId::parse(id).map_err(|_| not_found())?;
        self.deps
            .store
            .get_link(&request.tenant, &id)
            .await?
            .ok_or_else(not_found)
    }
}
