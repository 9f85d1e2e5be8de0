//! `/account`: the signed-in user's own page (issue 18). The profile, a password change, where the user is signed
//! in (revoke one, or sign out everywhere), the third-party applications the user allowed (withdraw one, issue 19),
//! a download of the user's data, the deletion of the account, and two-step verification (issue 20: an
//! authenticator app and its recovery codes).
//!
//! The page belongs to the browser's hosted session (the cookie the sign-in page sets). Without one it links the
//! account's own sign-in (`/login`: the sign-in form without an application, which creates the hosted session and
//! leads back here). Every form is a CSRF-checked POST from our own origin; a POST whose session has
//! ended meanwhile is sent (303) to `/account`, which then explains. A successful POST redirects (303) to
//! `/account` with a notice; a refused one shows the page again with the reason next to the form.

mod consents;
mod data;
mod devices;
mod page;
mod passkeys;
mod password;
mod profile;
mod session;
mod two_step;

pub use consents::revoke_consent;
pub use data::{delete, download};
pub use devices::{logout_everywhere, revoke};
pub use page::account_get;
pub use passkeys::{add_passkey, passkey_options, remove_passkey, rename_passkey};
pub use password::change_password;
pub use profile::{change_email, update_profile};
pub use two_step::{
    confirm as confirm_two_step, enrol_get as two_step_get, new_recovery_codes,
    remove as remove_two_step, start as start_two_step,
};
