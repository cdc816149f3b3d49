//! The administration console at `/admin`, on the administration
//! listener only: server-rendered pages (askama templates, checked when
//! the crate compiles), their one stylesheet embedded in the binary, no
//! script. French first, English.
//!
//! Every route is in one table ([`routes`]) with who may reach it
//! ([`Access`]); the table's guard, not each handler, checks the session
//! cookie (idle and absolute expiry), the second factor, the role
//! ([`Role::may`]) and, on every POST, the form's CSRF token and the
//! request's origin. Handlers parse, call a service or the store, log the
//! access to personal data, render.

mod access_log;
mod auth;
mod confirmations;
mod exports;
mod kiosks;
mod residents;
mod staff;
mod telephony;
mod texts;

use std::net::SocketAddr;

use askama::Template;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use cookie::{Cookie, SameSite};

use super::AppState;
use crate::access::{Accessor, Via};
use crate::codes;
use crate::db::{now, StoreError};
use crate::staff::{Area, Role};
pub(crate) use texts::{Lang, Texts};

/// The session cookie: 256 random bits; the server keeps its SHA-256.
const SESSION_COOKIE: &str = "borne_admin";
/// The form token of pages shown before a session exists (sign-in,
/// setup): the same value in this cookie and in the form.
const FORM_COOKIE: &str = "borne_admin_form";
/// The console's language, `fr` (default) or `en`.
const LANG_COOKIE: &str = "borne_admin_lang";
/// The form field every POST carries.
const CSRF_FIELD: &str = "csrf";

/// Who may reach a route of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the sign-in and setup pages, the stylesheet.
    Public,
    /// A session whose password was right and whose second factor is
    /// awaited.
    SecondFactor,
    /// Any signed-in staff member.
    SignedIn,
    /// A signed-in staff member whose role may open the area.
    Area(Area),
}

/// A route of the console and who may reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleRoute {
    pub method: &'static str,
    /// The axum path, `{id}` for a parameter.
    pub path: &'static str,
    pub access: Access,
}

const fn route(method: &'static str, path: &'static str, access: Access) -> ConsoleRoute {
    ConsoleRoute {
        method,
        path,
        access,
    }
}

/// Every route of the console with its handler: the one table the
/// router is built from and the tests walk.
fn routes() -> Vec<(ConsoleRoute, MethodRouter<AppState>)> {
    use Access::{Public, SecondFactor, SignedIn};
    use Area::*;
    let area = Access::Area;
    vec![
        (
            route("GET", "/admin/assets/console.css", Public),
            get(stylesheet),
        ),
        (
            route("GET", "/admin/lang/{lang}", Public),
            get(auth::language),
        ),
        (route("GET", "/admin/login", Public), get(auth::login_page)),
        (route("POST", "/admin/login", Public), post(auth::login)),
        (
            route("GET", "/admin/setup/{token}", Public),
            get(auth::setup_page),
        ),
        (
            route("POST", "/admin/setup/{token}", Public),
            post(auth::setup),
        ),
        (
            route("GET", "/admin/login/totp", SecondFactor),
            get(auth::totp_page),
        ),
        (
            route("POST", "/admin/login/totp", SecondFactor),
            post(auth::totp),
        ),
        (route("POST", "/admin/logout", SignedIn), post(auth::logout)),
        (route("GET", "/admin", SignedIn), get(auth::home)),
        (
            route("GET", "/admin/kiosks", area(Fleet)),
            get(kiosks::list),
        ),
        (
            route("POST", "/admin/kiosks/enroll", area(KioskEnrollment)),
            post(kiosks::enroll),
        ),
        (
            route("POST", "/admin/kiosks/{id}/revoke", area(KioskEnrollment)),
            post(kiosks::revoke),
        ),
        (
            route("GET", "/admin/residents", area(Residents)),
            get(residents::lookup),
        ),
        (
            route("GET", "/admin/residents/{id}", area(Residents)),
            get(residents::show),
        ),
        (
            route("GET", "/admin/residents/{id}/export.json", area(Residents)),
            get(residents::export),
        ),
        (
            route("POST", "/admin/residents/{id}/correct", area(Residents)),
            post(residents::correct),
        ),
        (
            route("POST", "/admin/residents/{id}/delete", area(Residents)),
            post(residents::delete),
        ),
        (
            route("GET", "/admin/confirmations", area(Unconfirmed)),
            get(confirmations::list),
        ),
        (
            route(
                "POST",
                "/admin/confirmations/{id}/resend",
                area(Unconfirmed),
            ),
            post(confirmations::resend),
        ),
        (
            route("GET", "/admin/exports", area(Exports)),
            get(exports::page),
        ),
        (
            route("GET", "/admin/exports/contacts.csv", area(Exports)),
            get(exports::contacts),
        ),
        (
            route("GET", "/admin/telephony", area(Telephony)),
            get(telephony::page),
        ),
        (
            route("POST", "/admin/telephony/resume", area(Telephony)),
            post(telephony::resume),
        ),
        (route("GET", "/admin/staff", area(Staff)), get(staff::list)),
        (
            route("POST", "/admin/staff/add", area(Staff)),
            post(staff::add),
        ),
        (
            route("POST", "/admin/staff/{id}/reset", area(Staff)),
            post(staff::reset),
        ),
        (
            route("POST", "/admin/staff/{id}/disable", area(Staff)),
            post(staff::disable),
        ),
        (
            route("GET", "/admin/access-log", area(AccessLog)),
            get(access_log::page),
        ),
    ]
}

/// Every route of the console and who may reach it (for the tests that
/// walk them all).
pub fn console_routes() -> Vec<ConsoleRoute> {
    routes().into_iter().map(|(r, _)| r).collect()
}

/// The console's routes, each behind its guard, with the security
/// headers on every answer.
pub(super) fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for (r, handler) in routes() {
        router = router.route(
            r.path,
            handler.route_layer(middleware::from_fn_with_state(
                Guard {
                    state: state.clone(),
                    access: r.access,
                },
                guard,
            )),
        );
    }
    router.layer(middleware::from_fn(security_headers))
}

/// The stylesheet, embedded in the binary.
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../assets/admin/console.css"),
    )
        .into_response()
}

/// The console's headers: a strict CSP (no script at all, styles from
/// this origin only, forms posted here only, never framed), no caching
/// of pages that hold personal data, no referrer to another site (a
/// setup link's token is in its path).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `no-referrer` would make browsers send `Origin: null` with the
    // forms, which the guard refuses; `same-origin` sends no referrer
    // elsewhere.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[derive(Debug, Clone)]
struct Guard {
    state: AppState,
    access: Access,
}

/// The signed-in staff member behind a request (put there by the guard).
#[derive(Debug, Clone)]
pub(super) struct Staff {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub csrf: String,
    /// The SHA-256 of the session's cookie.
    pub session: String,
    pub totp_secret: Option<String>,
    pub lang: Lang,
    pub origin: String,
}

impl Staff {
    /// This staff member, for the access log.
    pub fn accessor(&self) -> Accessor {
        Accessor {
            actor: self.email.clone(),
            via: Via::Console,
            origin: self.origin.clone(),
        }
    }

    pub fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// The menu of the pages this role may open, `current` marked.
    pub fn nav(&self, current: &str) -> Nav {
        let t = self.t();
        let mut links = Vec::new();
        for area in self.role.areas() {
            let Some((href, label)) = t.area_link(area) else {
                continue;
            };
            links.push(Link {
                href,
                label,
                current: href == current,
            });
        }
        Nav {
            email: self.email.clone(),
            role: t.role(self.role),
            csrf: self.csrf.clone(),
            links,
        }
    }
}

/// The menu and the sign-out form of every signed-in page.
#[derive(Debug, Clone)]
pub(super) struct Nav {
    pub email: String,
    pub role: &'static str,
    pub csrf: String,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone)]
pub(super) struct Link {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A visitor of a public page: their language and the form token their
/// browser holds (if any).
#[derive(Debug, Clone)]
pub(super) struct Visitor {
    pub lang: Lang,
    pub form_token: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            lang: Lang::of(&parts.headers),
            form_token: cookie_value(&parts.headers, FORM_COOKIE),
        })
    }
}

/// The client's address, or `unknown` (a request made in the process).
fn origin_of(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// A cookie's value from the request's `Cookie` headers.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` for the console: HttpOnly, Secure, SameSite=Strict,
/// for `/admin` only, ending with the browser session (the server
/// enforces the expiry).
fn set_cookie(name: &'static str, value: &str) -> HeaderValue {
    let c = Cookie::build((name, value.to_owned()))
        .path("/admin")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` that removes a console cookie.
fn clear_cookie(name: &'static str) -> HeaderValue {
    let c = Cookie::build((name, ""))
        .path("/admin")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::ZERO)
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// What keeps a request from its page.
#[derive(Debug, thiserror::Error)]
pub(super) enum ConsoleError {
    /// No live session: to the sign-in page.
    #[error("not signed in")]
    SignIn,
    /// The password was right, the second factor is awaited.
    #[error("second factor awaited")]
    SecondFactor,
    /// The second factor is done: to the home page.
    #[error("already signed in")]
    Home,
    /// The role may not open this.
    #[error("forbidden for this role")]
    Forbidden,
    /// A POST without the right form token, or from another origin.
    #[error("forged or expired form")]
    Forged,
    #[error("not found")]
    NotFound,
    /// Every argon2 turn stayed taken.
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

impl From<crate::staff::StaffError> for ConsoleError {
    fn from(e: crate::staff::StaffError) -> Self {
        match e {
            crate::staff::StaffError::Busy => Self::Busy,
            other => Self::Internal(other.into()),
        }
    }
}

/// An error page, in French then English (the error may come before
/// the language is known).
#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage {
    status: u16,
    fr: &'static str,
    en: &'static str,
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, fr, en) = match &self {
            Self::SignIn => return Redirect::to("/admin/login").into_response(),
            Self::SecondFactor => return Redirect::to("/admin/login/totp").into_response(),
            Self::Home => return Redirect::to("/admin").into_response(),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "Votre rôle ne donne pas accès à cette page.",
                "Your role does not give access to this page.",
            ),
            Self::Forged => (
                StatusCode::FORBIDDEN,
                "Ce formulaire a expiré ou ne vient pas de la console. Rechargez la page et recommencez.",
                "This form expired or did not come from the console. Reload the page and try again.",
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Cette page n’existe pas.",
                "This page does not exist.",
            ),
            Self::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Le serveur est occupé. Réessayez dans un instant.",
                "The server is busy. Try again in a moment.",
            ),
            Self::Internal(e) => {
                tracing::error!(error = ?e, "console: internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Erreur interne du serveur.",
                    "Internal server error.",
                )
            }
        };
        if matches!(self, Self::Forbidden | Self::Forged) {
            tracing::warn!(reason = %self, "console: request refused");
        }
        let page = ErrorPage {
            status: status.as_u16(),
            fr,
            en,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        }
    }
}

/// A rendered page (200).
pub(super) fn render(page: &impl Template) -> Result<Response, ConsoleError> {
    render_with(StatusCode::OK, page)
}

pub(super) fn render_with(
    status: StatusCode,
    page: &impl Template,
) -> Result<Response, ConsoleError> {
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

/// After a POST that changed something: back to a page (303).
pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The guard of every route: session, second factor, role, and on a
/// POST the origin and the form token. It puts the [`Staff`] behind
/// the session into the request for the handler.
async fn guard(State(g): State<Guard>, request: Request, next: Next) -> Response {
    match check(&g, request).await {
        Ok(request) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn check(g: &Guard, request: Request) -> Result<Request, ConsoleError> {
    let post = request.method() == Method::POST;
    if post && !same_origin(request.headers()) {
        tracing::warn!(
            origin = ?request.headers().get("origin"),
            host = ?request.headers().get("host"),
            fetch_site = ?request.headers().get("sec-fetch-site"),
            "console: a form posted from another origin"
        );
        return Err(ConsoleError::Forged);
    }
    let headers = request.headers();
    let staff = match g.access {
        Access::Public => None,
        access => {
            let token = cookie_value(headers, SESSION_COOKIE).ok_or(ConsoleError::SignIn)?;
            let hash = codes::token_hash(&token);
            let s = g
                .state
                .store
                .touch_staff_session(&hash, now(), g.state.config.admin_session)
                .await?
                .ok_or(ConsoleError::SignIn)?;
            match (access, s.awaiting_totp) {
                (Access::SecondFactor, false) => return Err(ConsoleError::Home),
                (Access::SecondFactor, true) => {}
                (_, true) => return Err(ConsoleError::SecondFactor),
                (Access::Area(area), false) if !s.role.may(area) => {
                    return Err(ConsoleError::Forbidden)
                }
                _ => {}
            }
            Some(Staff {
                id: s.staff_id,
                email: s.email,
                role: s.role,
                csrf: s.csrf_token,
                session: hash,
                totp_secret: s.totp_secret,
                lang: Lang::of(headers),
                origin: origin_of(request.extensions()),
            })
        }
    };
    let mut request = if post {
        let expected = match &staff {
            Some(s) => Some(s.csrf.clone()),
            None => cookie_value(headers, FORM_COOKIE),
        };
        let (parts, body) = request.into_parts();
        // The body was already read whole under the route's limit.
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| ConsoleError::Forged)?;
        let presented = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned());
        match (expected, presented) {
            // The hashes are compared: timing tells nothing of the token.
            (Some(e), Some(p)) if codes::token_hash(&e) == codes::token_hash(&p) => {}
            (expected, presented) => {
                tracing::warn!(
                    expected = expected.is_some(),
                    presented = presented.is_some(),
                    "console: a form without its token"
                );
                return Err(ConsoleError::Forged);
            }
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    if let Some(s) = staff {
        request.extensions_mut().insert(s);
    }
    Ok(request)
}

/// A POST's `Origin` (sent by every current browser on a POST), when
/// present, must be this server's (`null`, from a sandboxed frame or a
/// page whose referrer policy hides it, is not), and `Sec-Fetch-Site`
/// must not say another site sent it.
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if text("sec-fetch-site").is_some_and(|s| s == "cross-site" || s == "same-site") {
        return false;
    }
    match (text("origin"), text("host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .is_some_and(|o| o == host),
        (Some(_), None) => false,
    }
}

/// A fresh form token for a page shown before a session exists, set in
/// its cookie; or the one the browser already holds.
fn form_token(visitor: &Visitor) -> (String, Option<HeaderValue>) {
    match &visitor.form_token {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => (t.clone(), None),
        _ => {
            let t = secrecy::ExposeSecret::expose_secret(&codes::generate_token()).to_owned();
            let cookie = set_cookie(FORM_COOKIE, &t);
            (t, Some(cookie))
        }
    }
}

/// A page with the `Set-Cookie` that goes with it.
fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

/// The town's wall-clock time of a stored time.
pub(super) fn local(state: &AppState, t: i64) -> String {
    state.config.send_window.local(t)
}
