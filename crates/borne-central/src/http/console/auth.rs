//! Signing in (password, then the second factor), the setup link, signing
//! out, the language, the home page.

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{
    clear_cookie, form_token, local, render, render_with, see_other, set_cookie, with_cookie,
    ConsoleError, Lang, Nav, Staff, Texts, Visitor, LANG_COOKIE, SESSION_COOKIE,
};
use crate::codes;
use crate::db::now;
use crate::http::{ApiForm, ApiPath, AppState};
use crate::staff::{self as service, Area, PasswordProblem, SignIn};

/// `GET /admin/lang/{fr|en}`: the console's language (a cookie).
pub(super) async fn language(ApiPath(lang): ApiPath<String>) -> Response {
    let Some(lang) = Lang::parse(&lang) else {
        return ConsoleError::NotFound.into_response();
    };
    let mut r = see_other("/admin");
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(LANG_COOKIE, lang.code()));
    r
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    t: &'static Texts,
    nav: Option<Nav>,
    csrf: String,
    email: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

/// `GET /admin/login`.
pub(super) async fn login_page(visitor: Visitor) -> Result<Response, ConsoleError> {
    let (csrf, cookie) = form_token(&visitor);
    let page = LoginPage {
        t: visitor.lang.texts(),
        nav: None,
        csrf,
        email: String::new(),
        error: None,
        notice: None,
    };
    Ok(with_cookie(render(&page)?, cookie))
}

#[derive(Deserialize, Serialize)]
pub(super) struct LoginForm {
    email: String,
    password: String,
}

/// `POST /admin/login`: a right password opens a session (awaiting the
/// second factor when the account has one).
pub(super) async fn login(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiForm(form): ApiForm<LoginForm>,
) -> Result<Response, ConsoleError> {
    let t = visitor.lang.texts();
    let now = now();
    let outcome = service::sign_in(
        &state.store,
        &state.hashes,
        &form.email,
        &SecretString::from(form.password),
        now,
    )
    .await?;
    let (status, error) = match outcome {
        SignIn::Accepted { staff } => {
            let awaiting = staff.totp_secret.is_some();
            tracing::info!(staff = %staff.id, awaiting_totp = awaiting, "console: password accepted");
            let cookie = open_session(&state, &staff.id, awaiting, now).await?;
            let mut r = see_other(if awaiting {
                "/admin/login/totp"
            } else {
                "/admin"
            });
            r.headers_mut().append(header::SET_COOKIE, cookie);
            return Ok(r);
        }
        SignIn::Refused => {
            tracing::warn!("console: sign-in refused");
            (StatusCode::UNAUTHORIZED, t.refused.to_owned())
        }
        SignIn::Locked { until } => {
            tracing::warn!("console: sign-in to a locked account");
            (
                StatusCode::TOO_MANY_REQUESTS,
                format!("{} {}.", t.locked, local(&state, until)),
            )
        }
    };
    let (csrf, cookie) = form_token(&visitor);
    let page = LoginPage {
        t,
        nav: None,
        csrf,
        email: form.email,
        error: Some(error),
        notice: None,
    };
    Ok(with_cookie(render_with(status, &page)?, cookie))
}

/// A new session for a staff member: its cookie (the server keeps the
/// SHA-256 and a form token of its own).
async fn open_session(
    state: &AppState,
    staff_id: &str,
    awaiting_totp: bool,
    now: i64,
) -> Result<axum::http::HeaderValue, ConsoleError> {
    let token = codes::generate_token();
    let csrf = codes::generate_token();
    state
        .store
        .open_staff_session(
            &codes::token_hash(token.expose_secret()),
            staff_id,
            csrf.expose_secret(),
            awaiting_totp,
            now,
        )
        .await?;
    Ok(set_cookie(SESSION_COOKIE, token.expose_secret()))
}

#[derive(Template)]
#[template(path = "admin/totp.html")]
struct TotpPage {
    t: &'static Texts,
    nav: Option<Nav>,
    csrf: String,
    error: Option<&'static str>,
}

/// `GET /admin/login/totp`.
pub(super) async fn totp_page(
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    render(&TotpPage {
        t: staff.t(),
        nav: None,
        csrf: staff.csrf,
        error: None,
    })
}

#[derive(Deserialize, Serialize)]
pub(super) struct TotpForm {
    code: String,
}

/// `POST /admin/login/totp`: a right code (its time step not used
/// before) replaces the session with a full one; a wrong one counts
/// toward the lockout, which ends the session.
pub(super) async fn totp(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiForm(form): ApiForm<TotpForm>,
) -> Result<Response, ConsoleError> {
    let now = now();
    let step = staff
        .totp_secret
        .as_deref()
        .and_then(|secret| service::totp_step(secret, &form.code, now));
    let accepted = match step {
        Some(step) => state.store.accept_totp_step(&staff.id, step).await?,
        None => false,
    };
    if accepted {
        state.store.end_staff_session(&staff.session).await?;
        state.store.clear_staff_failures(&staff.id).await?;
        let cookie = open_session(&state, &staff.id, false, now).await?;
        tracing::info!(staff = %staff.id, "console: signed in with a second factor");
        let mut r = see_other("/admin");
        r.headers_mut().append(header::SET_COOKIE, cookie);
        return Ok(r);
    }
    tracing::warn!(staff = %staff.id, "console: second factor refused");
    service::failed(&state.store, &staff.id, now).await?;
    let locked = state
        .store
        .staff_by_email(&staff.email)
        .await?
        .and_then(|s| s.locked_until)
        .is_some_and(|t| t > now);
    if locked {
        state.store.end_staff_session(&staff.session).await?;
        let mut r = see_other("/admin/login");
        r.headers_mut()
            .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE));
        return Ok(r);
    }
    render_with(
        StatusCode::UNAUTHORIZED,
        &TotpPage {
            t: staff.t(),
            nav: None,
            error: Some(staff.t().totp_refused),
            csrf: staff.csrf,
        },
    )
}

/// `POST /admin/logout`.
pub(super) async fn logout(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, ConsoleError> {
    state.store.end_staff_session(&staff.session).await?;
    let mut r = see_other("/admin/login");
    r.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE));
    Ok(r)
}

#[derive(Template)]
#[template(path = "admin/setup.html")]
struct SetupPage {
    t: &'static Texts,
    nav: Option<Nav>,
    csrf: String,
    email: String,
    totp_secret: String,
    totp_uri: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "admin/message.html")]
pub(super) struct MessagePage {
    pub t: &'static Texts,
    pub nav: Option<Nav>,
    pub title: &'static str,
    pub text: String,
    /// Shown once (an enrollment code, a setup link), in large type.
    pub secret: Option<String>,
    pub secret_label: &'static str,
    pub back: Option<(&'static str, &'static str)>,
}

/// `GET /admin/setup/{token}`: choose a password, and optionally a
/// second factor (a new secret is offered each time the page is shown).
pub(super) async fn setup_page(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiPath(token): ApiPath<String>,
) -> Result<Response, ConsoleError> {
    let t = visitor.lang.texts();
    let Some(staff) = state
        .store
        .staff_by_setup_token(&codes::token_hash(&token), now())
        .await?
    else {
        return invalid_link(t);
    };
    let secret = service::new_totp_secret();
    let (csrf, cookie) = form_token(&visitor);
    let page = setup_form(t, csrf, &staff.email, secret.expose_secret(), None);
    Ok(with_cookie(render(&page)?, cookie))
}

fn setup_form(
    t: &'static Texts,
    csrf: String,
    email: &str,
    secret: &str,
    error: Option<&'static str>,
) -> SetupPage {
    SetupPage {
        t,
        nav: None,
        csrf,
        email: email.to_owned(),
        totp_uri: service::otpauth_uri(secret, email, "Borne").unwrap_or_default(),
        totp_secret: secret.to_owned(),
        error,
    }
}

fn invalid_link(t: &'static Texts) -> Result<Response, ConsoleError> {
    render_with(
        StatusCode::NOT_FOUND,
        &MessagePage {
            t,
            nav: None,
            title: t.setup,
            text: t.setup_invalid.to_owned(),
            secret: None,
            secret_label: "",
            back: Some(("/admin/login", t.sign_in)),
        },
    )
}

#[derive(Deserialize, Serialize)]
pub(super) struct SetupForm {
    password: String,
    password_again: String,
    totp_secret: String,
    #[serde(default)]
    totp_code: String,
}

/// `POST /admin/setup/{token}`: sets the password (and the second
/// factor when its first code is right); the link is spent.
pub(super) async fn setup(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiPath(token): ApiPath<String>,
    ApiForm(form): ApiForm<SetupForm>,
) -> Result<Response, ConsoleError> {
    let t = visitor.lang.texts();
    let now = now();
    let token_hash = codes::token_hash(&token);
    let Some(staff) = state.store.staff_by_setup_token(&token_hash, now).await? else {
        return invalid_link(t);
    };
    let problem = match service::check_new_password(&form.password, &form.password_again) {
        Err(PasswordProblem::TooShort) => Some(t.password_short),
        Err(PasswordProblem::TooLong) => Some(t.password_long),
        Err(PasswordProblem::Mismatch) => Some(t.password_mismatch),
        Ok(()) => None,
    };
    let wants_totp = !form.totp_code.trim().is_empty();
    let step = wants_totp
        .then(|| service::totp_step(&form.totp_secret, &form.totp_code, now))
        .flatten();
    let problem = problem.or((wants_totp && step.is_none()).then_some(t.totp_refused));
    if let Some(problem) = problem {
        let (csrf, cookie) = form_token(&visitor);
        let page = setup_form(t, csrf, &staff.email, &form.totp_secret, Some(problem));
        return Ok(with_cookie(
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)?,
            cookie,
        ));
    }
    let hash = state
        .hashes
        .hash_secret(&SecretString::from(form.password))
        .await
        .map_err(|e| ConsoleError::from(crate::staff::StaffError::from(e)))?;
    let secret = wants_totp.then_some(form.totp_secret.as_str());
    let Some(id) = state
        .store
        .finish_staff_setup(&token_hash, &hash, secret, now)
        .await?
    else {
        return invalid_link(t);
    };
    if let Some(step) = step {
        state.store.accept_totp_step(&id, step).await?;
    }
    tracing::info!(staff = %id, second_factor = wants_totp, "console: account set up");
    let page = LoginPage {
        t,
        nav: None,
        csrf: form_token(&visitor).0,
        email: staff.email,
        error: None,
        notice: Some(t.setup_done),
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "admin/home.html")]
struct HomePage {
    t: &'static Texts,
    nav: Option<Nav>,
    areas: Vec<(&'static str, &'static str, &'static str)>,
}

/// `GET /admin`: what the role may open.
pub(super) async fn home(Extension(staff): Extension<Staff>) -> Result<Response, ConsoleError> {
    let t = staff.t();
    let areas = staff
        .role
        .areas()
        .filter_map(|a: Area| {
            t.area_link(a)
                .map(|(href, label)| (href, label, t.area_help(a)))
        })
        .collect();
    render(&HomePage {
        t,
        nav: Some(staff.nav("/admin")),
        areas,
    })
}
