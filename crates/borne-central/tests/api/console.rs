//! The administration console at `/admin`: every route against every
//! role (a table walked over the router), CSRF, session expiry, the
//! lockout, the second factor, and the access log of a privacy officer's
//! work — through a real server, as a browser would (cookies by hand, no
//! redirects followed).

use std::collections::HashMap;

use borne_central::staff::{Role, StaffEmail};
use serde_json::{json, Value};

use crate::helpers::*;

const ADMIN_TOKEN: &str = "admin-token-0123456789-0123456789-abcdef";
const PASSWORD: &str = "correct horse battery staple";
/// An id no row has, for the routes that take one.
const NO_ID: &str = "00000000-0000-7000-8000-000000000000";

/// A browser on the console: its cookies, no redirect followed.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.admin_base.clone(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, r: &reqwest::Response) {
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let attrs: Vec<&str> = c.split(';').map(str::trim).collect();
            let lower = c.to_ascii_lowercase();
            for flag in ["httponly", "secure", "samesite=strict", "path=/admin"] {
                assert!(lower.contains(flag), "{flag} missing from {c}");
            }
            let (name, value) = attrs[0].split_once('=').unwrap();
            if lower.contains("max-age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn get(&mut self, path: &str) -> (u16, String, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// The status, where a redirect goes, the body.
    async fn finish(&mut self, r: reqwest::Response) -> (u16, String, String) {
        self.keep_cookies(&r);
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, r.text().await.unwrap())
    }
}

/// The form token in a page.
fn csrf(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    html[start..start + 64].to_owned()
}

/// The text after `marker` up to the next `<` or `"`.
fn after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"))
        + marker.len();
    html[start..]
        .chars()
        .take_while(|c| *c != '<' && *c != '"' && !c.is_whitespace())
        .collect()
}

/// A staff account through the library (as `staff add`), set up through
/// its link; the TOTP secret when `totp`.
async fn account(app: &TestApp, email: &str, role: Role, totp: bool) -> Option<String> {
    let store = borne_central::db::Store::connect(&app.db_url)
        .await
        .unwrap();
    let new = borne_central::staff::add(
        &store,
        &StaffEmail::parse(email).unwrap(),
        role,
        borne_central::db::now(),
    )
    .await
    .unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&new.setup_token).to_owned();
    setup(app, &token, totp).await
}

/// Uses a setup link: the password, and the second factor when `totp`.
async fn setup(app: &TestApp, token: &str, totp: bool) -> Option<String> {
    let mut b = Browser::new(app);
    let (status, _, page) = b.get(&format!("/admin/setup/{token}")).await;
    assert_eq!(status, 200, "{page}");
    let secret = after(&page, "name=\"totp_secret\" value=\"");
    let code = if totp {
        totp_now(&secret)
    } else {
        String::new()
    };
    let (status, _, page) = b
        .post(
            &format!("/admin/setup/{token}"),
            &[
                ("csrf", &csrf(&page)),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
                ("totp_secret", &secret),
                ("totp_code", &code),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    // The link is spent.
    assert_eq!(b.get(&format!("/admin/setup/{token}")).await.0, 404);
    totp.then_some(secret)
}

/// The TOTP code of a base32 secret now (RFC 6238, as an app shows it).
fn totp_now(secret: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes, None, "t".into())
        .unwrap()
        .generate_current()
        .unwrap()
}

/// Signs in with the password; `(status, where to)`.
async fn sign_in(b: &mut Browser, email: &str, password: &str) -> (u16, String, String) {
    let (_, _, page) = b.get("/admin/login").await;
    b.post(
        "/admin/login",
        &[
            ("csrf", &csrf(&page)),
            ("email", email),
            ("password", password),
        ],
    )
    .await
}

/// A browser signed in as a new account of `role` (no second factor).
async fn signed_in(app: &TestApp, email: &str, role: Role) -> Browser {
    account(app, email, role, false).await;
    let mut b = Browser::new(app);
    let (status, to, _) = sign_in(&mut b, email, PASSWORD).await;
    assert_eq!((status, to.as_str()), (303, "/admin"));
    b
}

/// The form token of a signed-in browser (from its home page).
async fn session_csrf(b: &mut Browser) -> String {
    let (status, _, page) = b.get("/admin").await;
    assert_eq!(status, 200, "{page}");
    csrf(&page)
}

/// Who may open each route, written here independently of `Role::may`.
fn expected_roles(method: &str, path: &str) -> &'static [Role] {
    use Role::*;
    match (method, path) {
        ("GET", "/admin/kiosks") => &[Administrator, Coordinator],
        (_, p) if p.starts_with("/admin/kiosks/") => &[Administrator],
        (_, p) if p.starts_with("/admin/residents") => &[PrivacyOfficer],
        (_, p) if p.starts_with("/admin/confirmations") => &[Coordinator],
        (_, p) if p.starts_with("/admin/exports") => &[Coordinator],
        (_, p) if p.starts_with("/admin/telephony") => &[Administrator],
        (_, p) if p.starts_with("/admin/staff") => &[Administrator],
        ("GET", "/admin/access-log") => &[PrivacyOfficer],
        ("GET", "/admin") | ("POST", "/admin/logout") => {
            &[Administrator, Coordinator, PrivacyOfficer]
        }
        other => panic!("a console route this test does not know: {other:?}"),
    }
}

/// A verified resident with a saved profile.
async fn resident(app: &TestApp, phone: &str, name: &str) {
    let session = app.session(phone).await;
    let profile = json!({
        "name": name, "first_name": "Élise", "language": "fr", "city": "Mille-Isles",
        "street": "Chemin de Mille-Isles", "civic_number": "1262", "apartment": "",
        "postal_code": "J0R 1A0", "newsletter": false, "categories": [],
        "contacts": [{ "active": true, "description": "Cellulaire", "kind": "mobile",
                       "value": phone, "extension": "", "extension_delay_seconds": null,
                       "order": 1 }]
    });
    let r = app
        .http
        .put(app.url("/v1/profile"))
        .bearer_auth(&app.kiosk_token)
        .header("borne-session", &session)
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn every_route_opens_only_for_the_roles_that_may() {
    let app = spawn_app().await;
    resident(&app, "514 555-0161", "Tremblay-Lachance").await;
    let mut browsers = vec![
        (
            Role::Administrator,
            signed_in(&app, "admin@ville.ca", Role::Administrator).await,
        ),
        (
            Role::Coordinator,
            signed_in(&app, "mesures@ville.ca", Role::Coordinator).await,
        ),
        (
            Role::PrivacyOfficer,
            signed_in(&app, "rprp@ville.ca", Role::PrivacyOfficer).await,
        ),
    ];
    let mut tokens = HashMap::new();
    for (role, b) in &mut browsers {
        tokens.insert(format!("{role:?}"), session_csrf(b).await);
    }
    let mut anonymous = Browser::new(&app);
    let mut walked = 0;
    for route in borne_central::console_routes() {
        let path = route.path.replace("{id}", NO_ID);
        if matches!(
            route.access,
            borne_central::Access::Public | borne_central::Access::SecondFactor
        ) || path == "/admin/logout"
        {
            continue;
        }
        walked += 1;
        // Nobody signed in: to the sign-in page.
        let (status, to, _) = match route.method {
            "GET" => anonymous.get(&path).await,
            _ => anonymous.post(&path, &[("csrf", "x")]).await,
        };
        assert_eq!((status, to.as_str()), (303, "/admin/login"), "{path}");
        let allowed = expected_roles(route.method, route.path);
        for (role, b) in &mut browsers {
            let token = tokens[&format!("{role:?}")].clone();
            let (status, to, body) = match route.method {
                "GET" => b.get(&path).await,
                _ => b.post(&path, &[("csrf", &token)]).await,
            };
            if allowed.contains(role) {
                assert!(
                    status != 403 && to != "/admin/login",
                    "{role:?} refused {} {path}: {status}",
                    route.method
                );
            } else {
                assert_eq!(status, 403, "{role:?} reached {} {path}", route.method);
                assert!(
                    !body.contains("Tremblay")
                        && !body.contains("555-0161")
                        && !body.contains("5550161")
                );
            }
        }
    }
    assert!(walked >= 20, "only {walked} routes walked");
    // The public listener has no console at all.
    for path in [
        "/admin",
        "/admin/login",
        "/admin/residents",
        "/admin/assets/console.css",
    ] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path} on the public listener");
    }
}

#[tokio::test]
async fn a_forged_form_post_is_refused() {
    let app = spawn_app().await;
    let mut b = signed_in(&app, "admin@ville.ca", Role::Administrator).await;
    let token = session_csrf(&mut b).await;
    let before = kiosks(&mut b).await;
    // No token, a wrong one, another session's.
    let mut other = signed_in(&app, "admin2@ville.ca", Role::Administrator).await;
    let other_token = session_csrf(&mut other).await;
    for form in [
        vec![("name", "Forgée")],
        vec![("name", "Forgée"), ("csrf", "0000")],
        vec![("name", "Forgée"), ("csrf", other_token.as_str())],
    ] {
        let (status, _, page) = b.post("/admin/kiosks/enroll", &form).await;
        assert_eq!(status, 403, "{form:?}");
        assert!(
            page.contains("expiré") && page.contains("expired"),
            "{page}"
        );
    }
    // The right token from another site's page.
    let r = b
        .http
        .post(format!("{}/admin/kiosks/enroll", b.base))
        .header("cookie", b.cookie_header())
        .header("origin", "https://evil.example")
        .form(&[("name", "Forgée"), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        kiosks(&mut b).await,
        before,
        "a forged post enrolled a kiosk"
    );
    // The real form works.
    let (status, _, page) = b
        .post(
            "/admin/kiosks/enroll",
            &[("name", "Hôtel de ville — hall"), ("csrf", &token)],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let code = after(&page, "id=\"secret\">");
    assert_eq!(code.len(), 14, "{code}");
    assert_eq!(kiosks(&mut b).await, before + 1);
    // The kiosk enrolls with the code the page showed, once.
    let r = app
        .http
        .post(app.url("/v1/kiosks/enroll"))
        .json(&json!({ "code": code, "app_version": "0.1.0" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // The sign-in form needs its own token too.
    let mut fresh = Browser::new(&app);
    let (status, _, _) = fresh
        .post(
            "/admin/login",
            &[("email", "admin@ville.ca"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 403);
    assert!(!fresh.cookies.contains_key("borne_admin"));
}

#[tokio::test]
async fn sessions_end_after_the_idle_time_and_the_lifetime() {
    let app = spawn_app().await;
    let db = app.db().await;
    let mut idle = signed_in(&app, "idle@ville.ca", Role::Coordinator).await;
    let mut busy = signed_in(&app, "busy@ville.ca", Role::Coordinator).await;
    assert_eq!(idle.get("/admin").await.0, 200);
    // Unused for longer than the idle time (15 min by default).
    sqlx::query("UPDATE staff_sessions SET last_seen_at = last_seen_at - 901 WHERE staff_id = (SELECT id FROM staff WHERE email = 'idle@ville.ca')")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(idle.get("/admin").await.1, "/admin/login");
    // Used a minute ago, but signed in more than 8 hours ago.
    sqlx::query("UPDATE staff_sessions SET created_at = created_at - 28801, last_seen_at = last_seen_at - 60 WHERE staff_id = (SELECT id FROM staff WHERE email = 'busy@ville.ca')")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(busy.get("/admin").await.1, "/admin/login");
    // Signing out ends the session on the server, not only the cookie.
    let mut b = signed_in(&app, "out@ville.ca", Role::Coordinator).await;
    let cookie = b.cookies["borne_admin"].clone();
    let token = session_csrf(&mut b).await;
    let (status, to, _) = b.post("/admin/logout", &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, "/admin/login"));
    b.cookies.insert("borne_admin".into(), cookie);
    assert_eq!(b.get("/admin").await.1, "/admin/login");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account() {
    let app = spawn_app().await;
    account(&app, "clerk@ville.ca", Role::Coordinator, false).await;
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        let (status, _, page) = sign_in(&mut b, "clerk@ville.ca", "wrong password!!").await;
        assert_eq!(status, 401, "{page}");
    }
    // Locked: even the right password is not checked.
    let (status, _, page) = sign_in(&mut b, "clerk@ville.ca", PASSWORD).await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("verrouillé"), "{page}");
    assert!(!b.cookies.contains_key("borne_admin"));
    // An unknown e-mail answers as a wrong password.
    assert_eq!(sign_in(&mut b, "nobody@ville.ca", PASSWORD).await.0, 401);
    // Once the lock has run out, the right password opens.
    let db = app.db().await;
    sqlx::query("UPDATE staff SET locked_until = locked_until - 901")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        sign_in(&mut b, "clerk@ville.ca", PASSWORD).await.1,
        "/admin"
    );
}

#[tokio::test]
async fn the_second_factor_is_asked_once_per_code_and_counts_toward_the_lockout() {
    let app = spawn_app().await;
    let secret = account(&app, "admin@ville.ca", Role::Administrator, true)
        .await
        .unwrap();
    let mut b = Browser::new(&app);
    let (status, to, _) = sign_in(&mut b, "admin@ville.ca", PASSWORD).await;
    assert_eq!((status, to.as_str()), (303, "/admin/login/totp"));
    // Half signed in: no page opens yet.
    assert_eq!(b.get("/admin/kiosks").await.1, "/admin/login/totp");
    let (_, _, page) = b.get("/admin/login/totp").await;
    let token = csrf(&page);
    let (status, _, _) = b
        .post("/admin/login/totp", &[("csrf", &token), ("code", "000000")])
        .await;
    assert_eq!(status, 401);
    // The setup spent the current step's code: as if it were long ago.
    let db = app.db().await;
    sqlx::query("UPDATE staff SET totp_last_step = NULL")
        .execute(&db)
        .await
        .unwrap();
    let code = totp_now(&secret);
    let before = b.cookies["borne_admin"].clone();
    let (status, to, _) = b
        .post("/admin/login/totp", &[("csrf", &token), ("code", &code)])
        .await;
    assert_eq!((status, to.as_str()), (303, "/admin"));
    assert_ne!(
        b.cookies["borne_admin"], before,
        "a new session after the second factor"
    );
    assert_eq!(b.get("/admin/kiosks").await.0, 200);
    // The same code again, in another browser: refused.
    let mut again = Browser::new(&app);
    sign_in(&mut again, "admin@ville.ca", PASSWORD).await;
    let (_, _, page) = again.get("/admin/login/totp").await;
    let (status, _, _) = again
        .post(
            "/admin/login/totp",
            &[("csrf", &csrf(&page)), ("code", &code)],
        )
        .await;
    assert_eq!(status, 401);
    // Wrong codes lock the account (with the replay above: 5); a right
    // password does not clear the count while the second factor is due.
    for _ in 0..4 {
        let (_, _, page) = again.get("/admin/login/totp").await;
        again
            .post(
                "/admin/login/totp",
                &[("csrf", &csrf(&page)), ("code", "000000")],
            )
            .await;
    }
    assert_eq!(again.get("/admin/login/totp").await.1, "/admin/login");
    assert_eq!(sign_in(&mut again, "admin@ville.ca", PASSWORD).await.0, 429);
}

#[tokio::test]
async fn the_privacy_officer_s_work_is_in_the_access_log_and_the_coordinator_sees_no_resident() {
    let app = spawn_app_with(|c| {
        c.admin_token_hash = Some(borne_central::codes::token_hash(ADMIN_TOKEN));
    })
    .await;
    resident(&app, "514 555-0162", "Gagnon-Roy").await;
    // The first account, as the README says: the command prints a link.
    let (ok, out, err) = cli_with(
        &app,
        &[
            "staff",
            "add",
            "--email",
            "RPRP@Ville.ca",
            "--role",
            "responsable-prp",
        ],
    );
    assert!(ok, "{err}");
    let token = after(&out, "/admin/setup/");
    assert!(out.contains("rprp@ville.ca"), "{out}");
    setup(&app, token.trim(), false).await;
    let mut rprp = Browser::new(&app);
    assert_eq!(
        sign_in(&mut rprp, "rprp@ville.ca", PASSWORD).await.1,
        "/admin"
    );
    // Look up by phone number.
    let (status, _, page) = rprp.get("/admin/residents?q=514%20555-0162").await;
    assert_eq!(status, 200, "{page}");
    let id = after(&page, "href=\"/admin/residents/");
    let (status, _, page) = rprp.get(&format!("/admin/residents/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Gagnon-Roy") && page.contains("+15145550162"),
        "{page}"
    );
    let token = csrf(&page);
    // Correct the name (the kiosk form's rules apply: a bad postal code is refused).
    let form = |name: &'static str, postal: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("name", name.to_owned()),
            ("first_name", "Élise".to_owned()),
            ("language", "fr".to_owned()),
            ("city", "Mille-Isles".to_owned()),
            ("postal_code", postal.to_owned()),
        ]
    };
    let db = app.db().await;
    let consents = || sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM consents").fetch_one(&db);
    let consents_before = consents().await.unwrap();
    let (status, page) = post(
        &mut rprp,
        format!("/admin/residents/{id}/correct"),
        form("Gagnon", "D0D 0D0"),
    )
    .await;
    assert_eq!(status, 422, "{page}");
    let (status, _) = post(
        &mut rprp,
        format!("/admin/residents/{id}/correct"),
        form("Gagnon", "J0R 1A0"),
    )
    .await;
    assert_eq!(status, 303);
    let (_, _, page) = rprp.get(&format!("/admin/residents/{id}")).await;
    assert!(page.contains("value=\"Gagnon\""), "{page}");
    // A correction is not the resident's consent: none is recorded.
    assert_eq!(consents().await.unwrap(), consents_before);
    // The Law 25 export.
    let (status, _, json) = rprp
        .get(&format!("/admin/residents/{id}/export.json"))
        .await;
    assert_eq!(status, 200);
    let data: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(data["profile"]["name"], "Gagnon");
    // The coordinator cannot look.
    let mut coordinator = signed_in(&app, "mesures@ville.ca", Role::Coordinator).await;
    for path in [
        "/admin/residents?q=514%20555-0162".to_owned(),
        format!("/admin/residents/{id}"),
        format!("/admin/residents/{id}/export.json"),
    ] {
        let (status, _, body) = coordinator.get(&path).await;
        assert_eq!(status, 403, "{path}");
        assert!(!body.contains("Gagnon") && !body.contains("555"), "{body}");
    }
    // The contacts export, by the coordinator, the API and the command.
    let (status, _, csv) = coordinator
        .get("/admin/exports/contacts.csv?since=2020-01-01")
        .await;
    assert_eq!(status, 200);
    assert!(csv.contains("Gagnon"), "{csv}");
    let r = app
        .http
        .get(app.admin_url("/v1/admin/contacts.csv"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (ok, _, err) = cli_with(&app, &["export", "contacts"]);
    assert!(ok, "{err}");
    // Delete, with the record.
    let (status, _, page) = rprp
        .post(
            &format!("/admin/residents/{id}/delete"),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(status, 422, "the box must be ticked");
    let (status, _, page2) = rprp
        .post(
            &format!("/admin/residents/{id}/delete"),
            &[("csrf", &token), ("confirm", "on")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let record = after(&page2, "id=\"secret\">");
    assert_eq!(record.len(), 36, "{page2}");
    assert_eq!(rprp.get(&format!("/admin/residents/{id}")).await.0, 404);
    // The access log lists every step: who, what, through what, from where.
    let (status, _, log) = rprp.get("/admin/access-log").await;
    assert_eq!(status, 200);
    let rows: Vec<&str> = log.split("<tr>").skip(2).collect();
    let has = |who: &str, via: &str, what: &str| {
        rows.iter().any(|r| {
            r.contains(&format!("<td>{who}</td>"))
                && r.contains(&format!("data-code=\"{via}\""))
                && r.contains(&format!("data-code=\"{what}\""))
                && (via == "command" || r.contains("127.0.0.1"))
        })
    };
    for (who, via, what) in [
        ("rprp@ville.ca", "console", "lookup"),
        ("rprp@ville.ca", "console", "view"),
        ("rprp@ville.ca", "console", "correct"),
        ("rprp@ville.ca", "console", "export"),
        ("rprp@ville.ca", "console", "delete"),
        ("mesures@ville.ca", "console", "export_contacts"),
        ("token", "api", "export_contacts"),
    ] {
        assert!(has(who, via, what), "no {who} {via} {what} in {log}");
    }
    assert!(rows.iter().any(
        |r| r.contains("data-code=\"command\"") && r.contains("data-code=\"export_contacts\"")
    ));
    assert!(log.contains(&format!("deletion {record}")), "{log}");
    assert!(!log.contains("Gagnon") && !log.contains("555-0162") && !log.contains("5550162"));
    // The coordinator's refused attempts were not logged as views.
    assert!(!rows
        .iter()
        .any(|r| r.contains("mesures@ville.ca") && r.contains("data-code=\"view\"")));
    // Append-only: the database refuses to rewrite an entry.
    let db = app.db().await;
    assert!(sqlx::query("UPDATE access_log SET actor = 'someone else'")
        .execute(&db)
        .await
        .is_err());
}

/// How many kiosks the kiosks page lists.
async fn kiosks(b: &mut Browser) -> usize {
    b.get("/admin/kiosks")
        .await
        .2
        .matches("<th scope=\"row\">")
        .count()
}

/// A form of owned values, posted.
async fn post(b: &mut Browser, path: String, form: Vec<(&'static str, String)>) -> (u16, String) {
    let r = b
        .http
        .post(format!("{}{path}", b.base))
        .header("cookie", b.cookie_header())
        .form(&form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The command on the test's database (as an administrator runs it).
fn cli_with(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    cli(&app.db_url, args)
}

#[tokio::test]
async fn an_offline_registration_is_found_by_the_reference_the_kiosk_printed() {
    let app = spawn_app().await;
    let id = crate::registrations::id();
    let batch = json!({ "registrations": [crate::registrations::registration(&id, "+14505550163", "Hors-Ligne")] });
    let result = crate::registrations::sync(&app, &batch).await;
    assert_eq!(result["results"][0]["status"], 200, "{result}");
    let reference = borne_protocol::registration_reference(&id);
    let mut b = signed_in(&app, "rprp@ville.ca", Role::PrivacyOfficer).await;
    let (status, _, page) = b.get(&format!("/admin/residents?q={reference}")).await;
    assert_eq!(status, 200);
    let account = after(&page, "href=\"/admin/residents/");
    assert_eq!(account.len(), 36, "{page}");
    assert!(page.contains("+14505550163"), "{page}");
    // Lower case, without the hyphen: the same.
    let loose = reference.replace('-', "").to_lowercase();
    let (_, _, page) = b.get(&format!("/admin/residents?q={loose}")).await;
    assert!(page.contains(&account), "{page}");
    // Another reference finds nobody, and says so.
    let (status, _, page) = b.get("/admin/residents?q=0000-0000").await;
    assert_eq!(status, 200);
    assert!(page.contains("Aucun résident"), "{page}");
}

#[tokio::test]
async fn the_access_log_keeps_entries_for_the_retention_time_only() {
    // A database without a server: a server's own retention pass would
    // race the test's.
    let dir = tempfile::tempdir().unwrap();
    let url = borne_central::db::scratch_database(borne_central::db::test_engine(), dir.path())
        .await
        .unwrap();
    let store = borne_central::db::Store::connect(&url).await.unwrap();
    let now = borne_central::db::now();
    let who = borne_central::access::Accessor::command();
    let days = |n: i64| n * 86_400;
    for at in [now - days(400), now - days(10)] {
        store
            .log_access(
                &who,
                borne_central::access::AccessAction::ExportContacts,
                None,
                None,
                at,
            )
            .await
            .unwrap();
    }
    assert_eq!(store.access_log(None, 10).await.unwrap().len(), 2);
    // What the retention job removes with the default 365 days.
    assert_eq!(store.purge_access_log(now - days(365)).await.unwrap(), 1);
    let left = store.access_log(None, 10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].at, now - days(10));
}
