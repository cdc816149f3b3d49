//! The contacts export for the town's alerting platform, and a resident's
//! rights over their data (Law 25).

use serde_json::{json, Value};

use crate::helpers::*;

const ADMIN: &str = "admin-token-0123456789-0123456789-abcdef";

fn profile(name: &str, phone: &str) -> Value {
    json!({
        "name": name, "first_name": "Élise", "language": "fr", "city": "Mille-Isles",
        "street": "Chemin de Mille-Isles", "civic_number": "1262", "apartment": "",
        "postal_code": "J0R 1A0", "newsletter": true,
        "categories": ["community", "boil_water"],
        "contacts": [
            { "active": true, "description": "Bureau", "kind": "landline", "value": "450 555-0177",
              "extension": "214", "extension_delay_seconds": 6, "order": 2 },
            { "active": true, "description": "Cellulaire", "kind": "mobile", "value": phone,
              "extension": "", "extension_delay_seconds": null, "order": 1 },
            { "active": false, "description": "", "kind": "email", "value": "elise@exemple.ca",
              "extension": "", "extension_delay_seconds": null, "order": 3 }
        ]
    })
}

/// A verified resident with a saved profile; their session.
async fn resident(app: &TestApp, phone: &str, name: &str) -> String {
    let session = app.session(phone).await;
    let r = app
        .http
        .put(app.url("/v1/profile"))
        .bearer_auth(&app.kiosk_token)
        .header("borne-session", &session)
        .json(&profile(name, phone))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    session
}

async fn export(app: &TestApp, token: Option<&str>, query: &str) -> reqwest::Response {
    let mut r = app
        .http
        .get(app.admin_url(&format!("/v1/admin/contacts.csv{query}")));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn the_contacts_export_lists_residents_with_contacts_in_cascade_order() {
    let app = spawn_app_with(|c| {
        c.limits.number_min_interval = std::time::Duration::ZERO;
        c.admin_token_hash = Some(borne_central::codes::token_hash(ADMIN));
    })
    .await;
    resident(&app, "514 555-0142", "Tremblay, fils").await;
    // An unverified resident (code asked, never used) with no profile is
    // not a contact yet.
    assert_eq!(app.signup("514 555-0143", "sms").await.status(), 202);
    // The mobile number answered ARRET: voice only.
    sqlx::query("INSERT INTO sms_opt_outs (phone, opted_out, keyword, changed_at) VALUES ('+15145550142', 1, 'ARRET', 0)")
        .execute(&app.db().await)
        .await
        .unwrap();

    assert_eq!(export(&app, None, "").await.status(), 401);
    assert_eq!(export(&app, Some("wrong-token"), "").await.status(), 401);
    assert_eq!(export(&app, Some(&app.kiosk_token), "").await.status(), 401);
    let r = export(&app, Some(ADMIN), "").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, borne_central::export::header());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let row: std::collections::HashMap<&str, &str> = header
        .iter()
        .map(String::as_str)
        .zip(rows[0].iter())
        .collect();
    assert_eq!(row["name"], "Tremblay, fils", "commas are quoted");
    assert_eq!(row["first_name"], "Élise", "UTF-8");
    assert_eq!((row["phone"], row["verified"]), ("+15145550142", "yes"));
    assert_eq!(
        (
            row["contact_1_type"],
            row["contact_1_value"],
            row["contact_1_sms_opt_out"]
        ),
        ("mobile", "+15145550142", "yes")
    );
    assert_eq!(
        (
            row["contact_2_type"],
            row["contact_2_value"],
            row["contact_2_extension"],
            row["contact_2_extension_delay_seconds"]
        ),
        ("landline", "+14505550177", "214", "6")
    );
    assert_eq!(row["contact_3_type"], "", "inactive contacts are left out");
    assert_eq!(row["categories"], "community;boil_water");
    // Since a future date: nobody.
    let text = export(&app, Some(ADMIN), "?since=2999-01-01")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 1, "the header alone");
    assert_eq!(
        export(&app, Some(ADMIN), "?since=yesterday").await.status(),
        400
    );
    app.stop().await;
}

/// Every cell of `csv`, by column name, as a spreadsheet reads the file
/// (a real CSV parser: quotes, embedded commas and line breaks).
fn cells(csv: &str) -> Vec<Vec<(String, String)>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// Residents type what they like in a name or an address; town staff open
/// the export in a spreadsheet. Through the API and the command alike, no
/// cell begins with what makes a spreadsheet evaluate it, except phone
/// numbers in E.164, which the alerting platform imports as they are.
#[tokio::test]
async fn no_exported_cell_is_a_formula_but_phone_numbers_stay_as_they_are() {
    let app = spawn_app_with(|c| {
        crate::instances::no_caps(c);
        c.admin_token_hash = Some(borne_central::codes::token_hash(ADMIN));
    })
    .await;
    let hostile = "=HYPERLINK(\"http://x\",\"Cliquez\")";
    let session = app.session("514 555-0142").await;
    let mut body = profile(hostile, "514 555-0142");
    body["first_name"] = json!("@SUM(A1)");
    body["street"] = json!("+1+cmd|' /C calc'!A0");
    body["apartment"] = json!("-2+3");
    body["city"] = json!("=1+1");
    body["contacts"][0]["description"] = json!("@bureau");
    body["contacts"][1]["description"] = json!("=cmd");
    let r = app
        .http
        .put(app.url("/v1/profile"))
        .bearer_auth(&app.kiosk_token)
        .header("borne-session", &session)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A name that looks like a phone number is still a name.
    resident(&app, "514 555-0150", "+15145550150").await;

    let api = export(&app, Some(ADMIN), "").await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.csv");
    let (ok, _, err) = cli(
        &app.db_url,
        &["export", "contacts", "--output", file.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let command = std::fs::read_to_string(&file).unwrap();
    assert_eq!(command, api);
    let rows = cells(&command);
    assert_eq!(rows.len(), 2);
    let is_e164 = |v: &str| {
        v.strip_prefix('+')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut phones = 0;
    for row in &rows {
        let column = |name: &str| &row.iter().find(|(c, _)| c == name).unwrap().1;
        for (name, value) in row {
            let Some(first) = value.chars().next() else {
                continue;
            };
            if !['=', '+', '-', '@', '\t', '\r'].contains(&first) {
                continue;
            }
            // Only a phone column, holding E.164, may.
            let phone_column = name == "phone"
                || name.strip_suffix("_value").is_some_and(|n| {
                    ["mobile", "landline"].contains(&column(&format!("{n}_type")).as_str())
                });
            assert!(phone_column && is_e164(value), "{name} = {value:?}");
            phones += 1;
        }
    }
    assert!(phones >= 4, "the numbers are exported as they are");
    let first = &rows[0];
    let get = |name: &str| first.iter().find(|(c, _)| c == name).unwrap().1.as_str();
    assert_eq!(get("name"), format!("'{hostile}"), "shown, never evaluated");
    assert_eq!(get("first_name"), "'@SUM(A1)");
    assert_eq!(get("city"), "'=1+1");
    assert_eq!(get("phone"), "+15145550142");
    assert_eq!(get("contact_1_value"), "+15145550142");
    assert_eq!(get("contact_1_description"), "'=cmd");
    let get = |name: &str| rows[1].iter().find(|(c, _)| c == name).unwrap().1.as_str();
    assert_eq!(get("name"), "'+15145550150");
    assert_eq!(get("phone"), "+15145550150");
    app.stop().await;
}

#[tokio::test]
async fn without_an_admin_token_there_is_no_admin_api() {
    let app = spawn_app().await;
    assert_eq!(export(&app, Some(ADMIN), "").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_resident_gets_all_their_data_then_deletes_their_account() {
    let app = spawn_app_with(|c| c.limits.number_min_interval = std::time::Duration::ZERO).await;
    let session = resident(&app, "514 555-0142", "Tremblay").await;
    let other = resident(&app, "514 555-0150", "Roy").await;
    let me = |method: reqwest::Method, s: &str| {
        app.http
            .request(method, app.url("/v1/me"))
            .bearer_auth(&app.kiosk_token)
            .header("borne-session", s)
    };
    let data: Value = me(reqwest::Method::GET, &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(data["account"]["phone"], "+15145550142");
    assert_eq!(data["profile"]["name"], "Tremblay");
    assert_eq!(data["profile"]["contacts"].as_array().unwrap().len(), 3);
    let consent = &data["consents"][0];
    assert_eq!(consent["kiosk_id"], app.kiosk_id.as_str());
    assert_eq!(consent["staff_assisted"], false);
    assert_eq!(data["code_deliveries"][0]["channel"], "sms");
    let text = data.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("Roy"),
        "no code hash, nobody else"
    );
    let codes: Vec<(String,)> = sqlx::query_as("SELECT code_hash FROM codes")
        .fetch_all(&app.db().await)
        .await
        .unwrap();
    assert!(codes
        .iter()
        .all(|(h,)| h.is_empty() || !text.contains(h.as_str())));

    assert_eq!(
        me(reqwest::Method::DELETE, &session)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let db = app.db().await;
    for table in [
        "accounts",
        "profiles",
        "contact_points",
        "consents",
        "codes",
        "sessions",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&db)
            .await
            .unwrap();
        assert!(n >= 1, "{table}: Roy's rows stay");
    }
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM accounts WHERE phone = '+15145550142')
              + (SELECT COUNT(*) FROM deliveries WHERE to_phone = '+15145550142')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(left, 0, "nothing of Tremblay's is left");
    let deletions: Vec<(String, String)> = sqlx::query_as("SELECT id, requested_by FROM deletions")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(deletions.len(), 1);
    assert_eq!(deletions[0].1, "resident");
    // The session died with the account; the other resident's still works.
    assert_eq!(
        me(reqwest::Method::GET, &session)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        me(reqwest::Method::GET, &other)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}

/// The administrator's commands on the same database: the CSV export and
/// a resident's access and deletion requests.
#[tokio::test]
async fn export_and_resident_commands() {
    let app = spawn_app_with(|c| c.limits.number_min_interval = std::time::Duration::ZERO).await;
    resident(&app, "514 555-0142", "Tremblay").await;
    let run = |args: &[&str]| {
        let (ok, out, err) = cli(&app.db_url, args);
        assert!(ok, "{err}");
        out
    };
    let csv = run(&["export", "contacts", "--format", "csv"]);
    assert!(csv.starts_with("identifier,phone,verified"), "{csv}");
    assert!(csv.contains("+15145550142") && csv.contains("Tremblay"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.csv");
    run(&["export", "contacts", "--output", file.to_str().unwrap()]);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv);

    let data: Value =
        serde_json::from_str(&run(&["resident", "export", "--phone", "514 555-0142"])).unwrap();
    assert_eq!(data["profile"]["name"], "Tremblay");
    run(&["resident", "delete", "--phone", "(514) 555-0142"]);
    let by: String = sqlx::query_scalar("SELECT requested_by FROM deletions")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(by, "administrator");
    let csv = run(&["export", "contacts"]);
    assert_eq!(csv.lines().count(), 1, "only the header is left");
    app.stop().await;
}

#[tokio::test]
async fn only_the_towns_categories_are_accepted() {
    let app = spawn_app_with(|c| c.categories = vec!["boil_water".into(), "verglas".into()]).await;
    let session = app.session("514 555-0142").await;
    let put = |body: Value| {
        app.http
            .put(app.url("/v1/profile"))
            .bearer_auth(&app.kiosk_token)
            .header("borne-session", &session)
            .json(&body)
            .send()
    };
    let mut body = profile("Tremblay", "514 555-0142");
    body["categories"] = json!(["snow_removal"]);
    let (status, err) = error_code(put(body.clone()).await.unwrap()).await;
    assert_eq!(status, 422);
    assert_eq!(err["fields"][0]["field"], "categories");
    assert_eq!(err["fields"][0]["code"], "profile.unknown_category");
    body["categories"] = json!(["verglas", "boil_water", "verglas"]);
    let saved: Value = put(body.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(
        saved["profile"]["categories"],
        json!(["verglas", "boil_water"])
    );
    // A profile without the field (an older kiosk) has none.
    body.as_object_mut().unwrap().remove("categories");
    let saved: Value = put(body).await.unwrap().json().await.unwrap();
    assert_eq!(saved["profile"]["categories"], json!([]));
    app.stop().await;
}
