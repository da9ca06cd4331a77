//! Progress on stderr while an import runs: on a terminal a bar (rows,
//! requests, refusals, time spent waiting for the rate limit, an ETA from the
//! pacing); otherwise a line every few seconds. Never silent for long, also
//! while the client waits for the rate limit.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use feishu_perf_cli::batch::Event;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// How often a line is printed when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The client's pacing, as the progress display sees it: time spent waiting
/// for the rate limit, and until when it is waiting now. Fed by the client's
/// `pacing` tracing events.
#[derive(Debug, Default)]
pub struct Pacing {
    waited: Duration,
    waiting_until: Option<Instant>,
}

fn pacing() -> &'static Mutex<Pacing> {
    static PACING: OnceLock<Mutex<Pacing>> = OnceLock::new();
    PACING.get_or_init(Mutex::default)
}

/// Listens to the client's pacing events (once per process).
pub fn watch_pacing() {
    let subscriber = tracing_subscriber::registry().with(PacingLayer);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

struct PacingLayer;

impl<S: Subscriber> Layer<S> for PacingLayer {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == "feishu_perf::pacing" {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct WaitMs(Option<u64>);
        impl Visit for WaitMs {
            fn record_u64(&mut self, field: &Field, value: u64) {
                if field.name() == "wait_ms" {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
        }
        let mut wait = WaitMs(None);
        event.record(&mut wait);
        if let Some(ms) = wait.0 {
            let wait = Duration::from_millis(ms);
            let mut p = pacing().lock().unwrap_or_else(|e| e.into_inner());
            p.waited += wait;
            p.waiting_until = Some(Instant::now() + wait);
        }
    }
}

/// What the run has done so far.
#[derive(Debug)]
struct State {
    total_rows: usize,
    done_rows: usize,
    refused_rows: usize,
    requests: usize,
    planned_requests: usize,
    /// Calls allowed per window, and the window (when paced).
    rate: Option<(u32, Duration)>,
    started: Instant,
    waited_before: Duration,
}

impl State {
    fn eta(&self) -> Option<Duration> {
        let remaining = self.planned_requests.saturating_sub(self.requests);
        if remaining == 0 {
            return None;
        }
        match self.rate {
            Some((calls, window)) => Some(window.mul_f64(remaining as f64 / f64::from(calls))),
            None if self.requests > 0 => Some(
                self.started
                    .elapsed()
                    .mul_f64(remaining as f64 / self.requests as f64),
            ),
            None => None,
        }
    }

    fn line(&self) -> String {
        let p = pacing().lock().unwrap_or_else(|e| e.into_inner());
        let waited = p.waited.saturating_sub(self.waited_before);
        let now = Instant::now();
        let waiting = p
            .waiting_until
            .filter(|t| *t > now)
            .map(|t| format!(", waiting {} for the rate limit", human(t - now)))
            .unwrap_or_default();
        let eta = self
            .eta()
            .map(|d| format!(", about {} left", human(d)))
            .unwrap_or_default();
        format!(
            "{} requests of {}, {} refused rows, {} waited for the rate limit{waiting}{eta}",
            self.requests,
            self.planned_requests,
            self.refused_rows,
            human(waited)
        )
    }
}

/// `1 h 02 min`, `3 min 20 s`, `12 s`, `0.4 s` (whole seconds from one second on).
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else if s >= 1 {
        format!("{s} s")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The progress display of one run.
pub struct Display {
    state: Arc<Mutex<State>>,
    bar: Option<ProgressBar>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Display {
    /// Starts showing the progress of `total_rows` rows in `planned_requests`
    /// requests, paced at `rate` (calls per window), on stderr.
    pub fn start(
        total_rows: usize,
        planned_requests: usize,
        rate: Option<(u32, Duration)>,
    ) -> Display {
        let waited_before = pacing().lock().map(|p| p.waited).unwrap_or_default();
        let state = Arc::new(Mutex::new(State {
            total_rows,
            done_rows: 0,
            refused_rows: 0,
            requests: 0,
            planned_requests,
            rate,
            started: Instant::now(),
            waited_before,
        }));
        let terminal = std::io::stderr().is_terminal();
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total_rows as u64),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template("{bar:20} {pos}/{len} rows [{elapsed}] {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        let ticker = {
            let state = state.clone();
            let bar = bar.clone();
            let every = if terminal {
                Duration::from_secs(1)
            } else {
                LINE_EVERY
            };
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(every);
                interval.tick().await;
                loop {
                    interval.tick().await;
                    let state = state.lock().unwrap_or_else(|e| e.into_inner());
                    match &bar {
                        Some(bar) => bar.set_message(state.line()),
                        None => crate::note!(
                            "progress: {}/{} rows done, {}",
                            state.done_rows,
                            state.total_rows,
                            state.line()
                        ),
                    }
                }
            })
        };
        Display {
            state,
            bar,
            ticker: Some(ticker),
        }
    }

    /// Takes an event from the engine.
    pub fn event(&self, event: &Event<'_>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::Sending { .. } => state.requests += 1,
            Event::Progress(p) => {
                state.done_rows = p.applied_rows + p.failed_rows;
                state.refused_rows = p.failed_rows;
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_position(state.done_rows as u64);
            bar.set_message(state.line());
        }
    }

    /// Time spent waiting for the rate limit during this run.
    pub fn waited(&self) -> Duration {
        let before = self
            .state
            .lock()
            .map(|s| s.waited_before)
            .unwrap_or_default();
        pacing()
            .lock()
            .map(|p| p.waited.saturating_sub(before))
            .unwrap_or_default()
    }

    /// Stops the display, clearing the bar.
    pub fn finish(mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(Duration::from_millis(400)), "0.4 s");
        assert_eq!(human(Duration::from_secs(12)), "12 s");
        assert_eq!(human(Duration::from_secs(200)), "3 min 20 s");
        assert_eq!(human(Duration::from_secs(3720)), "1 h 02 min");
    }

    #[test]
    fn the_eta_follows_the_pacing() {
        let state = State {
            total_rows: 10_000,
            done_rows: 0,
            refused_rows: 0,
            requests: 0,
            planned_requests: 200,
            rate: Some((10, Duration::from_secs(60))),
            started: Instant::now(),
            waited_before: Duration::ZERO,
        };
        assert_eq!(state.eta(), Some(Duration::from_secs(20 * 60)));
    }
}
