//! Twilio's webhooks: delivery status callbacks, incoming SMS (OUI/NON
//! answering a confirmation, STOP/ARRET, START, HELP/AIDE) and the key
//! pressed during a confirmation call. Every request must carry a valid
//! `X-Twilio-Signature`, computed over `BORNE_PUBLIC_URL` + the path.

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use borne_domain::Language;
use borne_protocol as wire;
use secrecy::ExposeSecret;

use super::{ApiError, ApiForm, AppState};
use crate::confirmations::{self, Answer};
use crate::db::{now, ConfirmedVia};
use crate::telephony::{
    confirmation_answer, confirmation_voice, gather_twiml, help_text, say_tag,
    verify_twilio_signature, xml_escape, ConfirmationAnswer,
};

type Params = Vec<(String, String)>;

/// A Twilio status callback (form-encoded), as far as this server reads
/// it: a message's or a call's state. Twilio sends more fields; every
/// field counts for the signature.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "PascalCase")]
#[allow(dead_code)] // Documents `params`; the handler reads them by name.
pub(crate) struct StatusCallbackForm {
    /// Set for a message.
    message_sid: Option<String>,
    /// `delivered`, `read`, `undelivered`, `failed`… (only final states count).
    message_status: Option<String>,
    /// Set for a call (when `MessageSid` is absent).
    call_sid: Option<String>,
    /// `completed`, `busy`, `no-answer`, `canceled`, `failed`…
    call_status: Option<String>,
    /// Twilio's error code, if any.
    error_code: Option<String>,
}

/// A text a resident sent to our number (form-encoded), as far as this
/// server reads it. Twilio sends more fields; every field counts for the
/// signature.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "PascalCase")]
#[allow(dead_code)] // Documents `params`; the handler reads them by name.
pub(crate) struct IncomingSmsForm {
    /// The sender, E.164.
    from: Option<String>,
    /// The text: OUI/YES and NON/NO answer a pending confirmation;
    /// STOP/ARRET, START, HELP/AIDE/INFO are answered.
    body: Option<String>,
    /// The message's id (recorded with a confirmation).
    message_sid: Option<String>,
}

/// The key pressed during a confirmation call (form-encoded), as far as
/// this server reads it. The call's id says which confirmation: the
/// action URL carries no secret.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "PascalCase")]
#[allow(dead_code)] // Documents `params`; the handler reads them by name.
pub(crate) struct GatherForm {
    /// The confirmation call.
    call_sid: Option<String>,
    /// The key: 1 confirms, 9 refuses.
    digits: Option<String>,
}

fn param<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Checks the signature; 404 when Twilio is not the configured provider.
fn verify(
    state: &AppState,
    uri: &OriginalUri,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(), ApiError> {
    let (Some(token), Some(public)) = (&state.twilio_auth_token, &state.config.public_url) else {
        return Err(ApiError::NotFound);
    };
    let path_and_query = uri.0.path_and_query().map_or("", |p| p.as_str());
    let url = format!("{public}{path_and_query}");
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    if verify_twilio_signature(token.expose_secret(), &url, params, signature) {
        Ok(())
    } else {
        tracing::warn!("webhook with a missing or wrong signature refused");
        Err(ApiError::BadSignature)
    }
}

/// `POST /v1/twilio/status`: the final state of a message or call.
#[utoipa::path(
    post,
    path = "/v1/twilio/status",
    tag = "twilio",
    params(
        ("X-Twilio-Signature" = String, Header,
         description = "HMAC-SHA1 of `BORNE_PUBLIC_URL` + path and the sorted form fields, with Twilio's auth token"),
    ),
    request_body(
        content = StatusCallbackForm,
        content_type = "application/x-www-form-urlencoded",
    ),
    responses(
        (status = 204, description = "Recorded (or not a final state)"),
        (status = 400, description = "`request.malformed` (not form-encoded, or a NUL in a field) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 403, description = "`webhook.bad_signature`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: Twilio is not the configured provider", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn status_callback(
    State(state): State<AppState>,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiForm(params): ApiForm<Params>,
) -> Result<StatusCode, ApiError> {
    verify(&state, &uri, &headers, &params)?;
    let (sid, status) = match (param(&params, "MessageSid"), param(&params, "CallSid")) {
        (Some(sid), _) => (sid, param(&params, "MessageStatus")),
        (None, Some(sid)) => (sid, param(&params, "CallStatus")),
        (None, None) => return Ok(StatusCode::NO_CONTENT),
    };
    let outcome = match status.unwrap_or_default() {
        "delivered" | "read" | "completed" => Some(true),
        "undelivered" | "failed" | "busy" | "no-answer" | "canceled" => Some(false),
        // queued, sending, sent, ringing, in-progress…: not final.
        _ => None,
    };
    if let Some(delivered) = outcome {
        let error = param(&params, "ErrorCode")
            .map(|c| format!("twilio {c}"))
            .or_else(|| {
                (!delivered).then(|| format!("twilio status {}", status.unwrap_or_default()))
            });
        let changed = state
            .store
            .provider_outcome(sid, delivered, error.as_deref(), now())
            .await?;
        tracing::info!(delivered, changed, "provider status callback");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// What an incoming text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    Stop,
    Start,
    Help(Option<Language>),
    /// OUI / O / YES / Y.
    Yes,
    /// NON / N / NO.
    No,
}

/// Recognizes the opt-out / opt-in / help keywords, in French and
/// English, whatever the case, accents or surrounding punctuation.
pub(crate) fn keyword(body: &str) -> Option<Keyword> {
    let word: String = body
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'É' | 'È' | 'Ê' => 'E',
            'à' | 'â' | 'À' | 'Â' => 'A',
            'ï' | 'î' | 'Ï' | 'Î' => 'I',
            other => other.to_ascii_uppercase(),
        })
        .collect();
    match word.as_str() {
        "STOP" | "ARRET" | "END" | "QUIT" | "CANCEL" | "UNSUBSCRIBE" | "STOPALL" => {
            Some(Keyword::Stop)
        }
        "START" | "RESUME" | "UNSTOP" => Some(Keyword::Start),
        "AIDE" => Some(Keyword::Help(Some(Language::Fr))),
        "HELP" => Some(Keyword::Help(Some(Language::En))),
        "INFO" => Some(Keyword::Help(None)),
        "OUI" | "O" | "YES" | "Y" => Some(Keyword::Yes),
        "NON" | "N" | "NO" => Some(Keyword::No),
        _ => None,
    }
}

/// A TwiML document (`<Response>…`) as the answer to a webhook.
fn xml(response: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{response}"),
    )
        .into_response()
}

/// TwiML that texts `message` back, or answers nothing.
fn twiml(message: Option<&str>) -> Response {
    match message {
        Some(m) => xml(&format!(
            "<Response><Message>{}</Message></Response>",
            xml_escape(m)
        )),
        None => xml("<Response/>"),
    }
}

/// `POST /v1/twilio/incoming`: a text a resident sent to our number.
#[utoipa::path(
    post,
    path = "/v1/twilio/incoming",
    tag = "twilio",
    params(
        ("X-Twilio-Signature" = String, Header,
         description = "HMAC-SHA1 of `BORNE_PUBLIC_URL` + path and the sorted form fields, with Twilio's auth token"),
    ),
    request_body(
        content = IncomingSmsForm,
        content_type = "application/x-www-form-urlencoded",
    ),
    responses(
        (status = 200, description = "TwiML: empty, or the help text for HELP/AIDE/INFO", body = String, content_type = "text/xml"),
        (status = 400, description = "`request.malformed` (not form-encoded, or a NUL in a field) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 403, description = "`webhook.bad_signature`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: Twilio is not the configured provider", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn incoming_sms(
    State(state): State<AppState>,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiForm(params): ApiForm<Params>,
) -> Result<Response, ApiError> {
    verify(&state, &uri, &headers, &params)?;
    let from = param(&params, "From").unwrap_or_default();
    let body = param(&params, "Body").unwrap_or_default();
    let message_sid = param(&params, "MessageSid").unwrap_or_default();
    let pending = state.store.pending_confirmation_for_phone(from).await?;
    let now = now();
    let reply = match keyword(body) {
        Some(Keyword::Stop) => {
            state.store.set_sms_opt_out(from, true, "stop", now).await?;
            // ARRET also refuses a pending confirmation.
            if let Some(p) = &pending {
                answer_sms(&state, p, Answer::No, message_sid, now).await?;
            }
            tracing::info!("a number opted out of SMS");
            None
        }
        Some(Keyword::Start) => {
            state
                .store
                .set_sms_opt_out(from, false, "start", now)
                .await?;
            tracing::info!("a number opted back in to SMS");
            None
        }
        Some(Keyword::Help(language)) => Some(help(&state, from, language).await?),
        Some(keyword @ (Keyword::Yes | Keyword::No)) => match &pending {
            Some(p) => {
                let a = if keyword == Keyword::Yes {
                    Answer::Yes
                } else {
                    Answer::No
                };
                Some(answer_sms(&state, p, a, message_sid, now).await?)
            }
            None => Some(help(&state, from, None).await?),
        },
        None => match &pending {
            Some(p) => {
                Some(confirmation_answer(ConfirmationAnswer::Unclear, p.language).to_owned())
            }
            None => Some(help(&state, from, None).await?),
        },
    };
    Ok(twiml(reply.as_deref()))
}

/// The help text, in the language asked for, else the number's.
async fn help(
    state: &AppState,
    from: &str,
    language: Option<Language>,
) -> Result<String, ApiError> {
    let language = match language {
        Some(l) => l,
        None => state.store.phone_language(from).await?.unwrap_or_default(),
    };
    Ok(help_text(&state.config.town_name, language))
}

/// Records an SMS answer to a pending confirmation; returns the reply.
async fn answer_sms(
    state: &AppState,
    pending: &crate::db::PendingConfirmation,
    answer: Answer,
    message_sid: &str,
    now: crate::db::Timestamp,
) -> Result<String, ApiError> {
    let said = confirmations::answer(
        &state.store,
        &state.config.area_codes,
        pending,
        answer,
        ConfirmedVia::SmsReply,
        message_sid,
        now,
    )
    .await?;
    Ok(confirmation_answer(said, pending.language).to_owned())
}

/// TwiML that says `text` and hangs up.
fn say(text: &str, language: Language) -> Response {
    xml(&format!(
        "<Response>{}{}</Say></Response>",
        say_tag(language),
        xml_escape(text)
    ))
}

/// `POST /v1/twilio/gather`: the key pressed during a confirmation call.
#[utoipa::path(
    post,
    path = "/v1/twilio/gather",
    tag = "twilio",
    params(
        ("X-Twilio-Signature" = String, Header,
         description = "HMAC-SHA1 of `BORNE_PUBLIC_URL` + path and the sorted form fields, with Twilio's auth token"),
    ),
    request_body(
        content = GatherForm,
        content_type = "application/x-www-form-urlencoded",
    ),
    responses(
        (status = 200, description = "TwiML: what the call says next (confirmed, refused, or the question again)", body = String, content_type = "text/xml"),
        (status = 400, description = "`request.malformed` (not form-encoded, or a NUL in a field) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 403, description = "`webhook.bad_signature`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: Twilio is not the configured provider", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn gather(
    State(state): State<AppState>,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiForm(params): ApiForm<Params>,
) -> Result<Response, ApiError> {
    verify(&state, &uri, &headers, &params)?;
    let call_sid = param(&params, "CallSid").unwrap_or_default();
    let digits = param(&params, "Digits").unwrap_or_default();
    let pending = match call_sid {
        "" => None,
        sid => state.store.pending_confirmation_for_call(sid).await?,
    };
    let Some(pending) = pending else {
        return Ok(say(
            "Cette demande n'est plus en attente. Au revoir. This request is no longer waiting. Goodbye.",
            Language::Fr,
        ));
    };
    let Some(answer) = confirmations::key_answer(digits) else {
        // Another key: the question once more.
        let action = format!(
            "{}/v1/twilio/gather",
            state.config.public_url.as_deref().unwrap_or_default()
        );
        let text = confirmation_voice(&state.config.town_name, pending.language, false);
        return Ok(xml(&gather_twiml(&text, pending.language, &action)));
    };
    let said = confirmations::answer(
        &state.store,
        &state.config.area_codes,
        &pending,
        answer,
        ConfirmedVia::VoiceKey,
        call_sid,
        now(),
    )
    .await?;
    Ok(say(
        confirmation_answer(said, pending.language),
        pending.language,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_in_both_languages() {
        for stop in [
            "STOP",
            "stop",
            " Arrêt ",
            "ARRET.",
            "end",
            "Quit",
            "CANCEL",
            "unsubscribe",
        ] {
            assert_eq!(keyword(stop), Some(Keyword::Stop), "{stop}");
        }
        for start in ["START", "resume", "Unstop"] {
            assert_eq!(keyword(start), Some(Keyword::Start), "{start}");
        }
        assert_eq!(keyword("aide"), Some(Keyword::Help(Some(Language::Fr))));
        assert_eq!(keyword("HELP"), Some(Keyword::Help(Some(Language::En))));
        assert_eq!(keyword("info"), Some(Keyword::Help(None)));
        for yes in ["OUI", "oui", " Oui ", "o", "O.", "yes", "Y", "OUÏ"] {
            assert_eq!(keyword(yes), Some(Keyword::Yes), "{yes}");
        }
        for no in ["NON", "non", "n", "No"] {
            assert_eq!(keyword(no), Some(Keyword::No), "{no}");
        }
        assert_eq!(keyword("oui merci"), None);
        assert_eq!(keyword("stop please"), None);
        assert_eq!(keyword("merci"), None);
    }

    #[test]
    fn help_is_escaped_twiml() {
        let r = xml_escape("A & B <c>");
        assert_eq!(r, "A &amp; B &lt;c&gt;");
    }
}
