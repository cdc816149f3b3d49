//! Staff accounts: who, which role, activated or not, second factor;
//! add (the setup link shown once), a new setup link, disable.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::auth::MessagePage;
use super::{render, render_with, ConsoleError, Nav, Staff, Texts};
use crate::codes;
use crate::db::now;
use crate::http::{ApiForm, ApiPath, AppState};
use crate::staff::{self as service, Role, StaffEmail, StaffError};

#[derive(Debug)]
struct Row {
    id: String,
    email: String,
    role: &'static str,
    state: &'static str,
    second_factor: bool,
    active: bool,
    me: bool,
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct StaffPage {
    t: &'static Texts,
    nav: Option<Nav>,
    csrf: String,
    rows: Vec<Row>,
    roles: Vec<(&'static str, &'static str)>,
    error: Option<&'static str>,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    let rows = state
        .store
        .list_staff()
        .await?
        .into_iter()
        .map(|s| Row {
            role: t.role(s.role),
            state: match (s.disabled_at, &s.password_hash) {
                (Some(_), _) => t.disabled,
                (None, Some(_)) => t.active,
                (None, None) => t.waiting_setup,
            },
            second_factor: s.totp_secret.is_some(),
            active: s.disabled_at.is_none(),
            me: s.id == staff.id,
            id: s.id,
            email: s.email,
        })
        .collect();
    let roles = <Role as crate::db::Coded>::ALL
        .iter()
        .map(|r| (crate::db::Coded::code(*r), t.role(*r)))
        .collect();
    render_with(
        status,
        &StaffPage {
            t,
            nav: Some(staff.nav("/admin/staff")),
            csrf: staff.csrf.clone(),
            rows,
            roles,
            error,
        },
    )
}

/// `GET /admin/staff`.
pub(super) async fn list(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    page(&state, &staff, StatusCode::OK, None).await
}

#[derive(Deserialize, Serialize)]
pub(super) struct AddForm {
    email: String,
    role: String,
}

fn link_page(
    state: &AppState,
    staff: &Staff,
    email: &str,
    token: &secrecy::SecretString,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    render(&MessagePage {
        t,
        nav: Some(staff.nav("/admin/staff")),
        title: t.setup_link,
        text: format!("{email} — {}", t.setup_link_help),
        secret: Some(service::setup_link(&state.config.admin_url, token)),
        secret_label: t.setup_link,
        back: Some(("/admin/staff", t.staff)),
    })
}

/// `POST /admin/staff/add`.
pub(super) async fn add(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiForm(form): ApiForm<AddForm>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    let (Some(email), Some(role)) = (StaffEmail::parse(&form.email), Role::parse(&form.role))
    else {
        return page(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(t.email_invalid),
        )
        .await;
    };
    match service::add(&state.store, &email, role, now()).await {
        Ok(new) => {
            tracing::info!(staff = %staff.id, added = %new.id, "console: staff account added");
            link_page(&state, &staff, email.as_str(), &new.setup_token)
        }
        Err(StaffError::EmailTaken) => {
            page(&state, &staff, StatusCode::CONFLICT, Some(t.email_taken)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/staff/{id}/reset`: a new setup link (the password and
/// second factor stop working at once).
pub(super) async fn reset(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ConsoleError> {
    let token = codes::generate_token();
    let expires = now() + service::SETUP_LINK_SECONDS;
    let Some(target) = state
        .store
        .list_staff()
        .await?
        .into_iter()
        .find(|s| s.id == id)
    else {
        return Err(ConsoleError::NotFound);
    };
    if !state
        .store
        .reset_staff(&id, &codes::token_hash(token.expose_secret()), expires)
        .await?
    {
        return Err(ConsoleError::NotFound);
    }
    tracing::info!(staff = %staff.id, reset = %id, "console: setup link renewed");
    link_page(&state, &staff, &target.email, &token)
}

/// `POST /admin/staff/{id}/disable` (not one's own account).
pub(super) async fn disable(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ConsoleError> {
    if id == staff.id {
        let t = staff.t();
        return page(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(t.not_yourself),
        )
        .await;
    }
    if !state.store.disable_staff(&id, now()).await? {
        return Err(ConsoleError::NotFound);
    }
    tracing::info!(staff = %staff.id, disabled = %id, "console: staff account disabled");
    page(&state, &staff, StatusCode::OK, None).await
}
