//! The seed corpus (`fuzz-corpus/<parser>/<name>`, one seed a file) and
//! the mutations proptest applies to its seeds. A seed's name starts with
//! `ok-` when the parser must accept it, `bad-` when it must refuse it.
//! Shared by the fuzz targets of `borne-domain` and `borne-protocol`.

use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;

/// One seed: its file name and its text (without the file's final
/// newline, when it has one).
#[derive(Debug, Clone)]
pub struct Seed {
    pub name: String,
    pub text: String,
}

impl Seed {
    /// Whether the parser must accept this seed (`ok-…`) or refuse it
    /// (`bad-…`).
    pub fn must_accept(&self) -> bool {
        assert!(
            self.name.starts_with("ok-") || self.name.starts_with("bad-"),
            "seed {} is named neither ok-… nor bad-…",
            self.name
        );
        self.name.starts_with("ok-")
    }
}

/// The seeds of one parser, sorted by name.
pub fn seeds(manifest_dir: &str, parser: &str) -> Vec<Seed> {
    let dir = Path::new(manifest_dir).join("fuzz-corpus").join(parser);
    let mut seeds: Vec<Seed> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Seed {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                text: text.strip_suffix('\n').unwrap_or(&text).to_owned(),
            }
        })
        .collect();
    seeds.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(seeds.len() >= 5, "{}: too few seeds", dir.display());
    seeds
}

/// Characters that have broken text parsers: separators, digits of other
/// scripts, letters whose case changes their length, marks, controls.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '0', '1', '2', '9', '-', ' ', '+', '(', ')', '.', '@', '#', '/', '%', '_', 'x',
            'A', 'Z', 'D', 'G', 'H', 'J', 'W', 'é', 'É', 'ç', 'İ', 'ı', 'ß', 'Ⱥ', 'ﬃ', 'Σ',
            '٣', '５', '¹', '\u{0}', '\u{7}', '\t', '\n', '\u{a0}', '\u{2009}', '\u{200b}',
            '\u{202e}', '\u{feff}', '\u{301}', '\u{307}', '😀', '\u{10ffff}', '\u{fffd}',
        ]),
        1 => any::<char>(),
    ]
}

/// Edits to make to a seed: where, what, with which character.
pub fn edits() -> impl Strategy<Value = Vec<(Index, u8, char)>> {
    prop::collection::vec((any::<Index>(), 0u8..8, nasty_char()), 0..6)
}

/// `seed` with `edits` made to it: characters inserted, deleted,
/// replaced, their case flipped, the text cut, doubled, or a long run
/// inserted.
pub fn mutate(seed: &str, edits: &[(Index, u8, char)]) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for (at, op, c) in edits {
        let i = at.index(chars.len() + 1);
        match op {
            0 => chars.insert(i, *c),
            1 if i < chars.len() => {
                chars.remove(i);
            }
            2 if i < chars.len() => chars[i] = *c,
            3 if i < chars.len() => {
                let flipped: Vec<char> = if chars[i].is_uppercase() {
                    chars[i].to_lowercase().collect()
                } else {
                    chars[i].to_uppercase().collect()
                };
                chars.splice(i..=i, flipped);
            }
            4 => chars.truncate(i),
            5 => {
                let copy = chars.clone();
                chars.extend(copy);
            }
            6 => {
                for _ in 0..300 {
                    chars.insert(i, *c);
                }
            }
            _ => chars.insert(i, ' '),
        }
    }
    chars.into_iter().collect()
}
