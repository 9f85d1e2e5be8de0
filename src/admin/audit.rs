//! `/admin/v1/audit`: the audit trail, newest first.

use actix_web::{HttpRequest, HttpResponse, web};

use super::access::Access;
use super::paging::{Page, PageQuery, PageRequest};
use super::problem::Problem;
use super::request::caller;
use super::respond::{page_response, resource};
use crate::domain::audit::{self, AuditRecord};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/audit", "GET").route(web::get().to(list_audit)));
}

#[utoipa::path(get, path = "/admin/v1/audit", tag = "audit", params(PageQuery),
    responses((status = 200, description = "A page of audit records, newest first", body = Page<AuditRecord>)),
    security(("oauth2" = ["latchkey:admin:read"])))]
pub async fn list_audit(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    caller(&req, &state, Access::Read).await?;
    let request = PageRequest::parse(&req)?;
    let records = audit::list(&state.store, request.after.as_deref(), request.fetch()).await?;
    let page = request.page(records, |r| r.id.as_str(), |r| r);
    Ok(page_response(&req, &request, &page))
}
