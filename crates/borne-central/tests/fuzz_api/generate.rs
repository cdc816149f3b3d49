//! Requests made from the document: for one operation, its path and query
//! parameters, headers and body, first as a well-meaning client would
//! send them (Québec phone numbers, postal codes, RFC 3339 times, the
//! kiosk's real token…), then broken: wrong types, huge strings, deep
//! nesting, bad UTF-8 (body, path, query, headers), absurd numbers,
//! missing and duplicated fields, wrong content types, missing, garbage
//! and duplicated credentials.
//!
//! A request depends only on the seed and its case number: secrets and
//! ids the server handed out are placeholders, filled in when it is sent.

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use serde_json::Value;

use crate::spec::{types_of, In, Operation, Spec};

/// A secret the harness holds, put in when the request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// The fuzzed kiosk's device token.
    Kiosk,
    /// The device token of a kiosk that was revoked.
    RevokedKiosk,
    /// `BORNE_ADMIN_TOKEN`.
    Admin,
    /// A live resident session.
    Session,
}

#[derive(Debug, Clone)]
pub enum HeaderValue {
    Bytes(Vec<u8>),
    /// `prefix` + the secret (`Bearer <kiosk token>`).
    Secret(&'static str, Secret),
    /// Twilio's signature of this very request, with the webhook token.
    TwilioSignature,
}

/// A piece of the request target.
#[derive(Debug, Clone)]
pub enum Part {
    /// Percent-encoded ASCII, as sent.
    Text(String),
    /// The n-th id the server handed out so far (a delivery, a
    /// registration), modulo how many there are.
    KnownId(usize),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: Vec<Part>,
    pub headers: Vec<(String, HeaderValue)>,
    pub body: Vec<u8>,
}

/// One JSON document, able to say what `serde_json::Value` cannot:
/// duplicated keys, numbers out of every range, bytes that are not JSON.
#[derive(Debug, Clone)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text, as sent (`1e400`, `18446744073709551616`).
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
    /// Written as it is: bad UTF-8, lone surrogates, deep nesting.
    Raw(Vec<u8>),
}

impl Json {
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Json::Num(n) => out.extend_from_slice(n.as_bytes()),
            Json::Str(s) => out.extend_from_slice(Value::from(s.as_str()).to_string().as_bytes()),
            Json::Arr(items) => {
                out.push(b'[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    v.write(out);
                }
                out.push(b']');
            }
            Json::Obj(fields) => {
                out.push(b'{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    Json::Str(k.clone()).write(out);
                    out.push(b':');
                    v.write(out);
                }
                out.push(b'}');
            }
            Json::Raw(bytes) => out.extend_from_slice(bytes),
        }
    }

    /// Every node, as the child indices leading to it.
    fn paths(&self, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(at.clone());
        let children: Vec<&Json> = match self {
            Json::Arr(items) => items.iter().collect(),
            Json::Obj(fields) => fields.iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        };
        for (i, child) in children.into_iter().enumerate() {
            at.push(i);
            child.paths(at, out);
            at.pop();
        }
    }

    fn at_mut(&mut self, path: &[usize]) -> &mut Json {
        let Some((first, rest)) = path.split_first() else {
            return self;
        };
        match self {
            Json::Arr(items) => items[*first].at_mut(rest),
            Json::Obj(fields) => fields[*first].1.at_mut(rest),
            _ => unreachable!("paths lead through containers"),
        }
    }
}

/// The header names this API gives a meaning to.
const API_VERSION: &str = borne_protocol::API_VERSION_HEADER;
const SESSION: &str = borne_protocol::SESSION_HEADER;
const TWILIO_SIGNATURE: &str = "x-twilio-signature";

/// Strings that have broken parsers somewhere.
const NASTY: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "a\u{0}b",
    "\u{1}\u{7}\u{1b}[31m",
    "\t\r\n",
    "\u{feff}514 555-0142",
    "\u{202e}2410-555 415",
    "\u{200b}",
    "٥١٤٥٥٥٠١٤٢",
    "５１４５５５０１４２",
    "+",
    "++1",
    "-1",
    "0",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "' OR '1'='1",
    "'); DROP TABLE accounts;--",
    "<script>alert(1)</script>",
    "=HYPERLINK(\"http://x\")",
    "%s%s%n",
    "../../../../etc/passwd",
    "😀👩‍👩‍👧‍👦",
    "e\u{301}\u{301}\u{301}\u{301}",
    "İstanbul",
    "ß",
    "\u{fffd}",
    "\u{10ffff}",
    "A\u{300}\u{300}",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "0000-01-01T00:00:00+23:59",
    "2026-02-30T10:00:00Z",
    "2026-12-31T23:59:60Z",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-7fff-bfff-ffffffffffff",
];

/// Numbers no field expects.
const ABSURD_NUMBERS: &[&str] = &[
    "-1",
    "-0",
    "0.5",
    "1e400",
    "-1e400",
    "1e-400",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "99999999999999999999999999999999999999",
    "1E2",
    "0.000000000000000000000000001",
    "2147483648",
];

/// Bytes that are not UTF-8 (or not allowed in it), in a JSON string.
const BAD_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xc0\xaf",
    b"\xe2\x82",
    b"caf\xe9",
];

/// Québec's area codes, and Ottawa's.
const QUEBEC_AREA_CODES: &[u16] = &[
    514, 438, 263, 450, 579, 354, 418, 581, 367, 819, 873, 468, 613,
];

/// The operation's request, well-meaning or broken.
pub fn request(spec: &Spec, op_index: usize, seed: u64) -> Request {
    let mut rng = StdRng::seed_from_u64(seed);
    // A quarter of the requests are polite (valid credentials and
    // headers, an unbroken body) so that the handlers' own rules are
    // reached; the rest are not.
    let polite = rng.random_bool(0.25);
    let mut g = Gen { spec, rng, polite };
    g.request(op_index)
}

/// The seed of one case of a run.
pub fn case_seed(run_seed: u64, case: u64) -> u64 {
    // splitmix64: neighbouring cases get unrelated streams.
    let mut z = run_seed.wrapping_add(case.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Gen<'a> {
    spec: &'a Spec,
    rng: StdRng,
    polite: bool,
}

impl Gen<'_> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// A number in `0..100` picking the variant of a header or a value;
    /// under 60 for a polite request (the well-meaning variants).
    fn variant(&mut self) -> u32 {
        if self.polite {
            self.rng.random_range(0..60)
        } else {
            self.rng.random_range(0..100)
        }
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn request(&mut self, op_index: usize) -> Request {
        let op = &self.spec.operations[op_index];
        let mut request = Request {
            method: op.method.clone(),
            target: self.target(op),
            headers: Vec::new(),
            body: Vec::new(),
        };
        self.credentials(op, &mut request.headers);
        for p in op.params.iter().filter(|p| p.place == In::Header) {
            self.header_param(&p.name, p.required, &mut request.headers);
        }
        if !op
            .params
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(API_VERSION))
        {
            self.header_param(API_VERSION, false, &mut request.headers);
        }
        match op.body.clone() {
            Some((media, schema)) if media == "application/x-www-form-urlencoded" => {
                request.body = self.form_body(&schema);
                self.content_type("application/x-www-form-urlencoded", &mut request.headers);
            }
            Some((media, schema)) => {
                request.body = self.json_body(&schema);
                self.content_type(&media, &mut request.headers);
            }
            // A body nobody asked for, now and then.
            None if self.chance(0.05) => {
                request.body = self.json_body(&Value::Null);
                self.content_type("application/json", &mut request.headers);
            }
            None => {}
        }
        if self.chance(0.1) {
            let (name, value) = *self.pick(&[
                ("accept", "text/csv"),
                ("accept", "application/xml"),
                ("accept-encoding", "gzip, br"),
                ("x-forwarded-for", "127.0.0.1, ::1, garbage"),
                ("origin", "null"),
                ("cookie", "borne-session=x"),
                ("if-none-match", "*"),
                ("range", "bytes=0-0"),
            ]);
            request
                .headers
                .push((name.into(), HeaderValue::Bytes(value.into())));
        }
        request
    }

    // ---- the target: path parameters and query ----

    fn target(&mut self, op: &Operation) -> Vec<Part> {
        let mut parts = Vec::new();
        let mut rest = op.path.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            parts.push(Part::Text(rest[..open].to_owned()));
            parts.push(self.path_value());
            rest = &rest[(close + 1).min(rest.len())..];
        }
        parts.push(Part::Text(rest.to_owned()));
        let query = self.query(op);
        if !query.is_empty() {
            parts.push(Part::Text(format!("?{query}")));
        }
        parts
    }

    fn path_value(&mut self) -> Part {
        let text = match self.variant() {
            0..=39 => return Part::KnownId(self.rng.random_range(0..1000)),
            40..=59 => self.uuid_v7(),
            60..=64 => encode(self.pick(NASTY).as_bytes()),
            65..=74 => {
                let bad = *self.pick(BAD_UTF8);
                format!("{}{}", self.uuid_v7(), encode(bad))
            }
            75..=79 => "%00".into(),
            80..=82 => String::new(),
            83..=85 => "9".repeat(4000),
            86..=89 => self
                .pick(&["%2F", "..%2F..%2F", "%25", "%0A", "%", "%G0", "a%2Fb"])
                .to_string(),
            _ => encode(self.text(None).as_bytes()),
        };
        Part::Text(text)
    }

    fn query(&mut self, op: &Operation) -> String {
        let mut pairs: Vec<String> = Vec::new();
        for p in op.params.iter().filter(|p| p.place == In::Query) {
            if self.chance(if p.required { 0.05 } else { 0.35 }) {
                continue;
            }
            let value = match self.variant() {
                0..=59 => encode(self.query_value(&p.name, &p.schema).as_bytes()),
                60..=69 => encode(self.pick(NASTY).as_bytes()),
                70..=77 => {
                    let bad = *self.pick(BAD_UTF8);
                    encode(bad)
                }
                78..=81 => "%00".into(),
                82..=85 => "x".repeat(5000),
                86..=89 => self.pick(&["%", "%G0", "+", "&", "="]).to_string(),
                _ => {
                    // The same parameter twice.
                    let first = encode(self.query_value(&p.name, &p.schema).as_bytes());
                    pairs.push(format!("{}={first}", p.name));
                    encode(self.query_value(&p.name, &p.schema).as_bytes())
                }
            };
            if !self.polite && self.chance(0.03) {
                pairs.push(p.name.clone());
            } else {
                pairs.push(format!("{}={value}", p.name));
            }
        }
        if !self.polite && self.chance(0.05) {
            pairs.push(
                self.pick(&["x=%FF", "=", "&&", "a=b=c", "%00=%00"])
                    .to_string(),
            );
        }
        pairs.join("&")
    }

    fn query_value(&mut self, name: &str, schema: &Value) -> String {
        let schema = self.spec.resolve(schema).clone();
        let types = types_of(&schema).unwrap_or_default();
        if types.iter().any(|t| t == "boolean") {
            return self
                .pick(&["true", "false", "1", "0", "yes", "TRUE"])
                .to_string();
        }
        if types.iter().any(|t| t == "integer" || t == "number") {
            return self.integer(name).to_string();
        }
        self.text(Some(name))
    }

    // ---- headers ----

    /// The `Authorization` header, per the operation's security schemes.
    fn credentials(&mut self, op: &Operation, headers: &mut Vec<(String, HeaderValue)>) {
        let auth = "authorization".to_owned();
        let valid = match op.security.first().map(String::as_str) {
            Some("admin_token") => Secret::Admin,
            Some(_) => Secret::Kiosk,
            None if self.chance(0.9) => return,
            None => Secret::Kiosk,
        };
        let other = if valid == Secret::Admin {
            Secret::Kiosk
        } else {
            Secret::Admin
        };
        let garbage = HeaderValue::Bytes(b"Bearer 0123456789abcdef0123456789abcdef".to_vec());
        if self.polite {
            headers.push((auth, HeaderValue::Secret("Bearer ", valid)));
            return;
        }
        match self.rng.random_range(0..100) {
            0..=64 => headers.push((auth, HeaderValue::Secret("Bearer ", valid))),
            65..=71 => {}
            72..=75 => headers.push((auth, HeaderValue::Secret("Bearer ", Secret::RevokedKiosk))),
            76..=78 => headers.push((auth, HeaderValue::Secret("Bearer ", other))),
            79..=80 => headers.push((auth, HeaderValue::Bytes(b"Bearer ".to_vec()))),
            81..=82 => headers.push((auth, HeaderValue::Secret("bearer ", valid))),
            83..=84 => headers.push((auth, HeaderValue::Secret("Bearer  ", valid))),
            85 => headers.push((auth, HeaderValue::Bytes(b"Basic YWRtaW46YWRtaW4=".to_vec()))),
            86..=87 => headers.push((auth, HeaderValue::Bytes(b"Bearer \xff\xfe".to_vec()))),
            88..=89 => headers.push((auth, HeaderValue::Bytes(self.long_header()))),
            90..=94 => {
                headers.push((auth.clone(), garbage));
                headers.push((auth, HeaderValue::Secret("Bearer ", valid)));
            }
            _ => {
                headers.push((auth.clone(), HeaderValue::Secret("Bearer ", valid)));
                headers.push((auth, garbage));
            }
        }
    }

    /// A header parameter the document names (`borne-api-version`,
    /// `borne-session`, `X-Twilio-Signature`, or one this harness does not
    /// know, which gets text).
    fn header_param(
        &mut self,
        name: &str,
        required: bool,
        headers: &mut Vec<(String, HeaderValue)>,
    ) {
        let lower = name.to_ascii_lowercase();
        let valid = if lower == API_VERSION {
            HeaderValue::Bytes(self.pick(&["1.0", "1.0", "1.9", "1"]).as_bytes().to_vec())
        } else if lower == SESSION {
            HeaderValue::Secret("", Secret::Session)
        } else if lower == TWILIO_SIGNATURE {
            HeaderValue::TwilioSignature
        } else {
            HeaderValue::Bytes(self.text(Some(name)).into_bytes())
        };
        let wrong = if lower == API_VERSION {
            self.pick(&[
                "2.0",
                "0.9",
                "x",
                "",
                " ",
                "-1",
                "1.0.0.0",
                "999999999999",
                "١",
            ])
            .as_bytes()
            .to_vec()
        } else {
            self.pick(&["", "x", "0000", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "null"])
                .as_bytes()
                .to_vec()
        };
        if self.chance(if required { 0.12 } else { 0.35 }) && !(self.polite && required) {
            return;
        }
        match self.variant() {
            0..=69 => headers.push((lower, valid)),
            70..=79 => headers.push((lower, HeaderValue::Bytes(wrong))),
            80..=84 => headers.push((lower, HeaderValue::Bytes(b"\xff\xfe\x80".to_vec()))),
            85..=87 => headers.push((lower, HeaderValue::Bytes(self.long_header()))),
            88..=93 => {
                headers.push((lower.clone(), HeaderValue::Bytes(wrong)));
                headers.push((lower, valid));
            }
            _ => {
                headers.push((lower.clone(), valid));
                headers.push((lower, HeaderValue::Bytes(wrong)));
            }
        }
    }

    fn long_header(&mut self) -> Vec<u8> {
        let n = *self.pick(&[300usize, 4000]);
        "A".repeat(n).into_bytes()
    }

    fn content_type(&mut self, documented: &str, headers: &mut Vec<(String, HeaderValue)>) {
        let name = "content-type".to_owned();
        let value: &[u8] = match self.variant() {
            0..=74 => documented.as_bytes(),
            75..=78 => return,
            79 => b"application/json; charset=utf-8",
            80 => b"application/json; charset=latin1",
            81..=82 => b"text/plain",
            83..=84 => b"application/x-www-form-urlencoded",
            85 => b"application/json",
            86 => b"application/problem+json",
            87 => b"APPLICATION/JSON",
            88 => b"multipart/form-data; boundary=x",
            89 => b"",
            90 => b"\xff/\xfe",
            91 => b"application/x-www-form-urlencoded; charset=utf-8",
            92..=95 => {
                headers.push((name.clone(), HeaderValue::Bytes(b"text/plain".to_vec())));
                documented.as_bytes()
            }
            _ => {
                headers.push((
                    name.clone(),
                    HeaderValue::Bytes(documented.as_bytes().to_vec()),
                ));
                b"text/plain"
            }
        };
        headers.push((name, HeaderValue::Bytes(value.to_vec())));
    }

    // ---- bodies ----

    fn json_body(&mut self, schema: &Value) -> Vec<u8> {
        let mut doc = if schema.is_null() {
            self.any_json(2)
        } else {
            self.value(schema, None)
        };
        let mutations = if self.polite || self.chance(0.3) {
            0
        } else {
            self.rng.random_range(1..=3)
        };
        for _ in 0..mutations {
            self.mutate(&mut doc);
        }
        let mut out = Vec::new();
        doc.write(&mut out);
        if !self.polite && self.chance(0.08) {
            out = self.broken_body(out);
        }
        out
    }

    fn broken_body(&mut self, json: Vec<u8>) -> Vec<u8> {
        match self.rng.random_range(0..9) {
            0 => Vec::new(),
            1 => b"null".to_vec(),
            2 => {
                let cut = self.rng.random_range(0..json.len().max(1));
                json[..cut].to_vec()
            }
            3 => {
                let mut bytes = vec![0u8; self.rng.random_range(1..200)];
                self.rng.fill_bytes(&mut bytes);
                bytes
            }
            4 => [b"\xef\xbb\xbf".as_slice(), &json].concat(),
            5 => [json.as_slice(), b"}}".as_slice()].concat(),
            6 => [json.as_slice(), b"\n", &json].concat(),
            7 => b"   \n\t ".to_vec(),
            _ => b"phone=5145550142&channel=sms".to_vec(),
        }
    }

    fn form_body(&mut self, schema: &Value) -> Vec<u8> {
        let schema = self.spec.resolve(schema).clone();
        let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (name, _) in schema["properties"].as_object().into_iter().flatten() {
            if self.chance(0.2) {
                continue;
            }
            let value = self.text(Some(name));
            pairs.push((
                encode(name.as_bytes()).into_bytes(),
                encode(value.as_bytes()).into_bytes(),
            ));
        }
        let mutations = if self.polite || self.chance(0.3) {
            0
        } else {
            self.rng.random_range(1..=3)
        };
        for _ in 0..mutations {
            let i = self.rng.random_range(0..pairs.len().max(1));
            match self.rng.random_range(0..9) {
                0 if !pairs.is_empty() => {
                    let copy = pairs[i].0.clone();
                    let value = encode(self.text(None).as_bytes()).into_bytes();
                    pairs.push((copy, value));
                }
                1 => pairs.push((b"Unknown".to_vec(), b"x".to_vec())),
                2 if !pairs.is_empty() => {
                    pairs.remove(i);
                }
                3 if !pairs.is_empty() => pairs[i].1 = self.pick(BAD_UTF8).to_vec(),
                4 if !pairs.is_empty() => {
                    pairs[i].1 = self
                        .pick(&[&b"%FF"[..], b"%", b"%G0", b"%00", b"%C3%28", b"+%2B+"])
                        .to_vec()
                }
                5 if !pairs.is_empty() => pairs[i].1 = "9".repeat(70_000).into_bytes(),
                6 if !pairs.is_empty() => {
                    pairs[i].1 = encode(self.pick(NASTY).as_bytes()).into_bytes()
                }
                7 => pairs.push((b"=".to_vec(), b"&&".to_vec())),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push(b'&');
            }
            out.extend_from_slice(k);
            out.push(b'=');
            out.extend_from_slice(v);
        }
        if !self.polite && self.chance(0.05) {
            out = self.broken_body(out);
        }
        out
    }

    /// A value `schema` describes, with realistic strings where the
    /// property's name says what it holds.
    fn value(&mut self, schema: &Value, name: Option<&str>) -> Json {
        let schema = self.spec.resolve(schema).clone();
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = schema[key].as_array() {
                let real: Vec<&Value> = variants.iter().filter(|v| v["type"] != "null").collect();
                if real.is_empty() || (real.len() < variants.len() && self.chance(0.2)) {
                    return Json::Null;
                }
                let v = *self.pick(&real);
                return self.value(v, name);
            }
        }
        if let Some(all) = schema["allOf"].as_array().and_then(|a| a.first()) {
            return self.value(all, name);
        }
        if let Some(values) = schema["enum"].as_array() {
            return from_value(self.pick(values));
        }
        let types = types_of(&schema).unwrap_or_else(|| vec!["object".into()]);
        let real: Vec<&String> = types.iter().filter(|t| *t != "null").collect();
        if real.is_empty() || (real.len() < types.len() && self.chance(0.2)) {
            return Json::Null;
        }
        match real[0].as_str() {
            "string" => Json::Str(self.text(name)),
            "integer" => Json::Num(self.integer(name.unwrap_or_default()).to_string()),
            "number" => Json::Num(format!("{}", self.rng.random_range(0.0..1000.0))),
            "boolean" => Json::Bool(self.chance(0.7)),
            "array" => {
                let n = match name {
                    Some("contacts" | "registrations") => self.rng.random_range(1..=3),
                    _ => self.rng.random_range(0..=3),
                };
                let items = schema["items"].clone();
                let singular = name.map(|n| n.trim_end_matches('s'));
                let mut values: Vec<Json> = (0..n).map(|_| self.value(&items, singular)).collect();
                if self.polite {
                    // Orders are unique in a list (contact points): 1, 2, 3.
                    for (i, v) in values.iter_mut().enumerate() {
                        if let Json::Obj(fields) = v {
                            for (key, value) in fields.iter_mut() {
                                if key == "order" {
                                    *value = Json::Num((i + 1).to_string());
                                }
                            }
                        }
                    }
                }
                Json::Arr(values)
            }
            _ => {
                let mut fields = Vec::new();
                let required: Vec<String> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect();
                for (key, s) in schema["properties"].as_object().into_iter().flatten() {
                    if required.contains(key) || self.chance(0.8) {
                        fields.push((key.clone(), self.value(s, Some(key))));
                    }
                }
                Json::Obj(fields)
            }
        }
    }

    /// Any JSON, for bodies nobody documented.
    fn any_json(&mut self, depth: usize) -> Json {
        match self.rng.random_range(0..if depth == 0 { 4 } else { 6 }) {
            0 => Json::Null,
            1 => Json::Bool(self.chance(0.5)),
            2 => Json::Num(self.pick(ABSURD_NUMBERS).to_string()),
            3 => Json::Str(self.text(None)),
            4 => Json::Arr(
                (0..self.rng.random_range(0..3))
                    .map(|_| self.any_json(depth - 1))
                    .collect(),
            ),
            _ => Json::Obj(
                (0..self.rng.random_range(0..3))
                    .map(|_| (self.text(None), self.any_json(depth - 1)))
                    .collect(),
            ),
        }
    }

    fn mutate(&mut self, doc: &mut Json) {
        let mut paths = Vec::new();
        doc.paths(&mut Vec::new(), &mut paths);
        let path = self.pick(&paths).clone();
        let node = doc.at_mut(&path);
        let kind = self.rng.random_range(0..14);
        if let (10 | 11, Json::Obj(fields)) = (kind, &mut *node) {
            // A field removed, duplicated or added.
            match self.rng.random_range(0..3) {
                0 if !fields.is_empty() => {
                    let i = self.rng.random_range(0..fields.len());
                    fields.remove(i);
                }
                1 if !fields.is_empty() => {
                    let i = self.rng.random_range(0..fields.len());
                    let key = fields[i].0.clone();
                    let value = if self.chance(0.5) {
                        fields[i].1.clone()
                    } else {
                        self.any_json(1)
                    };
                    fields.push((key, value));
                }
                _ => {
                    let key = self
                        .pick(&["unknown", "__proto__", "id", "", "phone\u{0}"])
                        .to_string();
                    fields.push((key, self.any_json(1)));
                }
            }
            return;
        }
        *node = match kind {
            0 => self.any_json(2),
            1 => Json::Str(self.pick(NASTY).to_string()),
            2 => {
                let n = *self.pick(&[300usize, 5_000, 70_000, 70_000, 2_200_000]);
                let unit = *self.pick(&["9", "a", "é", "😀", " "]);
                Json::Str(unit.repeat(n / unit.len()))
            }
            3 => Json::Num(self.pick(ABSURD_NUMBERS).to_string()),
            4 => {
                let n = *self.pick(&[64usize, 129, 200, 5_000, 100_000]);
                let (open, close) = *self.pick(&[("[", "]"), ("{\"a\":", "}")]);
                let mut raw = open.repeat(n);
                raw.push('1');
                raw.push_str(&close.repeat(n));
                Json::Raw(raw.into_bytes())
            }
            5 => {
                let bad = *self.pick(BAD_UTF8);
                Json::Raw([b"\"514".as_slice(), bad, b"\""].concat())
            }
            6 => Json::Raw(
                self.pick(&[
                    &b"\"\\ud800\""[..],
                    b"\"\\udc00x\"",
                    b"\"\\u0000\"",
                    b"\"\\x41\"",
                ])
                .to_vec(),
            ),
            7 => Json::Arr(Vec::new()),
            8 => Json::Obj(Vec::new()),
            9 => Json::Raw(
                self.pick(&[
                    &b"NaN"[..],
                    b"Infinity",
                    b"undefined",
                    b"'x'",
                    b"01",
                    b"+1",
                    b".5",
                ])
                .to_vec(),
            ),
            12 => Json::Bool(self.chance(0.5)),
            _ => Json::Null,
        };
    }

    // ---- realistic values, by the property's name ----

    /// A value a field accepts, or now and then (never when polite) one
    /// it refuses.
    fn one_of(&mut self, valid: &[&str], refused: &[&str]) -> String {
        if refused.is_empty() || self.polite || self.chance(0.75) {
            self.pick(valid).to_string()
        } else {
            self.pick(refused).to_string()
        }
    }

    fn text(&mut self, name: Option<&str>) -> String {
        let name = name.unwrap_or_default();
        match name {
            "phone" | "From" | "To" => self.phone(),
            "value" => {
                if self.chance(0.6) {
                    self.phone()
                } else {
                    self.email()
                }
            }
            "code" => {
                if self.chance(0.7) {
                    format!("{:06}", self.rng.random_range(0..1_000_000))
                } else {
                    self.one_of(
                        &["K7QX-M3PA-W9TR", "k7qxm3paw9tr", "123 456", "123-456"],
                        &[],
                    )
                }
            }
            "text_version" => {
                self.one_of(&[borne_domain::CONSENT_TEXT_VERSION], &["urgence-2025-1"])
            }
            "accepted_at" | "captured_at" | "last_sync_at" | "since" => self.time(),
            "id" => self.uuid_v7(),
            "kiosk_id" => self.one_of(&["kiosk-bibliotheque", "kiosk-hotel-de-ville"], &[""]),
            "app_version" => self.one_of(&["0.1.0", "1.2.3-beta+42", ""], &[]),
            "owner_session" => self.token(),
            "name" => self.one_of(
                &[
                    "Tremblay",
                    "Gagnon",
                    "Côté",
                    "Bouchard",
                    "Lévesque-Ouellet",
                    "O'Brien",
                ],
                &["", " "],
            ),
            "first_name" => {
                self.one_of(&["Marie", "Jean-François", "Élise", "Noël", "Zoë", ""], &[])
            }
            "city" => self.one_of(
                &[
                    "Mille-Isles",
                    "Saint-Jérôme",
                    "Québec",
                    "Trois-Rivières",
                    "L'Île-Perrot",
                ],
                &[""],
            ),
            "street" => self.one_of(
                &[
                    "Chemin de Mille-Isles",
                    "rue Saint-Jean",
                    "boul. René-Lévesque Ouest",
                    "",
                ],
                &[],
            ),
            "civic_number" => self.one_of(&["1262", "12A", "12 ½", "4-B", ""], &["rue", "A12"]),
            "apartment" => self.one_of(&["", "3", "app. 12"], &["appartement 1234"]),
            "postal_code" => self.one_of(
                &["J0R 1A0", "h2x1y4", "G1R-4P5", "J8Y 6T3", "", "H0H 0H0"],
                &["K1A 0B1", "H2X 1O4", "90210"],
            ),
            "description" => self.one_of(&["Maison", "Bureau", "Cellulaire de Marie", ""], &[]),
            "extension" => self.one_of(&["", "", "214", "12345678"], &["1#", "123456789"]),
            "categorie" | "categories" => self.one_of(
                &[
                    "boil_water",
                    "snow_removal",
                    "street_closures",
                    "collections",
                    "community",
                ],
                &["fireworks", "Déneigement"],
            ),
            "MessageSid" => format!("SM{}", self.hex(32)),
            "CallSid" => format!("CA{}", self.hex(32)),
            "MessageStatus" => self.one_of(
                &[
                    "delivered",
                    "undelivered",
                    "failed",
                    "sent",
                    "read",
                    "queued",
                ],
                &[],
            ),
            "CallStatus" => self.one_of(
                &[
                    "completed",
                    "busy",
                    "no-answer",
                    "canceled",
                    "failed",
                    "ringing",
                ],
                &[],
            ),
            "ErrorCode" => self.one_of(&["30003", "21610", "30008"], &[]),
            "Digits" => self.one_of(&["1", "9", "5", ""], &["11", "#"]),
            "Body" => self.one_of(
                &[
                    "OUI", "oui", "Non.", "ARRÊT", "STOP", "AIDE", "HELP", "INFO", "START",
                ],
                &["oui merci", "👍"],
            ),
            _ => {
                if !self.polite && self.chance(0.2) {
                    self.pick(NASTY).to_string()
                } else {
                    let n = self.rng.random_range(0..12);
                    (0..n)
                        .map(|_| {
                            *self.pick(&['a', 'z', 'é', 'È', 'ç', '-', ' ', '0', '9', '\'', 'ô'])
                        })
                        .collect()
                }
            }
        }
    }

    fn integer(&mut self, name: &str) -> i64 {
        match name {
            "order" => self.rng.random_range(0..=4),
            // A delay needs an extension: none, when polite.
            "extension_delay_seconds" if self.polite => 0,
            "extension_delay_seconds" => self.rng.random_range(0..=12),
            _ => self.rng.random_range(0..=2000),
        }
    }

    fn phone(&mut self) -> String {
        // A handful of numbers, so the per-number caps are reached too.
        if self.chance(0.6) {
            let n = self.rng.random_range(0..8);
            return format!("514 555-01{n:02}");
        }
        let area = if self.polite || self.chance(0.8) {
            *self.pick(QUEBEC_AREA_CODES)
        } else {
            *self.pick(&[212u16, 876, 800, 411, 100])
        };
        let exchange = self.rng.random_range(200..=999);
        let line = self.rng.random_range(0..=9999);
        match self.rng.random_range(0..6) {
            0 => format!("{area} {exchange}-{line:04}"),
            1 => format!("({area}) {exchange}-{line:04}"),
            2 => format!("+1{area}{exchange}{line:04}"),
            3 => format!("1-{area}-{exchange}-{line:04}"),
            4 => format!("{area}.{exchange}.{line:04}"),
            _ => format!("{area}{exchange}{line:04}"),
        }
    }

    fn email(&mut self) -> String {
        self.one_of(
            &[
                "marie.tremblay@exemple.qc.ca",
                "Jean-Luc+alertes@Ville.Mille-Isles.QC.ca",
                "élise@québec.ca",
            ],
            &["a@b", "@exemple.ca", "x@İexemple.ca"],
        )
    }

    fn time(&mut self) -> String {
        let refused = !self.polite && self.chance(0.2);
        if refused {
            return self.pick(NASTY).to_string();
        }
        match self.rng.random_range(0..3) {
            0 => "2026-11-26T10:00:00Z".into(),
            1 => "2026-11-26T05:00:00-05:00".into(),
            _ => format!(
                "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00",
                self.rng.random_range(20..40),
                self.rng.random_range(1..=12),
                self.rng.random_range(1..=28),
                self.rng.random_range(0..24),
                self.rng.random_range(0..60),
                self.rng.random_range(0..60),
                self.rng.random_range(0..1000),
            ),
        }
    }

    fn uuid_v7(&mut self) -> String {
        let millis = self
            .rng
            .random_range(1_700_000_000_000u64..1_900_000_000_000);
        let mut random = [0u8; 10];
        self.rng.fill_bytes(&mut random);
        uuid::Builder::from_unix_timestamp_millis(millis, &random)
            .into_uuid()
            .to_string()
    }

    fn token(&mut self) -> String {
        self.hex(43)
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from_digit(self.rng.random_range(0..16), 16).unwrap_or('0'))
            .collect()
    }
}

fn from_value(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Num(n.to_string()),
        Value::String(s) => Json::Str(s.clone()),
        Value::Array(a) => Json::Arr(a.iter().map(from_value).collect()),
        Value::Object(o) => Json::Obj(o.iter().map(|(k, v)| (k.clone(), from_value(v))).collect()),
    }
}

/// Percent-encodes every byte but the unreserved ones (RFC 3986).
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
