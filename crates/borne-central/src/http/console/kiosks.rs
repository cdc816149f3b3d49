//! The kiosks: heartbeat, version, queue, silent ones flagged; enroll
//! (the code shown once) and revoke.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::auth::MessagePage;
use super::{local, render, render_with, ConsoleError, Nav, Staff, Texts};
use crate::db::{now, secs};
use crate::fleet::{self, EnrollError};
use crate::http::{ApiForm, ApiPath, AppState};
use crate::staff::Area;

/// A kiosk as the page shows it.
#[derive(Debug)]
struct Row {
    id: String,
    name: String,
    state: &'static str,
    silent: bool,
    last_seen: String,
    version: String,
    mode: String,
    queue: String,
    rejected: String,
    oldest: String,
    revocable: bool,
}

#[derive(Template)]
#[template(path = "admin/kiosks.html")]
struct KiosksPage {
    t: &'static Texts,
    nav: Option<Nav>,
    csrf: String,
    rows: Vec<Row>,
    silent: usize,
    may_enroll: bool,
    error: Option<&'static str>,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let now = now();
    let t = staff.t();
    let silent_after = secs(state.config.kiosk_silent_after);
    let dash = || "—".to_owned();
    let num = |n: Option<i64>| n.map_or_else(dash, |n| n.to_string());
    let rows: Vec<Row> = state
        .store
        .list_kiosks()
        .await?
        .into_iter()
        .map(|k| Row {
            state: k.state(now),
            silent: k.silent(now, silent_after),
            last_seen: k
                .last_seen_at
                .map_or(t.never.to_owned(), |s| local(state, s)),
            version: k.app_version.clone().unwrap_or_else(dash),
            mode: k.mode.clone().unwrap_or_else(dash),
            queue: num(k.queue_depth),
            rejected: num(k.queue_rejected),
            oldest: num(k.oldest_pending_seconds),
            revocable: k.revoked_at.is_none(),
            id: k.id,
            name: k.name,
        })
        .collect();
    let silent = rows.iter().filter(|r| r.silent).count();
    render_with(
        status,
        &KiosksPage {
            t,
            nav: Some(staff.nav("/admin/kiosks")),
            csrf: staff.csrf.clone(),
            rows,
            silent,
            may_enroll: staff.role.may(Area::KioskEnrollment),
            error,
        },
    )
}

/// `GET /admin/kiosks`.
pub(super) async fn list(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    page(&state, &staff, StatusCode::OK, None).await
}

#[derive(Deserialize, Serialize)]
pub(super) struct EnrollForm {
    name: String,
}

/// `POST /admin/kiosks/enroll`: the code is shown once, here.
pub(super) async fn enroll(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiForm(form): ApiForm<EnrollForm>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    let e = match fleet::enroll(&state.store, &form.name, now()).await {
        Ok(e) => e,
        Err(EnrollError::BadName) => {
            return page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(t.enroll_name_rule),
            )
            .await
        }
        Err(EnrollError::Store(e)) => return Err(e.into()),
    };
    tracing::info!(kiosk = %e.id, staff = %staff.id, "console: kiosk enrollment code made");
    render(&MessagePage {
        t,
        nav: Some(staff.nav("/admin/kiosks")),
        title: t.enroll,
        text: format!("{} — {}", e.name, t.enroll_code_help),
        secret: Some(e.code.expose_secret().to_owned()),
        secret_label: t.enroll_code,
        back: Some(("/admin/kiosks", t.kiosks)),
    })
}

/// `POST /admin/kiosks/{id}/revoke`.
pub(super) async fn revoke(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    if state.store.revoke_kiosk_id(&id, now()).await? == 0 {
        return Err(ConsoleError::NotFound);
    }
    tracing::info!(kiosk = %id, staff = %staff.id, "console: kiosk revoked");
    render(&MessagePage {
        t,
        nav: Some(staff.nav("/admin/kiosks")),
        title: t.revoke,
        text: t.revoked.to_owned(),
        secret: None,
        secret_label: "",
        back: Some(("/admin/kiosks", t.kiosks)),
    })
}
