//! Voice guidance: the kiosk speaks through the operating system's speech
//! engine (speech-dispatcher with espeak-ng on Linux, SAPI/WinRT on
//! Windows, AVFoundation on macOS: the `tts` crate). The UI decides what to
//! say (`ui/src/voice.ts`); this side only speaks it, in the session's
//! language, interrupting what was being said.
//!
//! The engine lives on a thread of its own: `tts::Tts` is not thread-safe
//! (an `Rc` inside), and connecting to speech-dispatcher may take seconds
//! (or stall, without a sound device); neither may hold a command or the
//! window. The thread takes only the latest order, and connects on the
//! first utterance, so a kiosk where nobody turns guidance on never starts
//! the engine.
//!
//! Test hook (debug builds only): `BORNE_KIOSK_SPEECH_LOG` names a file
//! where every utterance is appended, one line each (`fr: …`), so that the
//! end-to-end test can assert the words spoken. Utterances carry screen
//! texts and labels, never what the resident typed (see voice.ts).

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use borne_protocol::Language;

/// The longest utterance taken (a screen's title and instructions fit).
const MAX_UTTERANCE: usize = 2_000;

enum Order {
    Say { text: String, language: Language },
    Stop,
}

/// What the speech thread does next: only the latest order. A resident
/// moving on makes what was to be said moot, and an engine that stalls
/// (speech-dispatcher without a sound device does) never piles work up.
#[derive(Default)]
struct Mailbox {
    next: Mutex<Option<Order>>,
    posted: Condvar,
}

impl Mailbox {
    fn post(&self, order: Order) {
        *self.next.lock().unwrap_or_else(PoisonError::into_inner) = Some(order);
        self.posted.notify_one();
    }

    fn take(&self) -> Order {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(order) = next.take() {
                return order;
            }
            next = self
                .posted
                .wait(next)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Voice guidance's side of the kiosk: orders go to the speech thread and
/// never wait for the engine.
pub struct Speech {
    mailbox: Arc<Mailbox>,
    /// The test hook (debug builds): every utterance, as asked.
    log: Option<PathBuf>,
}

impl Speech {
    /// Starts the speech thread (which connects to the engine only when
    /// first asked to speak).
    pub fn start() -> Self {
        let mailbox = Arc::new(Mailbox::default());
        let inbox = Arc::clone(&mailbox);
        let spawned = std::thread::Builder::new()
            .name("speech".into())
            .spawn(move || speak_orders(&inbox));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "voice guidance unavailable: no speech thread");
        }
        Self {
            mailbox,
            log: test_log(),
        }
    }

    /// Says `text` now, cutting what is being said.
    pub fn say(&self, text: String, language: Language) {
        let text: String = text.chars().take(MAX_UTTERANCE).collect();
        if let Some(path) = &self.log {
            record(path, language, &text);
        }
        self.mailbox.post(Order::Say { text, language });
    }

    /// Silence (guidance turned off, or the session wiped).
    pub fn stop(&self) {
        self.mailbox.post(Order::Stop);
    }
}

/// `fr`, `en`: the language tag's primary subtag, as voices list it.
fn tag(language: Language) -> &'static str {
    match language {
        Language::Fr => "fr",
        Language::En => "en",
    }
}

#[cfg(debug_assertions)]
fn test_log() -> Option<PathBuf> {
    std::env::var_os("BORNE_KIOSK_SPEECH_LOG").map(PathBuf::from)
}

#[cfg(not(debug_assertions))]
fn test_log() -> Option<PathBuf> {
    None
}

/// The speech thread: one engine, connected on the first utterance; if it
/// cannot be had, guidance stays silent (logged once) and the kiosk goes on.
fn speak_orders(inbox: &Mailbox) {
    let mut engine: Option<Engine> = None;
    let mut unavailable = false;
    loop {
        match inbox.take() {
            Order::Say { text, language } => {
                if engine.is_none() && !unavailable {
                    match Engine::connect() {
                        Ok(e) => engine = Some(e),
                        Err(e) => {
                            unavailable = true;
                            tracing::warn!(error = %e, "voice guidance: no speech engine");
                        }
                    }
                }
                if let Some(e) = engine.as_mut() {
                    if let Err(err) = e.say(&text, language) {
                        tracing::warn!(error = %err, "voice guidance: the engine refused an utterance");
                    }
                }
            }
            Order::Stop => {
                if let Some(e) = engine.as_mut() {
                    let _ = e.tts.stop();
                }
            }
        }
    }
}

fn record(path: &std::path::Path, language: Language, text: &str) {
    let line = format!("{}: {}\n", tag(language), text.replace('\n', " "));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        tracing::warn!(error = %e, "voice guidance: the test log cannot be written");
    }
}

/// The OS engine and the language its voice speaks.
struct Engine {
    tts: tts::Tts,
    language: Option<Language>,
}

impl Engine {
    fn connect() -> Result<Self, tts::Error> {
        Ok(Self {
            tts: tts::Tts::default()?,
            language: None,
        })
    }

    fn say(&mut self, text: &str, language: Language) -> Result<(), tts::Error> {
        if self.language != Some(language) {
            self.use_voice(language);
            self.language = Some(language);
        }
        self.tts.speak(text, true)?;
        Ok(())
    }

    /// A voice of the session's language, when the engine lists voices;
    /// otherwise its default voice.
    fn use_voice(&mut self, language: Language) {
        let Ok(voices) = self.tts.voices() else {
            return;
        };
        let wanted = tag(language);
        if let Some(voice) = voices
            .iter()
            .find(|v| v.language().primary_language() == wanted)
        {
            if let Err(e) = self.tts.set_voice(voice) {
                tracing::warn!(error = %e, "voice guidance: the voice cannot be chosen");
            }
        }
    }
}
