# Latchkey: the texts of the hosted pages and mails, English (the reference every other language is checked against).
#
# Keys are the fields of `Messages` in src/pages/messages.rs with `_` written as `-`. Every message may use:
#   $product            the product name (setting `product_name`)
#   $reset_ttl          how long a password reset link works (`password_reset_ttl`), worded by `duration`
#   $verification_ttl   how long an email confirmation link works (`email_verification_ttl`)
#   $invitation_ttl     how long an invitation link works (`invitation_ttl`)
# Operators override any message from a file of their own (see "Languages and overrides" in the README).

## How a link's lifetime is worded ($count whole $unit: minute, hour or day).
duration = { $unit ->
    [day] { $count ->
        [one] 1 day
       *[other] { $count } days
    }
    [hour] { $count ->
        [one] 1 hour
       *[other] { $count } hours
    }
   *[minute] { $count ->
        [one] 1 minute
       *[other] { $count } minutes
    }
}

## Sign-in
sign-in-title = Sign in
sign-in-heading = Sign in
sign-in-to = to continue to
username-label = Email or username
password-label = Password
sign-in-button = Sign in
bad-credentials = The email, username or password is not right. Check them and try again.
unverified-email = Confirm your email address first: open the link we sent you. No message? Ask for a new link.
forgot-link = Forgot your password?
register-link = Create an account
resend-link = Send a new confirmation link
continue-link = Continue
sign-in-link = Sign in

## Errors
error-title = Something went wrong
error-heading = This sign-in link can't be used
error-unknown-client = The application that sent you here is not registered with this sign-in service.
error-bad-redirect-uri = The application that sent you here asked to return to an address it has not registered, so you were not sent anywhere.
error-malformed = The sign-in request is malformed.
error-missing-client = The sign-in request does not say which application it comes from.
error-missing-redirect-uri = The sign-in request does not say where to return to.
error-form-expired = The form expired or was sent from another site. Go back to the application and start again.
error-unavailable = The sign-in service is temporarily unavailable. Try again in a few seconds.
error-too-many-attempts = Too many attempts. Wait a few minutes before you try again, or reset your password.
error-go-back = Go back to the application you came from and try again, or contact its support.
error-bad-id-token-hint = The sign-out request names a sign-in this service did not issue.

## Sign-out
logout-title = Sign out
logout-heading = Sign out?
logout-question = You will be signed out of this sign-in service and of the applications that use it on this device.
logout-button = Sign out
logged-out-title = Signed out
logged-out-heading = You are signed out
logged-out-text = You can close this window.

## Password reset
forgot-title = Reset your password
forgot-heading = Reset your password
forgot-intro = Enter the email address of your account. We will send you a link to choose a new password.
email-label = Email address
forgot-button = Send the link
forgot-sent-heading = Check your email
forgot-sent-text = If an account uses this address, a link to reset its password is on its way. The link works once, for { $reset_ttl }.
reset-title = Choose a new password
reset-heading = Choose a new password
new-password-label = New password
new-password-hint = At least 8 characters. A long phrase is easier to remember and harder to guess.
confirm-password-label = New password again
reset-button = Set the new password
reset-mismatch = The two passwords are not the same.
reset-too-short = The password must be at least 8 characters long.
reset-too-long = The password must be at most 1024 bytes long.
reset-common = This password is one of the most commonly used ones. Choose another.
reset-invalid-link = This link has expired or was already used. Ask for a new one.
reset-done-heading = Your password is changed
reset-done-text = You were signed out everywhere. Go back to your application and sign in with the new password.

## Registration and email confirmation
register-title = Create an account
register-heading = Create an account
register-intro = We will send a link to your email address to confirm that it is yours.
register-button = Create the account
register-password-again-label = Password again
register-closed = You can't create an account here. Ask your administrator for an invitation.
register-domain-not-allowed = Accounts can't be created with addresses of this domain. Use your work address.
register-invalid-email = Enter an email address, such as name@example.org.
register-sent-heading = Check your email
register-sent-text = We sent a message to the address you entered. Open the link in it within { $verification_ttl } to confirm your address and finish creating your account.
have-account-link = Already have an account? Sign in
verify-title = Confirm your email address
verify-heading = Confirm your email address
verify-intro = Confirm that this address is yours to finish setting up your account.
verify-button = Confirm my address
verify-invalid-link = This link has expired or was already used. Ask for a new one.
verify-done-heading = Your address is confirmed
verify-done-text = Your account is ready. Sign in to continue.
resend-title = Confirm your email address
resend-heading = Get a new confirmation link
resend-intro = Enter the email address of your account. If it still needs confirming, we will send a new link.
resend-button = Send the link
resend-sent-text = If this address has an account that still needs confirming, a new link is on its way.

## Invitations
invitation-title = Accept your invitation
invitation-heading = Accept your invitation
invitation-intro = Choose a password to create your account for
invitation-username-label = Username (optional)
invitation-username-hint = Up to 64 letters, digits and . _ - ~. You can also sign in with your email address.
invitation-button = Create my account
invitation-invalid-link = This invitation has expired, was already used or was withdrawn. Ask the person who invited you for a new one.
invitation-username-taken = This username is taken. Choose another, or leave it empty.
invitation-username-invalid = A username is up to 64 letters, digits and . _ - ~.
invitation-done-heading = Your account is ready
invitation-done-text = Your address is confirmed and your account is ready. Go to your application and sign in.

## The account page
account-title = Your account
account-heading = Your account
account-signed-out-heading = Sign in to see your account
account-signed-out-text = Your account page opens once you are signed in on this browser. Sign in through the application you use (it sends you to this service's sign-in page), then come back to this address. Forgot your password? Reset it from the sign-in page.
account-profile-heading = Profile
account-email-label = Email address
account-email-verified = confirmed
account-email-unverified = not confirmed yet
account-username-label = Username
account-no-username = none
account-created-label = Account created
account-two-step-heading = Two-step verification
# Passkeys (issue 20).
passkey-sign-in-button = Sign in with a passkey
passkey-failed = Your passkey could not be used. Try again, or sign in with your password.
passkey-sign-in-failed = That passkey didn't sign you in. Try again, or sign in with your password.
account-passkeys-heading = Passkeys
account-passkeys-text = A passkey signs you in with your device's screen lock (fingerprint, face or PIN) instead of your password. When you sign in with your password, a passkey also serves as your second step.
account-passkeys-none = You have no passkeys yet.
account-passkey-never-used = never
account-passkey-name-label = Name of the new passkey
account-passkey-name-hint = For example the device it is on, such as “Work laptop”.
account-passkey-add-button = Add a passkey
account-passkey-rename-label = New name
account-passkey-rename-button = Rename
account-passkey-remove-button = Remove
account-passkey-remove-password-label = Your password (needed to remove your last passkey)
account-passkey-added = Your passkey is added. Next time you can sign in with it.
account-passkey-renamed = The passkey is renamed.
account-passkey-removed = The passkey is removed. It can't sign you in any more.
account-passkey-failed = The passkey was not added. Try again.
account-passkey-exists = This passkey is registered already.
account-passkey-bad-name = Give the passkey a name of 1 to 64 characters.
account-passkey-gone = That passkey doesn't exist any more.
account-two-step-text = A code from an authenticator app, asked for after your password, keeps your account safe even if someone learns your password.
account-password-heading = Change your password
account-current-password-label = Current password
account-password-button = Change the password
account-wrong-password = The current password is not right.
account-password-changed = Your password is changed. You stay signed in on this browser; every other session and app was signed out.
account-devices-heading = Where you are signed in
account-browser-sessions = Browser sessions
account-app-sessions = Apps
account-this-browser = This browser
account-browser = Browser
account-created-column = Signed in
account-last-used-column = Last used
account-source-column = From
account-never-used = not yet
account-app-column = App
account-revoke-button = Sign out
account-revoke-label = Sign out this session
account-none = None.
account-revoked = That session is signed out.
account-unknown-session = That session is not one of yours, or it has already ended.
account-logout-everywhere-text = Sign out on every browser and in every app, this one included.
account-logout-everywhere-button = Sign out everywhere
account-logged-out-everywhere-heading = You are signed out everywhere
account-logged-out-everywhere-text = Nobody is signed in to your account any more, on any browser or app. Sign in again through your application.
account-data-heading = Your data
account-data-text = Download what this service holds about you: your profile, where you are signed in, and the record of changes to your account, as a JSON file.
account-data-link = Download my data
account-delete-heading = Delete your account
account-delete-text = This deletes your account for good and signs you out everywhere. It can't be undone.
account-delete-password-label = Your password
account-delete-button = Delete my account
account-deletion-off = Accounts can't be deleted here. Ask your administrator.
account-deleted-heading = Your account is deleted
account-deleted-text = Your account is gone and you are signed out everywhere. You can close this window.

## Mail: each has a subject, the paragraph before its link, the link's button label (HTML), and the paragraph after.
mail-link-hint = If the button does not work, copy this address into your browser:
mail-signature = This message was sent by { $product }. Replies to it are not read.
reset-mail-subject = { $product }: Reset your password
reset-mail-text = Someone (we hope you) asked to reset the password of your account. To choose a new password, open this link within { $reset_ttl }:
reset-mail-button = Choose a new password
reset-mail-footer = If you did not ask for this, ignore this message: your password stays as it is.
password-changed-mail-subject = { $product }: Your password was changed
password-changed-mail-text = The password of your account was just changed, and every session was signed out.
password-changed-mail-footer = If you did not do this, reset your password at once and contact your administrator.
verify-mail-subject = { $product }: Confirm your email address
verify-mail-text = Welcome! To confirm that this address is yours and finish creating your account, open this link within { $verification_ttl }:
verify-mail-button = Confirm my address
verify-mail-footer = If you did not create an account, ignore this message.
exists-mail-subject = { $product }: Someone tried to create an account with your address
exists-mail-text = Someone (maybe you) tried to create a new account with this email address, which already has one. No new account was created. If it was you and you forgot your password, reset it here:
exists-mail-button = Reset my password
exists-mail-footer = If it was not you, you can ignore this message.
invitation-mail-subject = { $product }: You are invited
invitation-mail-text = You are invited to create an account. To choose your password, open this link within { $invitation_ttl }:
invitation-mail-button = Accept the invitation
invitation-mail-footer = If you did not expect this invitation, ignore this message.
account-changed-mail-subject = { $product }: Your password was changed
account-changed-mail-text = The password of your account was just changed on the account page. The browser that changed it stays signed in; every other session and app was signed out.
account-changed-mail-footer = If you did not do this, reset your password at once and contact your administrator.

## The profile and address change (issue 18)
account-display-name-label = Display name
account-display-name-hint = How applications greet you. Leave it empty to show none.
account-no-display-name = none
account-profile-button = Save profile
account-profile-saved = Your profile is saved.
account-display-name-invalid = A display name is at most 100 characters.
account-email-heading = Change your email address
account-new-email-label = New email address
account-email-password-label = Your password
account-email-button = Send a confirmation link
account-email-pending = We sent a confirmation link to { $email }. Your address changes when you open it there.
account-email-sent = Check the new address's inbox: your address changes when you open the link we sent there.
account-email-same = That is already your address.
account-email-throttled = Too many confirmation links were sent for your account. Try again in a while.
verify-change-intro = Confirm that this address is yours to make it your account's new address.
verify-changed-heading = Your new address is confirmed
verify-changed-text = Your account now uses this address. Sign in with it from now on.
verify-taken-heading = This address can't be used
verify-taken-text = This address already belongs to another account, so your account keeps its old address. Sign in to that other account, or choose another address on your account page.
change-mail-subject = { $product }: Confirm your new email address
change-mail-text = Someone (we hope you) asked to use this address for their account. To confirm it, open this link within { $verification_ttl }:
change-mail-button = Confirm my new address
change-mail-footer = Until then the account keeps its old address. If you did not ask for this, ignore this message.
address-changed-mail-subject = { $product }: Your email address was changed
address-changed-mail-text = The email address of your account was just changed to { $email }. This address gets no more mail about your account.
address-changed-mail-footer = If you did not do this, contact your administrator at once.

## Client display metadata and consent (issue 19)
back-to-app = Back to { $app }
app-policy-link = { $app } privacy policy
app-terms-link = { $app } terms of service
consent-title = Allow access
consent-heading = { $app } wants to access your account
consent-signed-in-as = Signed in as
consent-intro = If you allow it, { $app } will be able to:
consent-scope-openid = Know who you are: your account's identifier
consent-scope-profile = See your username and profile details
consent-scope-email = See your email address
consent-scope-offline-access = Keep this access when you are not using it
consent-withdraw-hint = You can withdraw this access at any time on your account page.
consent-allow-button = Allow
consent-deny-button = Deny
error-consent-mismatch = This consent form belongs to another sign-in. Go back to the application and start again.
account-connected-heading = Connected applications
account-connected-text = Applications from other publishers that you allowed to access your account. Removing one ends its access at once; it has to ask you again.
account-connected-access = Access
account-connected-since = Allowed
account-connected-remove-button = Remove access
account-connected-removed = The application no longer has access to your account.
account-connected-unknown = That application is not connected to your account.

## Every page has a next step (issue 19)
footer-label = Legal and help
footer-terms = Terms
footer-privacy = Privacy
footer-support = Help
show-password = Show password
hide-password = Hide password
caps-lock-on = Caps Lock is on.
error-expired-heading = This form has expired
error-expired-text = For your safety, a form works only for a while and only on this site. Open the page again and repeat what you did.
error-throttled-heading = Too many attempts
error-throttled-text = Too many attempts were made. Try again in { $wait }. If you have forgotten your password, reset it now: a new password works at once.
wait-seconds = { $n } seconds
wait-one-minute = 1 minute
wait-minutes = { $n } minutes
error-unavailable-heading = Temporarily unavailable
try-again-link = Try again
error-link-heading = This link can't be used
send-new-link = Send a new link
error-not-found-heading = Page not found
error-not-found-text = There is no page at this address. Check the address, or go to your account.
error-method-heading = This page can't be used this way
error-method-text = This address does not accept this kind of request. Open the page again from its link.
error-not-available-heading = Not available here
account-link = Go to your account
reset-password-link = Reset your password
sign-in-expired-notice = Nothing was sent: the page was open for a long time, or you signed in or out in another tab. Enter your password again.
signed-in-as = Signed in as
signed-in-as-advice = Enter your password again to continue, or sign in with another account.
disabled-hint = If your account was disabled, contact your administrator.
account-sign-in-to = to see your account
back-to-sign-in-link = Back to sign-in
send-again-link = No message? Send it again
reset-done-continue-text = You were signed out everywhere. Sign in with your new password to continue.
logout-signed-in-as = You are signed in as
cancel-link = Cancel
logged-out-next-text = You are signed out on this device. To use an application again, sign in.
sign-in-again-link = Sign in again
account-signed-out-next-text = Sign in to see your profile, change your password and see where you are signed in.

## Second factors (issue 20)
two-step-title = Two-step verification
two-step-heading = Enter your verification code
two-step-text = Open the authenticator app on your phone and enter the 6-digit code it shows for this account.
two-step-code-label = Verification code
two-step-verify-button = Verify
two-step-trust-label = Trust this browser: skip this step on it for a while
two-step-recovery-heading = Lost your phone?
two-step-recovery-text = Enter one of the recovery codes you saved when you set up two-step verification. Each code works once.
two-step-recovery-label = Recovery code
two-step-recovery-button = Use recovery code
two-step-wrong-code = That code is not right, or it was already used. Enter the next code your app shows.
two-step-ended = Too many wrong codes, or the time to enter one ran out. Please sign in again.
two-step-other-account-link = Sign in with another account
two-step-passkey-heading = Use your passkey
two-step-passkey-instead-heading = Or use a passkey
two-step-passkey-text = Confirm it's you with a passkey you added to this account: your device asks for its screen lock (fingerprint, face or PIN).
two-step-passkey-button = Use a passkey
two-step-passkey-failed = That passkey didn't confirm your sign-in. Try again, or use another way on this page.
two-step-passkey-unsupported = This browser can't use passkeys. Use another way on this page, or sign in on a device that has your passkey.
enrol-title = Set up two-step verification
enrol-required-text = Your account needs two-step verification before you can continue. Setting it up takes a minute.
enrol-steps = Scan the QR code with an authenticator app (for example on your phone), or type the key into it by hand. Then enter the 6-digit code the app shows.
enrol-qr-label = QR code for your authenticator app
enrol-key-label = Key (if you can't scan the code)
enrol-confirm-button = Turn on two-step verification
enrol-passkey-heading = Or add a passkey instead
enrol-passkey-text = No app needed: your device's screen lock (fingerprint, face or PIN) then confirms your sign-ins, and the passkey can also sign you in on its own.
recovery-codes-title = Your recovery codes
recovery-codes-text = If you lose your phone, each of these codes lets you sign in once instead of a verification code. Print them or store them in your password manager now: they are shown only this once.
account-two-step-on = Two-step verification is on: after your password, you are asked for a code from your authenticator app.
account-two-step-codes-left = Unused recovery codes:
account-two-step-setup-button = Set up an authenticator app
account-two-step-regenerate-button = Get new recovery codes
account-two-step-remove-button = Remove the authenticator app
account-two-step-password-hint = Enter your password to change two-step verification.
account-two-step-removed = Your authenticator app and its recovery codes are removed. We sent a notice to your email address.
recovery-used-mail-subject = { $product }: A recovery code was used to sign in
recovery-used-mail-text = A recovery code was just used instead of a verification code to sign in to your account. If this was you, consider getting new recovery codes on your account page.
recovery-used-mail-footer = If this was not you, change your password at once and contact your administrator.
factor-added-mail-subject = { $product }: A way to confirm sign-ins was added to your account
factor-added-app-mail-text = An authenticator app was set up for two-step verification on your account: its codes now confirm your sign-ins.
factor-added-passkey-mail-text = A passkey named “{ $name }” was added to your account: it can now sign you in.
factor-added-mail-footer = If this was not you, change your password at once, remove it on your account page and contact your administrator.
two-step-removed-mail-subject = { $product }: Your authenticator app was removed
two-step-removed-mail-text = Your authenticator app and its recovery codes were removed from your account on the account page: they no longer confirm a sign-in. Unless you have a passkey, signing in now needs only your password.
two-step-removed-mail-footer = If this was not you, change your password at once, set up two-step verification again and contact your administrator.
two-step-reset-mail-subject = { $product }: Your two-step verification was reset
two-step-reset-mail-text = An administrator removed your authenticator app, your recovery codes and your passkeys. You can set up two-step verification and add passkeys again on your account page.
two-step-reset-mail-footer = If you did not ask for this, contact your administrator.
