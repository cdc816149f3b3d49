//! The committed OpenAPI document, read as the harness needs it: every
//! operation with its parameters, request body and documented answers,
//! and a check of a JSON value against a schema (required properties,
//! types, enums, minimums, nested through `$ref`, `oneOf`, `anyOf`,
//! `allOf`, `items`).

use serde_json::Value;

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub place: In,
    pub required: bool,
    pub schema: Value,
}

/// A documented answer: its content types (none: an empty body) with
/// their schemas, and the headers it carries.
#[derive(Debug, Clone)]
pub struct Answer {
    pub content: Vec<(String, Value)>,
    pub headers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Operation {
    /// `GET`, `POST`…
    pub method: String,
    /// The path template, `/v1/deliveries/{id}`.
    pub path: String,
    pub params: Vec<Param>,
    /// The request body's media type and schema.
    pub body: Option<(String, Value)>,
    /// The security schemes, any one of which opens the operation.
    pub security: Vec<String>,
    /// Status (`"200"`, `"4XX"`, `"default"`) → the answer.
    pub answers: Vec<(String, Answer)>,
}

impl Operation {
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The documented answer for `status`: the exact code, else its
    /// range (`4XX`), else `default`.
    pub fn answer(&self, status: u16) -> Option<&Answer> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        [exact.as_str(), range.as_str(), "default"]
            .iter()
            .find_map(|key| {
                self.answers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, a)| a)
            })
    }
}

#[derive(Debug)]
pub struct Spec {
    pub doc: Value,
    pub operations: Vec<Operation>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Spec {
    pub fn parse(text: &str) -> Self {
        let doc: Value = serde_json::from_str(text).expect("the OpenAPI document is JSON");
        let mut operations = Vec::new();
        let paths = doc["paths"].as_object().expect("the document has paths");
        for (path, item) in paths {
            let shared: Vec<Value> = item["parameters"].as_array().cloned().unwrap_or_default();
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let mut params = Vec::new();
                let own = op["parameters"].as_array().cloned().unwrap_or_default();
                for p in shared.iter().chain(&own) {
                    let p = resolve(&doc, p);
                    let place = match p["in"].as_str() {
                        Some("path") => In::Path,
                        Some("query") => In::Query,
                        Some("header") => In::Header,
                        // Cookies: none in this API.
                        _ => continue,
                    };
                    params.push(Param {
                        name: p["name"].as_str().unwrap_or_default().to_owned(),
                        place,
                        required: p["required"].as_bool().unwrap_or(place == In::Path),
                        schema: p["schema"].clone(),
                    });
                }
                let body = op["requestBody"]["content"]
                    .as_object()
                    .and_then(|c| c.iter().next())
                    .map(|(media, m)| (media.clone(), m["schema"].clone()));
                let security = op["security"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .flat_map(|o| o.keys().cloned())
                    .collect();
                let answers = op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(status, r)| {
                        let r = resolve(&doc, r);
                        let content = r["content"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(media, m)| (media.clone(), m["schema"].clone()))
                            .collect();
                        let headers = r["headers"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(h, _)| h.to_ascii_lowercase())
                            .collect();
                        (status.clone(), Answer { content, headers })
                    })
                    .collect();
                operations.push(Operation {
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    params,
                    body,
                    security,
                    answers,
                });
            }
        }
        Self { doc, operations }
    }

    /// `schema` with its `$ref` followed.
    pub fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        resolve(&self.doc, schema)
    }

    /// Whether `value` has the shape `schema` describes; the first
    /// mismatch, with where it is (`$.profile.contacts[0].kind`).
    pub fn conforms(&self, value: &Value, schema: &Value, at: &str) -> Result<(), String> {
        let schema = self.resolve(schema);
        if let Some(all) = schema["allOf"].as_array() {
            for s in all {
                self.conforms(value, s, at)?;
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(any) = schema[key].as_array() {
                let errors: Vec<String> = any
                    .iter()
                    .filter_map(|s| self.conforms(value, s, at).err())
                    .collect();
                if errors.len() == any.len() {
                    return Err(format!("{at}: none of {key} fits ({})", errors.join("; ")));
                }
            }
        }
        if let Some(types) = types_of(schema) {
            if !types.iter().any(|t| has_type(value, t)) {
                return Err(format!(
                    "{at}: {} is not {}",
                    kind(value),
                    types.join(" or ")
                ));
            }
        }
        if let Some(allowed) = schema["enum"].as_array() {
            if !allowed.contains(value) {
                return Err(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), value.as_f64()) {
            if n < min {
                return Err(format!("{at}: {n} is under the minimum {min}"));
            }
        }
        if let Some(object) = value.as_object() {
            for required in schema["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap_or_default();
                if !object.contains_key(name) {
                    return Err(format!("{at}: the required `{name}` is missing"));
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, v) in object {
                    if let Some(s) = properties.get(name) {
                        self.conforms(v, s, &format!("{at}.{name}"))?;
                    }
                }
            }
        }
        if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
            for (i, v) in array.iter().enumerate() {
                self.conforms(v, items, &format!("{at}[{i}]"))?;
            }
        }
        Ok(())
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    // `#/components/schemas/Profile` → doc["components"]["schemas"]["Profile"].
    for _ in 0..32 {
        let Some(reference) = schema["$ref"].as_str() else {
            return schema;
        };
        let pointer = reference.trim_start_matches('#');
        match doc.pointer(pointer) {
            Some(s) => schema = s,
            None => panic!("the document refers to {reference}, which it does not hold"),
        }
    }
    panic!("a $ref cycle in the document")
}

/// The schema's `type`, as a list (`["string", "null"]`).
pub fn types_of(schema: &Value) -> Option<Vec<String>> {
    match &schema["type"] {
        Value::String(t) => Some(vec![t.clone()]),
        Value::Array(ts) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => true,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec() -> Spec {
        Spec::parse(
            &json!({
                "paths": {},
                "components": {"schemas": {
                    "Error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string"},
                        "retry_after_seconds": {"type": ["integer", "null"], "minimum": 0}
                    }},
                    "Kind": {"type": "string", "enum": ["sms", "voice"]}
                }}
            })
            .to_string(),
        )
    }

    #[test]
    fn checks_required_types_enums_and_minimums() {
        let s = spec();
        let error = json!({"$ref": "#/components/schemas/Error"});
        assert!(s
            .conforms(&json!({"code": "x", "message": "y"}), &error, "$")
            .is_ok());
        assert!(s.conforms(&json!({"code": "x"}), &error, "$").is_err());
        assert!(s
            .conforms(&json!({"code": 1, "message": "y"}), &error, "$")
            .is_err());
        let negative = json!({"code": "x", "message": "y", "retry_after_seconds": -1});
        assert!(s.conforms(&negative, &error, "$").is_err());
        let kind = json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Kind"}]});
        assert!(s.conforms(&json!(null), &kind, "$").is_ok());
        assert!(s.conforms(&json!("sms"), &kind, "$").is_ok());
        assert!(s.conforms(&json!("fax"), &kind, "$").is_err());
        let list = json!({"type": "array", "items": {"type": "integer"}});
        assert!(s.conforms(&json!([1, 2]), &list, "$").is_ok());
        assert!(s.conforms(&json!([1, 2.5]), &list, "$").is_err());
    }
}
