//! Telephony: messages sent and failed today, the cost breaker with
//! resume, the recent failures (never a number nor a code).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;

use super::auth::MessagePage;
use super::{local, render, ConsoleError, Nav, Staff, Texts};
use crate::db::{now, DeliveryFailure};
use crate::http::AppState;

#[derive(Template)]
#[template(path = "admin/telephony.html")]
struct TelephonyPage {
    t: &'static Texts,
    nav: Option<Nav>,
    csrf: String,
    sent_today: i64,
    failed_today: i64,
    last_hour: i64,
    paused: Option<(String, String)>,
    failures: Vec<(String, DeliveryFailure)>,
}

/// `GET /admin/telephony`.
pub(super) async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    let now = now();
    let today = state.config.send_window.start_of_day(now);
    let breaker = state.store.breaker().await?;
    let failures = state
        .store
        .recent_failures(50)
        .await?
        .into_iter()
        .map(|f| (local(&state, f.failed_at), f))
        .collect();
    render(&TelephonyPage {
        t: staff.t(),
        nav: Some(staff.nav("/admin/telephony")),
        csrf: staff.csrf.clone(),
        sent_today: state.store.sends_since(today).await?,
        failed_today: state.store.failures_since(today).await?,
        last_hour: state.store.sends_since(now - 3_600).await?,
        paused: breaker
            .paused_at
            .map(|at| (local(&state, at), breaker.reason.unwrap_or_default())),
        failures,
    })
}

/// `POST /admin/telephony/resume`: the breaker closes, sends resume.
pub(super) async fn resume(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    state.store.resume_sends(now()).await?;
    state.wake.notify_one();
    tracing::warn!(staff = %staff.id, "console: sends resumed after the cost breaker");
    render(&MessagePage {
        t,
        nav: Some(staff.nav("/admin/telephony")),
        title: t.resume,
        text: t.resumed.to_owned(),
        secret: None,
        secret_label: "",
        back: Some(("/admin/telephony", t.telephony)),
    })
}
