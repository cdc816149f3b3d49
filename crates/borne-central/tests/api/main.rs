//! Black-box tests of the central server: a real server on port 0, a fresh
//! database (an SQLite file, or a PostgreSQL database when
//! `BORNE_TEST_ENGINE=postgres`: the same suite is the engines' conformance
//! suite), the console provider writing to a file.

mod confirmations;
mod console;
mod garbage;
mod hardening;
mod helpers;
mod instances;
mod kiosks;
mod limits;
mod login;
mod operations;
mod privacy;
mod profile;
mod registrations;
mod residents;
mod sessions;
mod signup;
mod twilio;
mod twilio_provider;
mod updates;
