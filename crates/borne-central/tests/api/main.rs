//! Black-box tests of the central server: a real server on port 0, a fresh
//! SQLite file, the console provider writing to a file.

mod garbage;
mod helpers;
mod kiosks;
mod limits;
mod login;
mod operations;
mod profile;
mod registrations;
mod residents;
mod signup;
mod twilio;
