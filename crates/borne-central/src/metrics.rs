//! Counters and gauges in the Prometheus text format (`GET /metrics`).
//! In-process counters count what this instance did; gauges about the
//! outbox and the breaker are read from the database, so every instance
//! reports the same shared state.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which cap refused a request.
pub const LIMITS: [&str; 7] = [
    "number_interval",
    "number_10_min",
    "number_day",
    "kiosk_hour",
    "login_delay",
    "kiosk_registrations",
    "sync_backlog",
];
/// How a delivery attempt ended.
pub const OUTCOMES: [&str; 6] = [
    "sent",
    "retry",
    "failed",
    "expired",
    "switched_to_voice",
    "cancelled",
];

/// What happened to a synced offline registration.
pub const INGESTS: [&str; 7] = [
    "created",
    "updated",
    "pending_change",
    "repeated",
    "rejected",
    "in_progress",
    "limited",
];

/// Where an ingest result is counted in [`INGESTS`] (`None`: not one).
pub fn ingest_slot(result: &str) -> Option<usize> {
    INGESTS.iter().position(|o| *o == result)
}

/// What the retention job purged.
pub const PURGES: [&str; 5] = [
    "unverified_accounts",
    "codes",
    "delivery_secrets",
    "sessions",
    "login_failures",
];

/// How an enrollment attempt ended.
pub const ENROLLMENTS: [&str; 2] = ["enrolled", "refused"];

#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests by route pattern (`/v1/deliveries/{id}`, never the raw
    /// path) and status.
    requests: std::sync::Mutex<std::collections::BTreeMap<(String, u16), u64>>,
    enrollments: [AtomicU64; 2],
    purged: [AtomicU64; PURGES.len()],
    rate_limited: [AtomicU64; LIMITS.len()],
    registrations: [AtomicU64; 7],
    deliveries: [AtomicU64; 6],
    /// Sends in the last hour over the average hour, ×1000.
    breaker_ratio_milli: AtomicU64,
}

impl Metrics {
    pub fn rate_limited(&self, limit: &str) {
        if let Some(i) = LIMITS.iter().position(|l| *l == limit) {
            self.rate_limited[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn delivery(&self, outcome: &str) {
        if let Some(i) = OUTCOMES.iter().position(|o| *o == outcome) {
            self.deliveries[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn registration(&self, result: &str) {
        if let Some(i) = ingest_slot(result) {
            self.registrations[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn request(&self, route: &str, status: u16) {
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry((route.to_owned(), status)).or_default() += 1;
    }

    pub fn purged(&self, p: &crate::db::Purged) {
        for (i, n) in [
            p.unverified_accounts,
            p.codes,
            p.delivery_secrets,
            p.sessions,
            p.login_failures,
        ]
        .into_iter()
        .enumerate()
        {
            self.purged[i].fetch_add(n, Ordering::Relaxed);
        }
    }

    pub fn enrollment(&self, result: &str) {
        if let Some(i) = ENROLLMENTS.iter().position(|o| *o == result) {
            self.enrollments[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn set_breaker_ratio(&self, ratio: f64) {
        let milli = (ratio * 1000.0).clamp(0.0, u64::MAX as f64) as u64;
        self.breaker_ratio_milli.store(milli, Ordering::Relaxed);
    }

    /// The text exposition, with the database-derived gauges given.
    pub fn render(
        &self,
        outbox_pending: i64,
        outbox_oldest_seconds: i64,
        breaker_paused: bool,
        kiosks_silent: i64,
    ) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP borne_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE borne_http_requests_total counter");
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "borne_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP borne_rate_limited_total Requests refused by a cap."
        );
        let _ = writeln!(out, "# TYPE borne_rate_limited_total counter");
        for (i, l) in LIMITS.iter().enumerate() {
            let n = self.rate_limited[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "borne_rate_limited_total{{limit=\"{l}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP borne_deliveries_total Delivery attempts by outcome."
        );
        let _ = writeln!(out, "# TYPE borne_deliveries_total counter");
        for (i, o) in OUTCOMES.iter().enumerate() {
            let n = self.deliveries[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "borne_deliveries_total{{outcome=\"{o}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP borne_registrations_total Offline registrations received from kiosks, by result."
        );
        let _ = writeln!(out, "# TYPE borne_registrations_total counter");
        for (i, r) in INGESTS.iter().enumerate() {
            let n = self.registrations[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "borne_registrations_total{{result=\"{r}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP borne_kiosk_enrollments_total Kiosk enrollment attempts, by result."
        );
        let _ = writeln!(out, "# TYPE borne_kiosk_enrollments_total counter");
        for (i, r) in ENROLLMENTS.iter().enumerate() {
            let n = self.enrollments[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "borne_kiosk_enrollments_total{{result=\"{r}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP borne_retention_purged_total What the retention job removed, by kind."
        );
        let _ = writeln!(out, "# TYPE borne_retention_purged_total counter");
        for (i, k) in PURGES.iter().enumerate() {
            let n = self.purged[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "borne_retention_purged_total{{kind=\"{k}\"}} {n}");
        }
        let ratio = self.breaker_ratio_milli.load(Ordering::Relaxed) as f64 / 1000.0;
        let _ = writeln!(out, "# HELP borne_cost_breaker_ratio Sends in the last hour over the average hour of the last 7 days.");
        let _ = writeln!(out, "# TYPE borne_cost_breaker_ratio gauge");
        let _ = writeln!(out, "borne_cost_breaker_ratio {ratio}");
        let _ = writeln!(
            out,
            "# HELP borne_cost_breaker_paused 1 while automatic sends are paused."
        );
        let _ = writeln!(out, "# TYPE borne_cost_breaker_paused gauge");
        let _ = writeln!(
            out,
            "borne_cost_breaker_paused {}",
            u8::from(breaker_paused)
        );
        let _ = writeln!(
            out,
            "# HELP borne_outbox_pending Deliveries waiting to be sent."
        );
        let _ = writeln!(out, "# TYPE borne_outbox_pending gauge");
        let _ = writeln!(out, "borne_outbox_pending {outbox_pending}");
        let _ = writeln!(
            out,
            "# HELP borne_outbox_oldest_seconds Age of the oldest waiting delivery."
        );
        let _ = writeln!(out, "# TYPE borne_outbox_oldest_seconds gauge");
        let _ = writeln!(out, "borne_outbox_oldest_seconds {outbox_oldest_seconds}");
        let _ = writeln!(
            out,
            "# HELP borne_kiosks_silent Enrolled kiosks without a heartbeat for longer than BORNE_KIOSK_SILENT_SECONDS."
        );
        let _ = writeln!(out, "# TYPE borne_kiosks_silent gauge");
        let _ = writeln!(out, "borne_kiosks_silent {kiosks_silent}");
        out
    }
}
