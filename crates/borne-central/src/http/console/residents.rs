//! Residents, for the privacy officer: lookup by phone number or offline
//! reference, the record, a correction of the profile (the form's own
//! rules: `profile::parse_form`), the Law 25 export, the deletion with
//! its record. Every step is in the access log.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use borne_domain::PhoneNumber;
use borne_protocol as wire;
use serde::{Deserialize, Serialize};

use super::auth::MessagePage;
use super::{local, render, render_with, see_other, ConsoleError, Nav, Staff, Texts};
use crate::access::AccessAction;
use crate::db::now;
use crate::http::{ApiForm, ApiPath, ApiQuery, AppState};

/// A wire enum's code (`fr`, `mobile`, `sms`).
fn code<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What was typed in the lookup field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lookup {
    Phone(PhoneNumber),
    /// The 8 hex digits of an offline registration's reference.
    Reference(String),
}

impl Lookup {
    /// A reference is 8 hex digits (`3F2A-9C1D`); a phone number has 10.
    fn parse(text: &str, area_codes: &borne_domain::AreaCodes) -> Option<Self> {
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
            .collect();
        if compact.len() == 8 && compact.chars().all(|c| c.is_ascii_hexdigit()) {
            return Some(Self::Reference(compact.to_uppercase()));
        }
        PhoneNumber::parse(text, area_codes).ok().map(Self::Phone)
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Phone(_) => "by phone",
            Self::Reference(_) => "by reference",
        }
    }
}

#[derive(Template)]
#[template(path = "admin/residents.html")]
struct LookupPage {
    t: &'static Texts,
    nav: Option<Nav>,
    q: String,
    searched: bool,
    error: Option<&'static str>,
    results: Vec<(String, String)>,
}

#[derive(Deserialize, Serialize)]
pub(super) struct LookupQuery {
    #[serde(default)]
    q: String,
}

/// `GET /admin/residents?q=…`: the form, and what it found.
pub(super) async fn lookup(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiQuery(query): ApiQuery<LookupQuery>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    let q = query.q.trim().to_owned();
    let mut page = LookupPage {
        t,
        nav: Some(staff.nav("/admin/residents")),
        q: q.clone(),
        searched: !q.is_empty(),
        error: None,
        results: Vec::new(),
    };
    if q.is_empty() {
        return render(&page);
    }
    let Some(lookup) = Lookup::parse(&q, &state.config.area_codes) else {
        page.error = Some(t.lookup_invalid);
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let accounts = match &lookup {
        Lookup::Phone(p) => state
            .store
            .account_of(&p.e164())
            .await?
            .into_iter()
            .collect(),
        Lookup::Reference(r) => state.store.accounts_of_reference(r).await?,
    };
    let now = now();
    let who = staff.accessor();
    if accounts.is_empty() {
        state
            .store
            .log_access(&who, AccessAction::Lookup, None, Some(lookup.kind()), now)
            .await?;
    }
    for id in accounts {
        state
            .store
            .log_access(
                &who,
                AccessAction::Lookup,
                Some(&id),
                Some(lookup.kind()),
                now,
            )
            .await?;
        if let Some(data) = state.store.resident_data(&id).await? {
            let name = data
                .profile
                .map(|p| format!("{} {}", p.first_name, p.name).trim().to_owned())
                .unwrap_or_default();
            page.results
                .push((id, format!("{} {name}", data.account.phone)));
        }
    }
    render(&page)
}

/// The correction form's fields, as shown and as posted.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(super) struct CorrectForm {
    name: String,
    #[serde(default)]
    first_name: String,
    language: String,
    city: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    civic_number: String,
    #[serde(default)]
    apartment: String,
    #[serde(default)]
    postal_code: String,
}

impl CorrectForm {
    fn of(p: &wire::Profile) -> Self {
        Self {
            name: p.name.clone(),
            first_name: p.first_name.clone(),
            language: code(&p.language),
            city: p.city.clone(),
            street: p.street.clone(),
            civic_number: p.civic_number.clone(),
            apartment: p.apartment.clone(),
            postal_code: p.postal_code.clone(),
        }
    }

    /// The stored profile with this form's fields (contact points and
    /// the optional choices — newsletter, categories, which are consents
    /// the resident gives — as they were), and the names of the fields it
    /// changes.
    fn apply(&self, mut p: wire::Profile) -> (wire::Profile, Vec<&'static str>) {
        let mut changed = Vec::new();
        let mut set = |field: &mut String, value: &str, name: &'static str| {
            if field != value {
                value.clone_into(field);
                changed.push(name);
            }
        };
        set(&mut p.name, &self.name, "name");
        set(&mut p.first_name, &self.first_name, "first_name");
        set(&mut p.city, &self.city, "city");
        set(&mut p.street, &self.street, "street");
        set(&mut p.civic_number, &self.civic_number, "civic_number");
        set(&mut p.apartment, &self.apartment, "apartment");
        set(&mut p.postal_code, &self.postal_code, "postal_code");
        let language = match self.language.as_str() {
            "en" => wire::Language::En,
            _ => wire::Language::Fr,
        };
        if p.language != language {
            p.language = language;
            changed.push("language");
        }
        (p, changed)
    }
}

#[derive(Template)]
#[template(path = "admin/resident.html")]
struct ResidentPage {
    t: &'static Texts,
    nav: Option<Nav>,
    csrf: String,
    id: String,
    phone: String,
    created: String,
    verified: Option<String>,
    form: Option<CorrectForm>,
    contacts: Vec<[String; 4]>,
    consents: Vec<[String; 4]>,
    deliveries: Vec<[String; 4]>,
    errors: Vec<String>,
    notice: Option<&'static str>,
}

async fn record(
    state: &AppState,
    staff: &Staff,
    id: &str,
    form: Option<CorrectForm>,
    errors: Vec<String>,
    notice: Option<&'static str>,
) -> Result<ResidentPage, ConsoleError> {
    let data = state
        .store
        .resident_data(id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    state
        .store
        .log_access(&staff.accessor(), AccessAction::View, Some(id), None, now())
        .await?;
    let t = staff.t();
    let yes_no = |b: bool| if b { t.yes } else { t.no }.to_owned();
    let contacts = data
        .profile
        .as_ref()
        .map(|p| {
            p.contacts
                .iter()
                .map(|c| {
                    [
                        c.order.to_string(),
                        code(&c.kind),
                        format!(
                            "{}{}",
                            c.value,
                            if c.extension.is_empty() {
                                String::new()
                            } else {
                                format!(" #{}", c.extension)
                            }
                        ),
                        format!("{} — {}", yes_no(c.active), c.description),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    let consents = data
        .consents
        .iter()
        .map(|c| {
            [
                c.accepted_at.clone(),
                format!("{} ({})", c.text_version, c.language),
                c.kiosk_id.clone(),
                yes_no(c.staff_assisted),
            ]
        })
        .collect();
    let deliveries = data
        .code_deliveries
        .iter()
        .map(|d| {
            [
                d.created_at.clone(),
                d.channel.clone(),
                d.state.clone(),
                d.kiosk_id.clone(),
            ]
        })
        .collect();
    let form = form.or_else(|| data.profile.as_ref().map(CorrectForm::of));
    Ok(ResidentPage {
        t,
        nav: Some(staff.nav("/admin/residents")),
        csrf: staff.csrf.clone(),
        id: id.to_owned(),
        phone: data.account.phone,
        created: data.account.created_at,
        verified: data.account.verified_at,
        form,
        contacts,
        consents,
        deliveries,
        errors,
        notice,
    })
}

#[derive(Deserialize, Serialize)]
pub(super) struct ShowQuery {
    #[serde(default)]
    corrected: bool,
}

/// `GET /admin/residents/{id}`: the record and its forms.
pub(super) async fn show(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ShowQuery>,
) -> Result<Response, ConsoleError> {
    let notice = q.corrected.then_some(staff.t().corrected);
    render(&record(&state, &staff, &id, None, Vec::new(), notice).await?)
}

/// `GET /admin/residents/{id}/export.json`: everything stored about the
/// resident (Law 25), as the command and `GET /v1/me` give it.
pub(super) async fn export(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ConsoleError> {
    let data = state
        .store
        .resident_data(&id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    state
        .store
        .log_access(
            &staff.accessor(),
            AccessAction::Export,
            Some(&id),
            None,
            now(),
        )
        .await?;
    let body = serde_json::to_vec_pretty(&data).map_err(anyhow::Error::from)?;
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"borne-resident.json\""),
    );
    Ok(r)
}

/// `POST /admin/residents/{id}/correct`: the profile's fields, checked by
/// the same rules as the kiosk's form.
pub(super) async fn correct(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiPath(id): ApiPath<String>,
    ApiForm(form): ApiForm<CorrectForm>,
) -> Result<Response, ConsoleError> {
    let stored = state
        .store
        .load_profile(&id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let (profile, changed) = form.apply(stored);
    let parsed =
        crate::profile::parse_form(&profile, &state.config.categories, &state.config.area_codes);
    let parsed = match parsed {
        Ok(p) => p,
        Err(errors) => {
            let errors = errors
                .0
                .iter()
                .map(|e| format!("{} ({})", e.field, e.code))
                .collect();
            let page = record(&state, &staff, &id, Some(form), errors, None).await?;
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let now = now();
    if !changed.is_empty() {
        if !state.store.correct_profile(&id, &parsed, now).await? {
            return Err(ConsoleError::NotFound);
        }
        state
            .store
            .log_access(
                &staff.accessor(),
                AccessAction::Correct,
                Some(&id),
                Some(&changed.join(", ")),
                now,
            )
            .await?;
        tracing::info!(staff = %staff.id, fields = changed.len(), "console: profile corrected");
    }
    Ok(see_other(&format!("/admin/residents/{id}?corrected=true")))
}

#[derive(Deserialize, Serialize)]
pub(super) struct DeleteForm {
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /admin/residents/{id}/delete` (the box ticked): the account and
/// all it holds go; the deletion record is shown.
pub(super) async fn delete(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiPath(id): ApiPath<String>,
    ApiForm(form): ApiForm<DeleteForm>,
) -> Result<Response, ConsoleError> {
    let t = staff.t();
    if form.confirm.is_none() {
        let page = record(
            &state,
            &staff,
            &id,
            None,
            vec![t.delete_confirm.to_owned()],
            None,
        )
        .await?;
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let Some(deletion) = state
        .store
        .delete_account_logged(&id, &staff.accessor(), now())
        .await?
    else {
        return Err(ConsoleError::NotFound);
    };
    tracing::info!(staff = %staff.id, "console: resident deleted");
    render(&MessagePage {
        t,
        nav: Some(staff.nav("/admin/residents")),
        title: t.deleted,
        text: format!(
            "{} {} — {}",
            t.deletion_record,
            local(&state, deletion.deleted_at),
            deletion.requested_by.as_str()
        ),
        secret: Some(deletion.id),
        secret_label: t.deletion_record,
        back: Some(("/admin/residents", t.residents)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_is_a_reference_or_a_phone_number() {
        let codes = borne_domain::AreaCodes::canada();
        assert_eq!(
            Lookup::parse("3f2a-9c1d", &codes),
            Some(Lookup::Reference("3F2A9C1D".into()))
        );
        assert!(matches!(
            Lookup::parse("514 555-0123", &codes),
            Some(Lookup::Phone(_))
        ));
        assert_eq!(Lookup::parse("hello", &codes), None);
        // A number of the Caribbean is no accepted phone.
        assert_eq!(Lookup::parse("876 555-0123", &codes), None);
    }
}
