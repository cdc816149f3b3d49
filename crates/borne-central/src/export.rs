//! The contacts export (`borne-central export contacts --format csv`,
//! `GET /v1/admin/contacts.csv`): one row per resident, UTF-8 (no byte
//! order mark), comma-separated, quoted where needed, `\r\n` line ends
//! (RFC 4180). The header is [`header`]; README.md documents each column.

use crate::db::{rfc3339, ExportRow};

/// The most contact points a profile holds (`borne_domain::Profile`).
pub const MAX_CONTACTS: usize = 10;

/// `--since` / `?since=`: parses `2026-11-01` or `2026-11-01T00:00:00Z` to Unix seconds.
pub fn parse_since(text: &str) -> Option<i64> {
    if let Some(t) = borne_protocol::rfc3339::parse(text) {
        return Some(t.unix_timestamp());
    }
    let date = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

/// The column names, in order.
pub fn header() -> Vec<String> {
    let mut h: Vec<String> = [
        "identifier",
        "phone",
        "verified",
        "verified_at",
        "name",
        "first_name",
        "language",
        "civic_number",
        "street",
        "apartment",
        "city",
        "postal_code",
        "newsletter",
        "categories",
        "updated_at",
    ]
    .map(String::from)
    .to_vec();
    for i in 1..=MAX_CONTACTS {
        for field in [
            "type",
            "value",
            "extension",
            "extension_delay_seconds",
            "sms_opt_out",
            "description",
        ] {
            h.push(format!("contact_{i}_{field}"));
        }
    }
    h
}

/// The CSV text of `rows`.
pub fn contacts_csv(rows: &[ExportRow]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header())?;
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    for r in rows {
        let mut record = vec![
            r.account_id.clone(),
            r.phone.clone(),
            yes_no(r.verified_at.is_some()),
            r.verified_at.map(rfc3339).unwrap_or_default(),
            r.name.clone(),
            r.first_name.clone().unwrap_or_default(),
            r.language.clone(),
            r.civic_number.clone().unwrap_or_default(),
            r.street.clone().unwrap_or_default(),
            r.apartment.clone().unwrap_or_default(),
            r.city.clone(),
            r.postal_code.clone().unwrap_or_default(),
            yes_no(r.newsletter),
            r.categories.join(";"),
            rfc3339(r.updated_at),
        ];
        for i in 0..MAX_CONTACTS {
            match r.contacts.get(i) {
                Some(c) => record.extend([
                    c.kind.clone(),
                    c.value.clone(),
                    c.extension.clone().unwrap_or_default(),
                    if c.extension.is_some() {
                        c.extension_delay_seconds.to_string()
                    } else {
                        String::new()
                    },
                    yes_no(c.sms_opt_out),
                    c.description.clone(),
                ]),
                None => record.extend(std::iter::repeat_n(String::new(), 6)),
            }
        }
        w.write_record(&record)?;
    }
    Ok(w.into_inner()?)
}
