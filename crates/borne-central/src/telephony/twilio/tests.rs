//! The TwiML writer's own rules (private); the provider's requests and
//! answers are tested through its public API in `tests/api/twilio_provider.rs`.

use super::*;

#[test]
fn twiml_keeps_one_say_when_the_text_does_not_repeat() {
    assert_eq!(
        twiml("Votre code : 1, 2, 3.", Language::Fr),
        "<Response><Pause length=\"1\"/><Say language=\"fr-CA\" voice=\"Polly.Chantal\">\
         Votre code : 1, 2, 3.</Say></Response>"
    );
    // The marker at the very start leaves nothing before it to split off.
    assert_eq!(
        twiml("I repeat: 1", Language::En).matches("<Say").count(),
        1
    );
}
