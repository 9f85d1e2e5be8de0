# Strings added by branch `consent` (issue 19: client display metadata and consent), for the lead to port into the
# Fluent catalogues. Keys are the `Messages` field names with `_` replaced by `-`; `{app}` is the application's
# name (in Fluent: `{ $app }`).

# en
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

# de
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

# fr
back-to-app = Retour à { $app }
app-policy-link = Politique de confidentialité de { $app }
app-terms-link = Conditions d'utilisation de { $app }
consent-title = Autoriser l'accès
consent-heading = { $app } souhaite accéder à votre compte
consent-signed-in-as = Connecté en tant que
consent-intro = Si vous l'autorisez, { $app } pourra :
consent-scope-openid = Savoir qui vous êtes : l'identifiant de votre compte
consent-scope-profile = Voir votre nom d'utilisateur et les informations de votre profil
consent-scope-email = Voir votre adresse e-mail
consent-scope-offline-access = Conserver cet accès lorsque vous ne l'utilisez pas
consent-withdraw-hint = Vous pouvez retirer cet accès à tout moment depuis la page de votre compte.
consent-allow-button = Autoriser
consent-deny-button = Refuser
error-consent-mismatch = Ce formulaire d'autorisation appartient à une autre connexion. Retournez à l'application et recommencez.
account-connected-heading = Applications connectées
account-connected-text = Les applications d'autres éditeurs que vous avez autorisées à accéder à votre compte. Si vous en retirez une, son accès prend fin immédiatement ; elle devra vous redemander l'autorisation.
account-connected-access = Accès
account-connected-since = Autorisée le
account-connected-remove-button = Retirer l'accès
account-connected-removed = L'application n'a plus accès à votre compte.
account-connected-unknown = Cette application n'est pas connectée à votre compte.

# es
back-to-app = Volver a { $app }
app-policy-link = Política de privacidad de { $app }
app-terms-link = Condiciones de uso de { $app }
consent-title = Permitir el acceso
consent-heading = { $app } quiere acceder a su cuenta
consent-signed-in-as = Sesión iniciada como
consent-intro = Si lo permite, { $app } podrá:
consent-scope-openid = Saber quién es: el identificador de su cuenta
consent-scope-profile = Ver su nombre de usuario y los datos de su perfil
consent-scope-email = Ver su dirección de correo electrónico
consent-scope-offline-access = Conservar este acceso aunque no esté usando la aplicación
consent-withdraw-hint = Puede retirar este acceso en cualquier momento desde la página de su cuenta.
consent-allow-button = Permitir
consent-deny-button = Denegar
error-consent-mismatch = Este formulario de autorización pertenece a otro inicio de sesión. Vuelva a la aplicación y empiece de nuevo.
account-connected-heading = Aplicaciones conectadas
account-connected-text = Aplicaciones de otros proveedores a las que ha permitido acceder a su cuenta. Si quita una, su acceso termina de inmediato; tendrá que volver a pedírselo.
account-connected-access = Acceso
account-connected-since = Permitido el
account-connected-remove-button = Quitar el acceso
account-connected-removed = La aplicación ya no tiene acceso a su cuenta.
account-connected-unknown = Esa aplicación no está conectada a su cuenta.
