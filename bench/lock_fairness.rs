//! Why the `SQLite` refresh grant's p99 collapsed at 32+ connections (issue: "tail latency collapses"): a measurement
//! of the writer lock the server used before, `futures_util::lock::Mutex`, against the FIFO hand-off that replaced
//! it (a channel to one writer thread), under the same shape of load: N tasks on a 2-worker runtime, each holding
//! the lock ~0.1 ms (a write transaction) and then working ~0.3 ms without it (an RS256 signature).
//!
//!     cargo run --release --example lock_fairness [TASKS] [SECONDS]
//!
//! Prints, per variant, the acquisitions per second and the p50/p99/max wait for the lock. `futures_util`'s mutex
//! wakes the waiter in the lowest occupied slot of its slab on every unlock, and freed slots are reused first, so
//! under constant contention a waiter parked in a high slot is passed over again and again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

const HOLD: Duration = Duration::from_micros(100);
const WORK: Duration = Duration::from_micros(300);

fn percentiles(mut waits: Vec<Duration>) -> (Duration, Duration, Duration) {
    waits.sort();
    let at = |q: f64| waits[((waits.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99), *waits.last().unwrap_or(&Duration::ZERO))
}

/// Runs `tasks` tasks for `run_for`, each looping: `acquire` (returns how long it waited for the lock, then holds
/// it for HOLD), then WORK outside it. Returns every wait.
async fn measure<F, Fut>(tasks: usize, run_for: Duration, acquire: F) -> Vec<Duration>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Option<Duration>> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (acquire, stop) = (acquire.clone(), stop.clone());
            tokio::spawn(async move {
                let mut waits = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    waits.extend(acquire().await);
                    spin(WORK);
                    tokio::task::yield_now().await;
                }
                waits
            })
        })
        .collect();
    tokio::time::sleep(run_for).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap_or_default());
    }
    all
}

async fn futures_mutex(tasks: usize, run_for: Duration) -> Vec<Duration> {
    let lock = Arc::new(futures_util::lock::Mutex::new(()));
    measure(tasks, run_for, move || {
        let lock = lock.clone();
        async move {
            let asked = Instant::now();
            let guard = lock.lock().await;
            let waited = asked.elapsed();
            spin(HOLD);
            drop(guard);
            Some(waited)
        }
    })
    .await
}

async fn writer_thread(tasks: usize, run_for: Duration) -> Vec<Duration> {
    type Job = Box<dyn FnOnce() + Send>;
    let (jobs, queue) = std::sync::mpsc::channel::<Job>();
    std::thread::spawn(move || {
        while let Ok(job) = queue.recv() {
            job();
        }
    });
    measure(tasks, run_for, move || {
        let jobs = jobs.clone();
        async move {
            let asked = Instant::now();
            let (done, started) = tokio::sync::oneshot::channel();
            let _ = jobs.send(Box::new(move || {
                let _ = done.send(asked.elapsed());
                spin(HOLD);
            }));
            started.await.ok()
        }
    })
    .await
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let tasks = args.first().copied().unwrap_or(32);
    let run_for = Duration::from_secs(args.get(1).copied().unwrap_or(5) as u64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    for (name, waits) in [
        (
            "futures_util::lock::Mutex",
            runtime.block_on(futures_mutex(tasks, run_for)),
        ),
        (
            "FIFO channel to a writer thread",
            runtime.block_on(writer_thread(tasks, run_for)),
        ),
    ] {
        let n = waits.len();
        let (p50, p99, max) = percentiles(waits);
        println!(
            "{name:32} tasks={tasks} acquisitions/s={:>7.0} wait p50={p50:>9.2?} p99={p99:>9.2?} max={max:>9.2?}",
            n as f64 / run_for.as_secs_f64()
        );
    }
}
