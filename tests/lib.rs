//! Nothing here: the end-to-end test lives in `e2e.rs`.
