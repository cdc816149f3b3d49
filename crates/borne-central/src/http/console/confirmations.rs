//! Offline registrations whose phone has not confirmed, by kiosk and
//! age (no phone number: the reference the kiosk printed), with resend.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;

use super::auth::MessagePage;
use super::{local, render, ConsoleError, Nav, Staff, Texts};
use crate::db::now;
use crate::http::{ApiPath, AppState};

#[derive(Debug)]
struct Row {
    id: String,
    reference: String,
    kiosk: String,
    age_hours: i64,
    channel: &'static str,
    messages: i64,
    reminded: bool,
}

#[derive(Template)]
#[template(path = "admin/confirmations.html")]
struct ConfirmationsPage {
    t: &'static Texts,
    nav: Option<Nav>,
    csrf: String,
    rows: Vec<Row>,
}

/// `GET /admin/confirmations`.
pub(super) async fn list(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    let now = now();
    let rows = state
        .store
        .unconfirmed()
        .await?
        .into_iter()
        .map(|u| Row {
            reference: borne_protocol::registration_reference(&u.registration_id),
            kiosk: u.kiosk_name.unwrap_or(u.kiosk_id),
            age_hours: (now - u.created_at) / 3_600,
            channel: u.channel.as_str(),
            messages: u.sends,
            reminded: u.reminded,
            id: u.registration_id,
        })
        .collect();
    render(&ConfirmationsPage {
        t: staff.t(),
        nav: Some(staff.nav("/admin/confirmations")),
        csrf: staff.csrf.clone(),
        rows,
    })
}

/// `POST /admin/confirmations/{id}/resend`.
pub(super) async fn resend(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    let send_at = crate::confirmations::resend(&state.store, &state.config.send_window, &id, now())
        .await?
        .ok_or(ConsoleError::NotFound)?;
    state.wake.notify_one();
    tracing::info!(registration = %id, staff = %staff.id, "console: confirmation resent");
    render(&MessagePage {
        t,
        nav: Some(staff.nav("/admin/confirmations")),
        title: t.resend,
        text: format!("{} ({})", t.resent, local(&state, send_at)),
        secret: None,
        secret_label: "",
        back: Some(("/admin/confirmations", t.unconfirmed)),
    })
}
