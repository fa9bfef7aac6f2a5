//! A live demo history: keeps adding interactions that start now, open, and closing them, so
//! the proxy's change feed has something to do (`ucs-demo-data --live`).

use crate::schema::insert_interaction;
use rusqlite::{params, Connection};
use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};
use ucs_plugin_api::ucs_model::chrono::{DateTime, FixedOffset, Utc};
use ucs_plugin_api::ucs_model::InteractionState;
use ucs_store_kit::demo::{demo_interaction, DEMO_SEED};

/// What the live writer has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveCounts {
    /// Interactions added (open, starting now).
    pub inserted: u64,
    /// Interactions closed.
    pub closed: u64,
}

/// Makes `rate` changes a second in the database at `path` — alternately a new open
/// interaction starting now and the closing of the oldest one it opened — until `keep_going`
/// says stop; `report` is called about once a second. With `contacts` (tenant, contact id), new
/// interactions belong to one of them in turn (a benchmark's queried contacts); otherwise to
/// the demo data's random ones.
pub fn run_live(
    path: &Path,
    rate: f64,
    contacts: &[(String, String)],
    mut keep_going: impl FnMut() -> bool,
    mut report: impl FnMut(LiveCounts),
) -> rusqlite::Result<LiveCounts> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(Duration::from_secs(5))?;
    let period = Duration::from_secs_f64(1.0 / rate.max(0.01));
    // Ids of their own: the generator's index far above any demo database's.
    let mut next = 1_000_000_000 + Utc::now().timestamp() as u64 * 1000;
    let mut open: VecDeque<String> = VecDeque::new();
    let mut counts = LiveCounts::default();
    let (started, mut reported) = (Instant::now(), Instant::now());
    let mut changes = 0u64;
    while keep_going() {
        let now = Utc::now();
        if changes % 2 == 1 && !open.is_empty() {
            let id = open.pop_front().expect("not empty");
            connection.execute(
                "UPDATE interactions SET state = ?1, end_ms = ?2, end_offset = 0 WHERE id = ?3",
                params![
                    InteractionState::Stopped.as_str(),
                    now.timestamp_millis(),
                    id
                ],
            )?;
            counts.closed += 1;
        } else {
            let (mut tenant, mut interaction) = demo_interaction(DEMO_SEED, next, now);
            if let Some((of, contact)) = contacts.get(next as usize % contacts.len().max(1)) {
                tenant.clone_from(of);
                interaction.contact_id = Some(contact.clone());
            }
            next += 1;
            interaction.start_date = now_to_the_second(now);
            interaction.end_date = None;
            interaction.state = InteractionState::New;
            insert_interaction(&connection, &tenant, &interaction)?;
            open.push_back(interaction.id);
            counts.inserted += 1;
        }
        changes += 1;
        if reported.elapsed() >= Duration::from_secs(1) {
            reported = Instant::now();
            report(counts);
        }
        let due = started + period.mul_f64(changes as f64);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    Ok(counts)
}

fn now_to_the_second(now: DateTime<Utc>) -> DateTime<FixedOffset> {
    DateTime::<Utc>::from_timestamp(now.timestamp(), 0)
        .unwrap_or(now)
        .fixed_offset()
}
