//! The contacts CSV, with the command's filters.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::{Deserialize, Serialize};

use super::{render, render_with, ConsoleError, Nav, Staff, Texts};
use crate::access::AccessAction;
use crate::db::now;
use crate::http::{ApiQuery, AppState};

#[derive(Template)]
#[template(path = "admin/exports.html")]
struct ExportsPage {
    t: &'static Texts,
    nav: Option<Nav>,
    error: Option<&'static str>,
    since: String,
}

/// `GET /admin/exports`.
pub(super) async fn page(Extension(staff): Extension<Staff>) -> Result<Response, ConsoleError> {
    render(&ExportsPage {
        t: staff.t(),
        nav: Some(staff.nav("/admin/exports")),
        error: None,
        since: String::new(),
    })
}

#[derive(Deserialize, Serialize)]
pub(super) struct ExportQuery {
    #[serde(default)]
    include_unconfirmed: Option<String>,
    #[serde(default)]
    since: String,
}

/// `GET /admin/exports/contacts.csv`: the file `export contacts` and
/// `GET /v1/admin/contacts.csv` write.
pub(super) async fn contacts(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ConsoleError> {
    let since = match q.since.trim() {
        "" => None,
        s => match crate::export::parse_since(s) {
            Some(t) => Some(t),
            None => {
                return render_with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &ExportsPage {
                        t: staff.t(),
                        nav: Some(staff.nav("/admin/exports")),
                        error: Some(staff.t().since_invalid),
                        since: q.since.clone(),
                    },
                )
            }
        },
    };
    let include_unconfirmed = q.include_unconfirmed.is_some();
    let rows = state
        .store
        .export_contacts(!include_unconfirmed, since)
        .await?;
    let body = crate::export::contacts_csv(&rows)?;
    state
        .store
        .log_access(
            &staff.accessor(),
            AccessAction::ExportContacts,
            None,
            Some(&crate::export::filters(
                include_unconfirmed,
                since,
                rows.len(),
            )),
            now(),
        )
        .await?;
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"borne-contacts.csv\""),
    );
    Ok(r)
}
