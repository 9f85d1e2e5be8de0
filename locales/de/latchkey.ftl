# Latchkey: die Texte der Anmeldeseiten und E-Mails, Deutsch (förmliche Anrede „Sie“).
# Schlüssel und Variablen wie in locales/en/latchkey.ftl.

## Wie die Gültigkeitsdauer eines Links genannt wird (im Satz: „… ist { $reset_ttl } lang gültig“).
duration = { $unit ->
    [day] { $count ->
        [one] 1 Tag
       *[other] { $count } Tage
    }
    [hour] { $count ->
        [one] 1 Stunde
       *[other] { $count } Stunden
    }
   *[minute] { $count ->
        [one] 1 Minute
       *[other] { $count } Minuten
    }
}

## Anmeldung
sign-in-title = Anmelden
sign-in-heading = Anmelden
sign-in-to = weiter zu
username-label = E-Mail-Adresse oder Benutzername
password-label = Passwort
sign-in-button = Anmelden
bad-credentials = E-Mail-Adresse, Benutzername oder Passwort sind nicht korrekt. Bitte prüfen Sie Ihre Angaben und versuchen Sie es erneut.
unverified-email = Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse: Öffnen Sie den Link, den wir Ihnen geschickt haben. Keine Nachricht erhalten? Fordern Sie einen neuen Link an.
forgot-link = Passwort vergessen?
register-link = Konto erstellen
resend-link = Neuen Bestätigungslink senden
continue-link = Weiter
sign-in-link = Anmelden

## Fehler
error-title = Etwas ist schiefgelaufen
error-heading = Dieser Anmeldelink kann nicht verwendet werden
error-unknown-client = Die Anwendung, die Sie hierher geschickt hat, ist bei diesem Anmeldedienst nicht registriert.
error-bad-redirect-uri = Die Anwendung, die Sie hierher geschickt hat, wollte Sie an eine Adresse zurückleiten, die sie nicht registriert hat. Deshalb wurden Sie nicht weitergeleitet.
error-malformed = Die Anmeldeanfrage ist fehlerhaft.
error-missing-client = Die Anmeldeanfrage gibt nicht an, von welcher Anwendung sie stammt.
error-missing-redirect-uri = Die Anmeldeanfrage gibt nicht an, wohin Sie zurückkehren sollen.
error-form-expired = Das Formular ist abgelaufen oder wurde von einer anderen Website gesendet. Kehren Sie zur Anwendung zurück und beginnen Sie erneut.
error-unavailable = Der Anmeldedienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es in ein paar Sekunden erneut.
error-too-many-attempts = Zu viele Versuche. Warten Sie einige Minuten, bevor Sie es erneut versuchen, oder setzen Sie Ihr Passwort zurück.
error-go-back = Kehren Sie zu der Anwendung zurück, von der Sie gekommen sind, und versuchen Sie es erneut, oder wenden Sie sich an deren Support.
error-bad-id-token-hint = Die Abmeldeanfrage nennt eine Anmeldung, die dieser Dienst nicht ausgestellt hat.

## Abmeldung
logout-title = Abmelden
logout-heading = Abmelden?
logout-question = Sie werden auf diesem Gerät von diesem Anmeldedienst und von den Anwendungen abgemeldet, die ihn nutzen.
logout-button = Abmelden
logged-out-title = Abgemeldet
logged-out-heading = Sie sind abgemeldet
logged-out-text = Sie können dieses Fenster jetzt schließen.

## Passwort zurücksetzen
forgot-title = Passwort zurücksetzen
forgot-heading = Passwort zurücksetzen
forgot-intro = Geben Sie die E-Mail-Adresse Ihres Kontos ein. Wir senden Ihnen einen Link, mit dem Sie ein neues Passwort wählen können.
email-label = E-Mail-Adresse
forgot-button = Link senden
forgot-sent-heading = Sehen Sie in Ihrem Postfach nach
forgot-sent-text = Falls ein Konto diese Adresse verwendet, ist ein Link zum Zurücksetzen des Passworts unterwegs. Der Link funktioniert einmal und ist { $reset_ttl } lang gültig.
reset-title = Neues Passwort wählen
reset-heading = Neues Passwort wählen
new-password-label = Neues Passwort
new-password-hint = Mindestens 8 Zeichen. Ein langer Satz ist leichter zu merken und schwerer zu erraten.
confirm-password-label = Neues Passwort wiederholen
reset-button = Neues Passwort festlegen
reset-mismatch = Die beiden Passwörter stimmen nicht überein.
reset-too-short = Das Passwort muss mindestens 8 Zeichen lang sein.
reset-too-long = Das Passwort darf höchstens 1024 Byte lang sein.
reset-common = Dieses Passwort gehört zu den am häufigsten verwendeten. Bitte wählen Sie ein anderes.
reset-invalid-link = Dieser Link ist abgelaufen oder wurde bereits verwendet. Bitte fordern Sie einen neuen an.
reset-done-heading = Ihr Passwort wurde geändert
reset-done-text = Sie wurden überall abgemeldet. Kehren Sie zu Ihrer Anwendung zurück und melden Sie sich mit dem neuen Passwort an.

## Registrierung und Bestätigung der E-Mail-Adresse
register-title = Konto erstellen
register-heading = Konto erstellen
register-intro = Wir senden einen Link an Ihre E-Mail-Adresse, um zu bestätigen, dass sie Ihnen gehört.
register-button = Konto erstellen
register-password-again-label = Passwort wiederholen
register-closed = Hier können Sie kein Konto erstellen. Bitten Sie Ihre Administration um eine Einladung.
register-domain-not-allowed = Mit Adressen dieser Domain können keine Konten erstellt werden. Verwenden Sie Ihre geschäftliche Adresse.
register-invalid-email = Geben Sie eine E-Mail-Adresse ein, zum Beispiel name@example.org.
register-sent-heading = Sehen Sie in Ihrem Postfach nach
register-sent-text = Wir haben eine Nachricht an die angegebene Adresse gesendet. Öffnen Sie den darin enthaltenen Link, um Ihre Adresse zu bestätigen und die Erstellung Ihres Kontos abzuschließen. Der Link ist { $verification_ttl } lang gültig.
have-account-link = Sie haben bereits ein Konto? Anmelden
verify-title = E-Mail-Adresse bestätigen
verify-heading = E-Mail-Adresse bestätigen
verify-intro = Bestätigen Sie, dass diese Adresse Ihnen gehört, um die Einrichtung Ihres Kontos abzuschließen.
verify-button = Meine Adresse bestätigen
verify-invalid-link = Dieser Link ist abgelaufen oder wurde bereits verwendet. Bitte fordern Sie einen neuen an.
verify-done-heading = Ihre Adresse ist bestätigt
verify-done-text = Ihr Konto ist bereit. Melden Sie sich an, um fortzufahren.
resend-title = E-Mail-Adresse bestätigen
resend-heading = Neuen Bestätigungslink anfordern
resend-intro = Geben Sie die E-Mail-Adresse Ihres Kontos ein. Falls sie noch bestätigt werden muss, senden wir Ihnen einen neuen Link.
resend-button = Link senden
resend-sent-text = Falls zu dieser Adresse ein Konto gehört, das noch bestätigt werden muss, ist ein neuer Link unterwegs.

## Einladungen
invitation-title = Einladung annehmen
invitation-heading = Einladung annehmen
invitation-intro = Wählen Sie ein Passwort, um Ihr Konto zu erstellen, für
invitation-username-label = Benutzername (optional)
invitation-username-hint = Bis zu 64 Buchstaben, Ziffern und . _ - ~. Sie können sich auch mit Ihrer E-Mail-Adresse anmelden.
invitation-button = Mein Konto erstellen
invitation-invalid-link = Diese Einladung ist abgelaufen, wurde bereits verwendet oder zurückgezogen. Bitten Sie die Person, die Sie eingeladen hat, um eine neue.
invitation-username-taken = Dieser Benutzername ist bereits vergeben. Wählen Sie einen anderen oder lassen Sie das Feld leer.
invitation-username-invalid = Ein Benutzername besteht aus bis zu 64 Buchstaben, Ziffern und . _ - ~.
invitation-done-heading = Ihr Konto ist bereit
invitation-done-text = Ihre Adresse ist bestätigt und Ihr Konto ist bereit. Öffnen Sie Ihre Anwendung und melden Sie sich an.

## Die Kontoseite
account-title = Ihr Konto
account-heading = Ihr Konto
account-signed-out-heading = Melden Sie sich an, um Ihr Konto zu sehen
account-signed-out-text = Ihre Kontoseite öffnet sich, sobald Sie in diesem Browser angemeldet sind. Melden Sie sich über die Anwendung an, die Sie nutzen (sie leitet Sie zur Anmeldeseite dieses Dienstes), und kehren Sie dann zu dieser Adresse zurück. Passwort vergessen? Setzen Sie es auf der Anmeldeseite zurück.
account-profile-heading = Profil
account-email-label = E-Mail-Adresse
account-email-verified = bestätigt
account-email-unverified = noch nicht bestätigt
account-username-label = Benutzername
account-no-username = keiner
account-created-label = Konto erstellt
account-two-step-heading = Zwei-Faktor-Authentifizierung
# Passkeys (issue 20).
passkey-sign-in-button = Mit einem Passkey anmelden
passkey-failed = Ihr Passkey konnte nicht verwendet werden. Versuchen Sie es erneut oder melden Sie sich mit Ihrem Passwort an.
passkey-sign-in-failed = Mit diesem Passkey konnten Sie nicht angemeldet werden. Versuchen Sie es erneut oder melden Sie sich mit Ihrem Passwort an.
account-passkeys-heading = Passkeys
account-passkeys-text = Mit einem Passkey melden Sie sich über die Displaysperre Ihres Geräts (Fingerabdruck, Gesicht oder PIN) an statt mit Ihrem Passwort. Wenn Sie sich mit Ihrem Passwort anmelden, dient ein Passkey auch als zweiter Schritt.
account-passkeys-none = Sie haben noch keine Passkeys.
account-passkey-never-used = nie
account-passkey-name-label = Name des neuen Passkeys
account-passkey-name-hint = Zum Beispiel das Gerät, auf dem er gespeichert ist, etwa „Arbeitslaptop“.
account-passkey-add-button = Passkey hinzufügen
account-passkey-rename-label = Neuer Name
account-passkey-rename-button = Umbenennen
account-passkey-remove-button = Entfernen
account-passkey-remove-password-label = Ihr Passwort (nötig, um Ihren letzten Passkey zu entfernen)
account-passkey-added = Ihr Passkey wurde hinzugefügt. Beim nächsten Mal können Sie sich damit anmelden.
account-passkey-renamed = Der Passkey wurde umbenannt.
account-passkey-removed = Der Passkey wurde entfernt. Sie können sich damit nicht mehr anmelden.
account-passkey-failed = Der Passkey wurde nicht hinzugefügt. Versuchen Sie es erneut.
account-passkey-exists = Dieser Passkey ist bereits registriert.
account-passkey-bad-name = Geben Sie dem Passkey einen Namen mit 1 bis 64 Zeichen.
account-passkey-gone = Diesen Passkey gibt es nicht mehr.
account-two-step-text = Ein Code aus einer Authenticator-App, nach Ihrem Passwort abgefragt, schützt Ihr Konto auch dann, wenn jemand Ihr Passwort kennt.
account-password-heading = Passwort ändern
account-current-password-label = Aktuelles Passwort
account-password-button = Passwort ändern
account-wrong-password = Das aktuelle Passwort ist nicht korrekt.
account-password-changed = Ihr Passwort wurde geändert. In diesem Browser bleiben Sie angemeldet; alle anderen Sitzungen und Apps wurden abgemeldet.
account-devices-heading = Wo Sie angemeldet sind
account-browser-sessions = Browser-Sitzungen
account-app-sessions = Apps
account-this-browser = Dieser Browser
account-browser = Browser
account-created-column = Angemeldet
account-last-used-column = Zuletzt verwendet
account-source-column = Von
account-never-used = noch nicht
account-app-column = App
account-revoke-button = Abmelden
account-revoke-label = Diese Sitzung abmelden
account-none = Keine.
account-revoked = Diese Sitzung wurde abgemeldet.
account-unknown-session = Diese Sitzung gehört nicht zu Ihrem Konto oder ist bereits beendet.
account-logout-everywhere-text = Melden Sie sich in allen Browsern und allen Apps ab, auch in diesem.
account-logout-everywhere-button = Überall abmelden
account-logged-out-everywhere-heading = Sie sind überall abgemeldet
account-logged-out-everywhere-text = Niemand ist mehr bei Ihrem Konto angemeldet, in keinem Browser und keiner App. Melden Sie sich über Ihre Anwendung erneut an.
account-data-heading = Ihre Daten
account-data-text = Laden Sie herunter, was dieser Dienst über Sie speichert: Ihr Profil, wo Sie angemeldet sind und das Protokoll der Änderungen an Ihrem Konto, als JSON-Datei.
account-data-link = Meine Daten herunterladen
account-delete-heading = Konto löschen
account-delete-text = Damit wird Ihr Konto endgültig gelöscht und Sie werden überall abgemeldet. Dies kann nicht rückgängig gemacht werden.
account-delete-password-label = Ihr Passwort
account-delete-button = Mein Konto löschen
account-deletion-off = Konten können hier nicht gelöscht werden. Wenden Sie sich an Ihre Administration.
account-deleted-heading = Ihr Konto wurde gelöscht
account-deleted-text = Ihr Konto ist gelöscht und Sie sind überall abgemeldet. Sie können dieses Fenster jetzt schließen.

## E-Mails
mail-link-hint = Falls die Schaltfläche nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser:
mail-signature = Diese Nachricht wurde von { $product } gesendet. Antworten darauf werden nicht gelesen.
reset-mail-subject = { $product }: Passwort zurücksetzen
reset-mail-text = Jemand (hoffentlich Sie) hat angefordert, das Passwort Ihres Kontos zurückzusetzen. Um ein neues Passwort zu wählen, öffnen Sie diesen Link. Er ist { $reset_ttl } lang gültig:
reset-mail-button = Neues Passwort wählen
reset-mail-footer = Falls Sie dies nicht angefordert haben, ignorieren Sie diese Nachricht: Ihr Passwort bleibt unverändert.
password-changed-mail-subject = { $product }: Ihr Passwort wurde geändert
password-changed-mail-text = Das Passwort Ihres Kontos wurde soeben geändert, und alle Sitzungen wurden abgemeldet.
password-changed-mail-footer = Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an Ihre Administration.
verify-mail-subject = { $product }: Bestätigen Sie Ihre E-Mail-Adresse
verify-mail-text = Willkommen! Um zu bestätigen, dass diese Adresse Ihnen gehört, und die Erstellung Ihres Kontos abzuschließen, öffnen Sie diesen Link. Er ist { $verification_ttl } lang gültig:
verify-mail-button = Meine Adresse bestätigen
verify-mail-footer = Falls Sie kein Konto erstellt haben, ignorieren Sie diese Nachricht.
exists-mail-subject = { $product }: Jemand wollte mit Ihrer Adresse ein Konto erstellen
exists-mail-text = Jemand (vielleicht Sie) hat versucht, mit dieser E-Mail-Adresse ein neues Konto zu erstellen. Zu dieser Adresse gibt es bereits ein Konto, daher wurde kein neues erstellt. Falls Sie es waren und Ihr Passwort vergessen haben, können Sie es hier zurücksetzen:
exists-mail-button = Mein Passwort zurücksetzen
exists-mail-footer = Falls Sie es nicht waren, können Sie diese Nachricht ignorieren.
invitation-mail-subject = { $product }: Sie wurden eingeladen
invitation-mail-text = Sie wurden eingeladen, ein Konto zu erstellen. Um Ihr Passwort zu wählen, öffnen Sie diesen Link. Er ist { $invitation_ttl } lang gültig:
invitation-mail-button = Einladung annehmen
invitation-mail-footer = Falls Sie diese Einladung nicht erwartet haben, ignorieren Sie diese Nachricht.
account-changed-mail-subject = { $product }: Ihr Passwort wurde geändert
account-changed-mail-text = Das Passwort Ihres Kontos wurde soeben auf der Kontoseite geändert. Der Browser, in dem es geändert wurde, bleibt angemeldet; alle anderen Sitzungen und Apps wurden abgemeldet.
account-changed-mail-footer = Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an Ihre Administration.

## The profile and address change (issue 18)
account-display-name-label = Anzeigename
account-display-name-hint = So werden Sie von Anwendungen angesprochen. Lassen Sie das Feld leer, wenn kein Name angezeigt werden soll.
account-no-display-name = keiner
account-profile-button = Profil speichern
account-profile-saved = Ihr Profil wurde gespeichert.
account-display-name-invalid = Ein Anzeigename darf höchstens 100 Zeichen lang sein.
account-email-heading = E-Mail-Adresse ändern
account-new-email-label = Neue E-Mail-Adresse
account-email-password-label = Ihr Passwort
account-email-button = Bestätigungslink senden
account-email-pending = Wir haben einen Bestätigungslink an { $email } gesendet. Ihre Adresse ändert sich, sobald Sie ihn dort öffnen.
account-email-sent = Sehen Sie im Posteingang der neuen Adresse nach: Ihre Adresse ändert sich, sobald Sie den Link öffnen, den wir dorthin gesendet haben.
account-email-same = Das ist bereits Ihre Adresse.
account-email-throttled = Für Ihr Konto wurden zu viele Bestätigungslinks gesendet. Versuchen Sie es später noch einmal.
verify-change-intro = Bestätigen Sie, dass diese Adresse Ihnen gehört, um sie zur neuen Adresse Ihres Kontos zu machen.
verify-changed-heading = Ihre neue Adresse ist bestätigt
verify-changed-text = Ihr Konto verwendet jetzt diese Adresse. Melden Sie sich ab sofort damit an.
verify-taken-heading = Diese Adresse kann nicht verwendet werden
verify-taken-text = Diese Adresse gehört bereits zu einem anderen Konto, daher behält Ihr Konto seine bisherige Adresse. Melden Sie sich bei diesem anderen Konto an oder wählen Sie auf Ihrer Kontoseite eine andere Adresse.
change-mail-subject = { $product }: Bestätigen Sie Ihre neue E-Mail-Adresse
change-mail-text = Jemand (hoffentlich Sie) möchte diese Adresse für sein Konto verwenden. Öffnen Sie zur Bestätigung diesen Link. Er ist { $verification_ttl } lang gültig:
change-mail-button = Neue Adresse bestätigen
change-mail-footer = Bis dahin behält das Konto seine bisherige Adresse. Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht.
address-changed-mail-subject = { $product }: Ihre E-Mail-Adresse wurde geändert
address-changed-mail-text = Die E-Mail-Adresse Ihres Kontos wurde soeben in { $email } geändert. An diese Adresse wird keine Post mehr zu Ihrem Konto gesendet.
address-changed-mail-footer = Wenn Sie das nicht waren, wenden Sie sich sofort an Ihre Administration.

## Client display metadata and consent (issue 19)
back-to-app = Zurück zu { $app }
app-policy-link = Datenschutzerklärung von { $app }
app-terms-link = Nutzungsbedingungen von { $app }
consent-title = Zugriff erlauben
consent-heading = { $app } möchte auf Ihr Konto zugreifen
consent-signed-in-as = Angemeldet als
consent-intro = Wenn Sie zustimmen, kann { $app }:
consent-scope-openid = Erkennen, wer Sie sind: die Kennung Ihres Kontos
consent-scope-profile = Ihren Benutzernamen und Ihre Profilangaben sehen
consent-scope-email = Ihre E-Mail-Adresse sehen
consent-scope-offline-access = Diesen Zugriff behalten, auch wenn Sie die Anwendung gerade nicht nutzen
consent-withdraw-hint = Sie können diesen Zugriff jederzeit auf Ihrer Kontoseite widerrufen.
consent-allow-button = Erlauben
consent-deny-button = Ablehnen
error-consent-mismatch = Dieses Zustimmungsformular gehört zu einer anderen Anmeldung. Kehren Sie zur Anwendung zurück und beginnen Sie erneut.
account-connected-heading = Verbundene Anwendungen
account-connected-text = Anwendungen anderer Anbieter, denen Sie Zugriff auf Ihr Konto erlaubt haben. Wenn Sie eine entfernen, endet ihr Zugriff sofort; sie muss Sie erneut fragen.
account-connected-access = Zugriff
account-connected-since = Erlaubt am
account-connected-remove-button = Zugriff entfernen
account-connected-removed = Die Anwendung hat keinen Zugriff mehr auf Ihr Konto.
account-connected-unknown = Diese Anwendung ist nicht mit Ihrem Konto verbunden.

## Every page has a next step (issue 19)
footer-label = Rechtliches und Hilfe
footer-terms = Nutzungsbedingungen
footer-privacy = Datenschutz
footer-support = Hilfe
show-password = Passwort anzeigen
hide-password = Passwort verbergen
caps-lock-on = Die Feststelltaste ist aktiviert.
error-expired-heading = Dieses Formular ist abgelaufen
error-expired-text = Zu Ihrer Sicherheit funktioniert ein Formular nur für begrenzte Zeit und nur auf dieser Website. Öffnen Sie die Seite erneut und wiederholen Sie den Vorgang.
error-throttled-heading = Zu viele Versuche
error-throttled-text = Es gab zu viele Versuche. Versuchen Sie es in { $wait } erneut. Wenn Sie Ihr Passwort vergessen haben, setzen Sie es jetzt zurück: Ein neues Passwort gilt sofort.
wait-seconds = { $n } Sekunden
wait-one-minute = 1 Minute
wait-minutes = { $n } Minuten
error-unavailable-heading = Vorübergehend nicht verfügbar
try-again-link = Erneut versuchen
error-link-heading = Dieser Link kann nicht verwendet werden
send-new-link = Neuen Link senden
error-not-found-heading = Seite nicht gefunden
error-not-found-text = Unter dieser Adresse gibt es keine Seite. Prüfen Sie die Adresse oder öffnen Sie Ihr Konto.
error-method-heading = Diese Seite kann so nicht verwendet werden
error-method-text = Diese Adresse nimmt diese Art von Anfrage nicht an. Öffnen Sie die Seite erneut über ihren Link.
error-not-available-heading = Hier nicht verfügbar
account-link = Zu Ihrem Konto
reset-password-link = Passwort zurücksetzen
sign-in-expired-notice = Es wurde nichts gesendet: Die Seite war lange geöffnet, oder Sie haben sich in einem anderen Tab an- oder abgemeldet. Geben Sie Ihr Passwort erneut ein.
signed-in-as = Angemeldet als
signed-in-as-advice = Geben Sie Ihr Passwort erneut ein, um fortzufahren, oder melden Sie sich mit einem anderen Konto an.
disabled-hint = Falls Ihr Konto deaktiviert wurde, wenden Sie sich an Ihre Administration.
account-sign-in-to = um Ihr Konto zu sehen
back-to-sign-in-link = Zurück zur Anmeldung
send-again-link = Keine Nachricht erhalten? Erneut senden
reset-done-continue-text = Sie wurden überall abgemeldet. Melden Sie sich mit Ihrem neuen Passwort an, um fortzufahren.
logout-signed-in-as = Sie sind angemeldet als
cancel-link = Abbrechen
logged-out-next-text = Sie sind auf diesem Gerät abgemeldet. Um eine Anwendung wieder zu nutzen, melden Sie sich an.
sign-in-again-link = Erneut anmelden
account-signed-out-next-text = Melden Sie sich an, um Ihr Profil zu sehen, Ihr Passwort zu ändern und zu sehen, wo Sie angemeldet sind.

## Second factors (issue 20)
two-step-title = Zwei-Faktor-Authentifizierung
two-step-heading = Geben Sie Ihren Bestätigungscode ein
two-step-text = Öffnen Sie die Authenticator-App auf Ihrem Telefon und geben Sie den 6-stelligen Code ein, den sie für dieses Konto anzeigt.
two-step-code-label = Bestätigungscode
two-step-verify-button = Bestätigen
two-step-trust-label = Diesem Browser vertrauen: diesen Schritt hier eine Weile überspringen
two-step-recovery-heading = Telefon verloren?
two-step-recovery-text = Geben Sie einen der Wiederherstellungscodes ein, die Sie beim Einrichten der Zwei-Faktor-Authentifizierung gespeichert haben. Jeder Code gilt nur einmal.
two-step-recovery-label = Wiederherstellungscode
two-step-recovery-button = Wiederherstellungscode verwenden
two-step-wrong-code = Dieser Code ist nicht richtig oder wurde schon verwendet. Geben Sie den nächsten Code ein, den Ihre App anzeigt.
two-step-ended = Zu viele falsche Codes, oder die Zeit für die Eingabe ist abgelaufen. Bitte melden Sie sich erneut an.
two-step-other-account-link = Mit einem anderen Konto anmelden
two-step-passkey-heading = Passkey verwenden
two-step-passkey-instead-heading = Oder einen Passkey verwenden
two-step-passkey-text = Bestätigen Sie mit einem Passkey, den Sie diesem Konto hinzugefügt haben, dass Sie es sind: Ihr Gerät fragt nach seiner Displaysperre (Fingerabdruck, Gesicht oder PIN).
two-step-passkey-button = Passkey verwenden
two-step-passkey-failed = Dieser Passkey hat Ihre Anmeldung nicht bestätigt. Versuchen Sie es erneut oder nutzen Sie einen anderen Weg auf dieser Seite.
two-step-passkey-unsupported = Dieser Browser kann keine Passkeys verwenden. Nutzen Sie einen anderen Weg auf dieser Seite oder melden Sie sich auf einem Gerät an, das Ihren Passkey hat.
enrol-title = Zwei-Faktor-Authentifizierung einrichten
enrol-required-text = Ihr Konto benötigt eine Zwei-Faktor-Authentifizierung, bevor Sie fortfahren können. Die Einrichtung dauert eine Minute.
enrol-steps = Scannen Sie den QR-Code mit einer Authenticator-App (zum Beispiel auf Ihrem Telefon) oder geben Sie den Schlüssel von Hand ein. Geben Sie dann den 6-stelligen Code ein, den die App anzeigt.
enrol-qr-label = QR-Code für Ihre Authenticator-App
enrol-key-label = Schlüssel (falls Sie den Code nicht scannen können)
enrol-confirm-button = Zwei-Faktor-Authentifizierung einschalten
enrol-passkey-heading = Oder stattdessen einen Passkey hinzufügen
enrol-passkey-text = Keine App nötig: Die Displaysperre Ihres Geräts (Fingerabdruck, Gesicht oder PIN) bestätigt dann Ihre Anmeldungen, und der Passkey kann Sie auch allein anmelden.
recovery-codes-title = Ihre Wiederherstellungscodes
recovery-codes-text = Falls Sie Ihr Telefon verlieren, können Sie sich mit jedem dieser Codes einmal anstelle eines Bestätigungscodes anmelden. Drucken Sie sie jetzt aus oder speichern Sie sie in Ihrem Passwortmanager: Sie werden nur dieses eine Mal angezeigt.
account-two-step-on = Die Zwei-Faktor-Authentifizierung ist eingeschaltet: Nach Ihrem Passwort werden Sie nach einem Code aus Ihrer Authenticator-App gefragt.
account-two-step-codes-left = Unbenutzte Wiederherstellungscodes:
account-two-step-setup-button = Authenticator-App einrichten
account-two-step-regenerate-button = Neue Wiederherstellungscodes erzeugen
account-two-step-remove-button = Authenticator-App entfernen
account-two-step-password-hint = Geben Sie Ihr Passwort ein, um die Zwei-Faktor-Authentifizierung zu ändern.
account-two-step-removed = Ihre Authenticator-App und ihre Wiederherstellungscodes sind entfernt. Wir haben eine Nachricht an Ihre E-Mail-Adresse gesendet.
recovery-used-mail-subject = { $product }: Ein Wiederherstellungscode wurde zur Anmeldung verwendet
recovery-used-mail-text = Soeben wurde ein Wiederherstellungscode anstelle eines Bestätigungscodes verwendet, um sich bei Ihrem Konto anzumelden. Wenn Sie das waren, erzeugen Sie am besten neue Wiederherstellungscodes auf Ihrer Kontoseite.
recovery-used-mail-footer = Falls Sie das nicht waren, ändern Sie sofort Ihr Passwort und wenden Sie sich an Ihre Administration.
factor-added-mail-subject = { $product }: Ihrem Konto wurde eine Möglichkeit hinzugefügt, Anmeldungen zu bestätigen
factor-added-app-mail-text = Für Ihr Konto wurde eine Authenticator-App zur Zwei-Faktor-Authentifizierung eingerichtet: Ihre Codes bestätigen jetzt Ihre Anmeldungen.
factor-added-passkey-mail-text = Ihrem Konto wurde ein Passkey namens „{ $name }“ hinzugefügt: Er kann Sie jetzt anmelden.
factor-added-mail-footer = Falls Sie das nicht waren, ändern Sie sofort Ihr Passwort, machen Sie es auf Ihrer Kontoseite rückgängig und wenden Sie sich an Ihre Administration.
two-step-removed-mail-subject = { $product }: Ihre Authenticator-App wurde entfernt
two-step-removed-mail-text = Ihre Authenticator-App und ihre Wiederherstellungscodes wurden auf der Kontoseite aus Ihrem Konto entfernt: Sie bestätigen keine Anmeldung mehr. Wenn Sie keinen Passkey haben, genügt zur Anmeldung jetzt Ihr Passwort.
two-step-removed-mail-footer = Falls Sie das nicht waren, ändern Sie sofort Ihr Passwort, richten Sie die Zwei-Faktor-Authentifizierung wieder ein und wenden Sie sich an Ihre Administration.
two-step-reset-mail-subject = { $product }: Ihre Zwei-Faktor-Authentifizierung wurde zurückgesetzt
two-step-reset-mail-text = Ein Administrator hat Ihre Authenticator-App, Ihre Wiederherstellungscodes und Ihre Passkeys entfernt. Sie können die Zwei-Faktor-Authentifizierung auf Ihrer Kontoseite erneut einrichten und wieder Passkeys hinzufügen.
two-step-reset-mail-footer = Falls Sie das nicht veranlasst haben, wenden Sie sich an Ihre Administration.
