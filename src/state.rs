//! What every request handler shares, injected as `web::Data<AppState>` (never global).

use std::sync::Arc;

use crate::passwords::PasswordHasher;
use crate::signing::{KeyRing, MasterKey};
use crate::store::Store;
use crate::tokens::TokenSettings;

pub struct AppState {
    pub store: Store,
    pub keys: Arc<KeyRing>,
    pub master: Arc<MasterKey>,
    pub hasher: PasswordHasher,
    pub tokens: TokenSettings,
    /// `Cache-Control: max-age` of the JWKS, in seconds.
    pub jwks_max_age: u64,
}
