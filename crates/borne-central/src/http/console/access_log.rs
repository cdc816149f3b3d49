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
    rows: Vec<Row>,
}

/// An entry as the page shows it: the action and the channel in words,
/// their codes kept for machines (`data-code`).
#[derive(Debug)]
struct Row {
    at: String,
    actor: String,
    via: &'static str,
    via_code: &'static str,
    action: &'static str,
    action_code: &'static str,
    account: String,
    detail: String,
    origin: String,
}

/// `GET /admin/access-log`.
pub(super) async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    let rows = state
        .store
        .access_log(None, SHOWN)
        .await?
        .into_iter()
        .map(|e| Row {
            at: local(&state, e.at),
            via: t.access_via(e.via),
            via_code: e.via.code(),
            action: t.access_action(e.action),
            action_code: e.action.code(),
            actor: e.actor,
            account: e.account_id.unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
            origin: e.origin,
        })
        .collect();
    render(&AccessLogPage {
        t,
        nav: Some(staff.nav("/admin/access-log")),
        rows,
    })
}
