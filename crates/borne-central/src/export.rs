//! The contacts export (`borne-central export contacts --format csv`,
//! `GET /v1/admin/contacts.csv`): one row per resident, UTF-8 (no byte
//! order mark), comma-separated, quoted where needed, `\r\n` line ends
//! (RFC 4180), every cell [`spreadsheet_safe`]. The header is [`header`];
//! README.md documents each column.

use std::borrow::Cow;

use crate::db::{rfc3339, ExportRow};

/// What a cell holds, for [`spreadsheet_safe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Anything else: what a resident typed (names, addresses, labels,
    /// e-mail addresses) and what the server writes.
    Text,
    /// A phone number the server validated and stores in E.164: the
    /// `phone` column, the value of a mobile or landline contact.
    Phone,
}

/// What makes a spreadsheet read a cell as a formula: `=`, `+`, `-`, `@`
/// first, or a tab or carriage return in front of one.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as a spreadsheet shows it without evaluating it. Town staff
/// open the export in a spreadsheet, and a resident may type anything in
/// a name or an address: a cell beginning with a formula trigger gets a
/// leading `'` (`=HYPERLINK("http://x")` → `'=HYPERLINK("http://x")`),
/// which spreadsheets take as "text follows".
///
/// The one exception is a [`Cell::Phone`] in E.164 (`+` then digits
/// only), left as is so the alerting platform imports the number: a
/// spreadsheet reads it as a number at worst, never as a formula. It is
/// decided by the column, not by the look of the cell: a name typed as
/// `+15145550142` is text and gets the quote, and a phone cell holding
/// anything but E.164 gets it too.
pub fn spreadsheet_safe(text: &str, cell: Cell) -> Cow<'_, str> {
    let e164 = |t: &str| {
        t.strip_prefix('+').is_some_and(|digits| {
            (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        })
    };
    match text.chars().next() {
        Some(first) if FORMULA_TRIGGERS.contains(&first) => {
            if cell == Cell::Phone && e164(text) {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(format!("'{text}"))
            }
        }
        _ => Cow::Borrowed(text),
    }
}

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

/// An export's filters and size, as the access log records them.
pub fn filters(include_unconfirmed: bool, since: Option<i64>, rows: usize) -> String {
    format!(
        "include_unconfirmed={include_unconfirmed} since={} rows={rows}",
        since.map_or_else(|| "-".to_owned(), crate::db::rfc3339)
    )
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
        let mut record: Vec<(String, Cell)> = vec![
            (r.account_id.clone(), Cell::Text),
            (r.phone.clone(), Cell::Phone),
            (yes_no(r.verified_at.is_some()), Cell::Text),
            (r.verified_at.map(rfc3339).unwrap_or_default(), Cell::Text),
            (r.name.clone(), Cell::Text),
            (r.first_name.clone().unwrap_or_default(), Cell::Text),
            (r.language.clone(), Cell::Text),
            (r.civic_number.clone().unwrap_or_default(), Cell::Text),
            (r.street.clone().unwrap_or_default(), Cell::Text),
            (r.apartment.clone().unwrap_or_default(), Cell::Text),
            (r.city.clone(), Cell::Text),
            (r.postal_code.clone().unwrap_or_default(), Cell::Text),
            (yes_no(r.newsletter), Cell::Text),
            (r.categories.join(";"), Cell::Text),
            (rfc3339(r.updated_at), Cell::Text),
        ];
        for i in 0..MAX_CONTACTS {
            match r.contacts.get(i) {
                Some(c) => record.extend([
                    (c.kind.clone(), Cell::Text),
                    (
                        c.value.clone(),
                        match c.kind.as_str() {
                            "mobile" | "landline" => Cell::Phone,
                            _ => Cell::Text,
                        },
                    ),
                    (c.extension.clone().unwrap_or_default(), Cell::Text),
                    (
                        if c.extension.is_some() {
                            c.extension_delay_seconds.to_string()
                        } else {
                            String::new()
                        },
                        Cell::Text,
                    ),
                    (yes_no(c.sms_opt_out), Cell::Text),
                    (c.description.clone(), Cell::Text),
                ]),
                None => record.extend(std::iter::repeat_n((String::new(), Cell::Text), 6)),
            }
        }
        w.write_record(
            record
                .iter()
                .map(|(text, cell)| spreadsheet_safe(text, *cell).into_owned()),
        )?;
    }
    Ok(w.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::{spreadsheet_safe, Cell};

    #[test]
    fn cells_a_spreadsheet_would_evaluate_get_a_quote() {
        for (text, safe) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+1+2", "'+1+2"),
            ("-2+3", "'-2+3"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            // A name that looks like a number is still text.
            ("+15145550142", "'+15145550142"),
            ("-", "'-"),
        ] {
            assert_eq!(spreadsheet_safe(text, Cell::Text), safe, "{text:?}");
        }
    }

    #[test]
    fn ordinary_cells_are_left_alone() {
        for text in [
            "",
            "Tremblay, fils",
            "Élise",
            "1262",
            "J0R 1A0",
            "élise@exemple.ca",
            "a=b",
            " =1+1",
            "'déjà cité",
        ] {
            assert_eq!(spreadsheet_safe(text, Cell::Text), text);
        }
    }

    #[test]
    fn only_a_phone_in_e164_keeps_its_plus() {
        assert_eq!(
            spreadsheet_safe("+15145550142", Cell::Phone),
            "+15145550142"
        );
        for (text, safe) in [
            ("+", "'+"),
            ("+1514555014a", "'+1514555014a"),
            ("+1 514 555 0142", "'+1 514 555 0142"),
            ("+1234567890123456", "'+1234567890123456"),
            ("=1+1", "'=1+1"),
            ("-15145550142", "'-15145550142"),
        ] {
            assert_eq!(spreadsheet_safe(text, Cell::Phone), safe, "{text:?}");
        }
        assert_eq!(spreadsheet_safe("5145550142", Cell::Phone), "5145550142");
    }
}
