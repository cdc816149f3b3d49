//! The access log: who saw which personal data, when, through what,
//! from where (the latest entries).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;

use super::{local, render, ConsoleError, Nav, Staff, Texts};
use crate::db::Coded;
use crate::http::AppState;

/// The most entries the page shows.
const SHOWN: i64 = 500;

#[derive(Template)]
#[template(path = "admin/access_log.html")]
struct AccessLogPage {
    t: &'static Texts,
    nav: Option<Nav>,
    rows: Vec<[String; 7]>,
}

/// `GET /admin/access-log`.
pub(super) async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    let rows = state
        .store
        .access_log(None, SHOWN)
        .await?
        .into_iter()
        .map(|e| {
            [
                local(&state, e.at),
                e.actor,
                e.via.code().to_owned(),
                e.action.code().to_owned(),
                e.account_id.unwrap_or_default(),
                e.detail.unwrap_or_default(),
                e.origin,
            ]
        })
        .collect();
    render(&AccessLogPage {
        t: staff.t(),
        nav: Some(staff.nav("/admin/access-log")),
        rows,
    })
}
