//! The work each replica does besides answering requests: key maintenance, forgot-password requests, the mail
//! sender, the census of password-hash costs and pruning. Stopped with the server; undelivered mail and unhandled
//! requests stay in the database for the next start.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use tokio::task::JoinHandle;

use super::services::Services;
use crate::config::Config;
use crate::domain::password_reset::RequestHandling;
use crate::domain::passwords::PasswordHasher;
use crate::domain::registration;
use crate::domain::signing::KeyRing;
use crate::domain::signing::manager::KeyManager;
use crate::infra::clock::SharedClock;
use crate::state::AppState;
use crate::store::Store;

/// How often a replica looks for forgot-password requests when nothing wakes it (another replica's requests are
/// normally handled by that replica at once).
const RESET_REQUEST_POLL: Duration = Duration::from_secs(2);
/// How often the dummy hashes follow the stored hashes' costs.
const COST_CENSUS_INTERVAL: Duration = Duration::from_secs(600);

/// The background tasks of one replica.
pub(super) struct Background {
    maintenance: JoinHandle<()>,
    mail_sender: Option<JoinHandle<()>>,
    pruning: JoinHandle<()>,
    cost_census: JoinHandle<()>,
    reset_requests: Option<JoinHandle<()>>,
}

impl Background {
    pub(super) fn stop(self) {
        self.maintenance.abort();
        self.pruning.abort();
        self.cost_census.abort();
        for task in [self.mail_sender, self.reset_requests]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }

    /// Handles forgot-password requests off the request path: woken by each request, and every few seconds for
    /// any left over (a restart, another replica's). The answer to a request never waits for this, so its timing
    /// can't depend on the account; mails queued wake the sender.
    pub(super) fn handle_reset_requests(&mut self, state: web::Data<AppState>) {
        self.reset_requests = Some(tokio::spawn(async move {
            loop {
                let handling = RequestHandling {
                    store: &state.store,
                    master: &state.master,
                    throttle: &state.throttle,
                    settings: &state.reset,
                    letters: state.letters.as_ref(),
                };
                match handling.handle_requests(state.clock.now()).await {
                    Ok(0) => {}
                    Ok(_) => state.mail_wake.notify_one(),
                    Err(e) => {
                        tracing::warn!(error = %e, "forgot-password requests unavailable; will retry");
                    }
                }
                let registrations = registration::RequestHandling {
                    store: &state.store,
                    master: &state.master,
                    throttle: &state.throttle,
                    settings: &state.registration,
                    letters: state.letters.as_ref(),
                    metrics: &state.metrics,
                };
                match registrations.handle_requests(state.clock.now()).await {
                    Ok(0) => {}
                    Ok(_) => state.mail_wake.notify_one(),
                    Err(e) => {
                        tracing::warn!(error = %e, "registration requests unavailable; will retry");
                    }
                }
                tokio::select! {
                    () = state.reset_wake.notified() => {}
                    () = tokio::time::sleep(RESET_REQUEST_POLL) => {}
                }
            }
        }));
    }
}

/// Runs the key lifecycle's due steps once (e.g. a rotation that fell due while the service was down), then on its
/// schedule; starts the mail sender when a transport is configured, and pruning.
pub(super) async fn start(
    config: &Config,
    services: &Services,
    keys: &Arc<KeyRing>,
    clock: &SharedClock,
    mail_wake: &Arc<tokio::sync::Notify>,
) -> anyhow::Result<Background> {
    let manager = KeyManager {
        store: services.store.clone(),
        ring: keys.clone(),
        master: services.master.clone(),
        policy: services.policy,
        bits: config.key_bits,
        notices: services.notices.clone(),
        holder: uuid::Uuid::new_v4().to_string(),
        clock: clock.clone(),
    };
    if let Err(e) = manager.tick().await {
        tracing::warn!(error = %e, "initial key maintenance failed; the schedule will retry");
    }
    // Before the first request: unknown logins must cost what stored hashes cost from the start.
    follow_stored_costs(&services.store, &services.hasher).await;
    let maintenance = manager.spawn();
    let transport = crate::infra::mail::Transport::configure(
        config
            .smtp_url
            .as_ref()
            .map(super::super::values::secret::SecretString::expose),
        config.mail_dir.as_deref(),
    )?;
    let mail_sender = if let Some(transport) = transport {
        Some(
            crate::infra::mail::Sender {
                store: services.store.clone(),
                master: services.master.clone(),
                transport,
                from: config
                    .mail_from
                    .parse()
                    .map_err(|e| anyhow::anyhow!("mail_from: {e}"))?,
                clock: clock.clone(),
                wake: mail_wake.clone(),
            }
            .spawn(),
        )
    } else {
        tracing::warn!(
            "no smtp_url or mail_dir configured: password-reset mail waits in the outbox until one is"
        );
        None
    };
    Ok(Background {
        maintenance,
        mail_sender,
        pruning: spawn_pruning(services.store.clone(), clock.clone()),
        cost_census: spawn_cost_census(services.store.clone(), services.hasher.clone()),
        reset_requests: None,
    })
}

/// Counts the stored hashes' costs and makes the dummy hashes of unknown logins follow them (see
/// [`PasswordHasher::follow_stored_costs`]); on failure the dummies stay as they were.
async fn follow_stored_costs(store: &Store, hasher: &PasswordHasher) {
    let result = match store.password_hash_costs().await {
        Ok(costs) => hasher
            .follow_stored_costs(
                costs
                    .into_iter()
                    .map(|c| (c.head, u64::try_from(c.hashes).unwrap_or(0))),
            )
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot count the stored password-hash costs; will retry");
    }
}

/// Every [`COST_CENSUS_INTERVAL`], the dummies follow the stored costs again (users sign in and get rehashed).
fn spawn_cost_census(store: Store, hasher: PasswordHasher) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(COST_CENSUS_INTERVAL);
        interval.tick().await; // the first census ran at start
        loop {
            interval.tick().await;
            follow_stored_costs(&store, &hasher).await;
        }
    })
}

/// Every 10 minutes, deletes codes, sessions, reset tokens and sent mail that stopped mattering a day ago (several
/// replicas doing it at once is harmless).
fn spawn_pruning(store: Store, clock: SharedClock) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            interval.tick().await;
            match store.prune_expired(clock.now()).await {
                Ok(pruned) if pruned != crate::store::pruning::Pruned::default() => {
                    tracing::info!(?pruned, "pruned expired rows");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning failed; will retry"),
            }
        }
    })
}
