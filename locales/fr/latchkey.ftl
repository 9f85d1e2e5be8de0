# Latchkey : les textes des pages de connexion et des e-mails, en français (vouvoiement).
# Clés et variables comme dans locales/en/latchkey.ftl.

## Comment la durée de validité d'un lien est dite (« valable pendant { $reset_ttl } »).
duration = { $unit ->
    [day] { $count ->
        [one] 1 jour
       *[other] { $count } jours
    }
    [hour] { $count ->
        [one] 1 heure
       *[other] { $count } heures
    }
   *[minute] { $count ->
        [one] 1 minute
       *[other] { $count } minutes
    }
}

## Connexion
sign-in-title = Connexion
sign-in-heading = Connexion
sign-in-to = pour continuer vers
username-label = Adresse e-mail ou nom d'utilisateur
password-label = Mot de passe
sign-in-button = Se connecter
bad-credentials = L'adresse e-mail, le nom d'utilisateur ou le mot de passe est incorrect. Vérifiez-les et réessayez.
unverified-email = Confirmez d'abord votre adresse e-mail : ouvrez le lien que nous vous avons envoyé. Aucun message ? Demandez un nouveau lien.
forgot-link = Mot de passe oublié ?
register-link = Créer un compte
resend-link = Envoyer un nouveau lien de confirmation
continue-link = Continuer
sign-in-link = Se connecter

## Erreurs
error-title = Une erreur s'est produite
error-heading = Ce lien de connexion ne peut pas être utilisé
error-unknown-client = L'application qui vous a envoyé ici n'est pas enregistrée auprès de ce service de connexion.
error-bad-redirect-uri = L'application qui vous a envoyé ici a demandé à revenir vers une adresse qu'elle n'a pas enregistrée : vous n'avez donc été redirigé nulle part.
error-malformed = La demande de connexion est mal formée.
error-missing-client = La demande de connexion n'indique pas de quelle application elle provient.
error-missing-redirect-uri = La demande de connexion n'indique pas où revenir.
error-form-expired = Le formulaire a expiré ou a été envoyé depuis un autre site. Retournez à l'application et recommencez.
error-unavailable = Le service de connexion est temporairement indisponible. Réessayez dans quelques secondes.
error-too-many-attempts = Trop de tentatives. Patientez quelques minutes avant de réessayer, ou réinitialisez votre mot de passe.
error-go-back = Retournez à l'application d'où vous venez et réessayez, ou contactez son assistance.
error-bad-id-token-hint = La demande de déconnexion mentionne une connexion que ce service n'a pas émise.

## Déconnexion
logout-title = Déconnexion
logout-heading = Se déconnecter ?
logout-question = Vous serez déconnecté de ce service de connexion et des applications qui l'utilisent sur cet appareil.
logout-button = Se déconnecter
logged-out-title = Déconnecté
logged-out-heading = Vous êtes déconnecté
logged-out-text = Vous pouvez fermer cette fenêtre.

## Réinitialisation du mot de passe
forgot-title = Réinitialiser votre mot de passe
forgot-heading = Réinitialiser votre mot de passe
forgot-intro = Saisissez l'adresse e-mail de votre compte. Nous vous enverrons un lien pour choisir un nouveau mot de passe.
email-label = Adresse e-mail
forgot-button = Envoyer le lien
forgot-sent-heading = Consultez votre messagerie
forgot-sent-text = Si un compte utilise cette adresse, un lien pour réinitialiser son mot de passe est en route. Ce lien ne fonctionne qu'une fois et reste valable pendant { $reset_ttl }.
reset-title = Choisir un nouveau mot de passe
reset-heading = Choisir un nouveau mot de passe
new-password-label = Nouveau mot de passe
new-password-hint = Au moins 8 caractères. Une longue phrase est plus facile à retenir et plus difficile à deviner.
confirm-password-label = Confirmez le nouveau mot de passe
reset-button = Enregistrer le nouveau mot de passe
reset-mismatch = Les deux mots de passe ne sont pas identiques.
reset-too-short = Le mot de passe doit comporter au moins 8 caractères.
reset-too-long = Le mot de passe ne doit pas dépasser 1024 octets.
reset-common = Ce mot de passe fait partie des plus couramment utilisés. Choisissez-en un autre.
reset-invalid-link = Ce lien a expiré ou a déjà été utilisé. Demandez-en un nouveau.
reset-done-heading = Votre mot de passe a été modifié
reset-done-text = Vous avez été déconnecté partout. Retournez à votre application et connectez-vous avec le nouveau mot de passe.

## Inscription et confirmation de l'adresse e-mail
register-title = Créer un compte
register-heading = Créer un compte
register-intro = Nous enverrons un lien à votre adresse e-mail pour confirmer qu'elle vous appartient.
register-button = Créer le compte
register-password-again-label = Confirmez le mot de passe
register-closed = Vous ne pouvez pas créer de compte ici. Demandez une invitation à votre administrateur.
register-domain-not-allowed = Les adresses de ce domaine ne permettent pas de créer un compte. Utilisez votre adresse professionnelle.
register-invalid-email = Saisissez une adresse e-mail, par exemple nom@example.org.
register-sent-heading = Consultez votre messagerie
register-sent-text = Nous avons envoyé un message à l'adresse saisie. Ouvrez le lien qu'il contient pour confirmer votre adresse et terminer la création de votre compte. Ce lien reste valable pendant { $verification_ttl }.
have-account-link = Vous avez déjà un compte ? Connectez-vous
verify-title = Confirmer votre adresse e-mail
verify-heading = Confirmer votre adresse e-mail
verify-intro = Confirmez que cette adresse vous appartient pour terminer la configuration de votre compte.
verify-button = Confirmer mon adresse
verify-invalid-link = Ce lien a expiré ou a déjà été utilisé. Demandez-en un nouveau.
verify-done-heading = Votre adresse est confirmée
verify-done-text = Votre compte est prêt. Connectez-vous pour continuer.
resend-title = Confirmer votre adresse e-mail
resend-heading = Obtenir un nouveau lien de confirmation
resend-intro = Saisissez l'adresse e-mail de votre compte. Si elle doit encore être confirmée, nous vous enverrons un nouveau lien.
resend-button = Envoyer le lien
resend-sent-text = Si cette adresse correspond à un compte qui doit encore être confirmé, un nouveau lien est en route.

## Invitations
invitation-title = Accepter votre invitation
invitation-heading = Accepter votre invitation
invitation-intro = Choisissez un mot de passe pour créer votre compte pour
invitation-username-label = Nom d'utilisateur (facultatif)
invitation-username-hint = Jusqu'à 64 lettres, chiffres et . _ - ~. Vous pouvez aussi vous connecter avec votre adresse e-mail.
invitation-button = Créer mon compte
invitation-invalid-link = Cette invitation a expiré, a déjà été utilisée ou a été retirée. Demandez-en une nouvelle à la personne qui vous a invité.
invitation-username-taken = Ce nom d'utilisateur est déjà pris. Choisissez-en un autre ou laissez le champ vide.
invitation-username-invalid = Un nom d'utilisateur comporte jusqu'à 64 lettres, chiffres et . _ - ~.
invitation-done-heading = Votre compte est prêt
invitation-done-text = Votre adresse est confirmée et votre compte est prêt. Ouvrez votre application et connectez-vous.

## La page du compte
account-title = Votre compte
account-heading = Votre compte
account-signed-out-heading = Connectez-vous pour voir votre compte
account-signed-out-text = La page de votre compte s'ouvre une fois que vous êtes connecté dans ce navigateur. Connectez-vous depuis l'application que vous utilisez (elle vous envoie vers la page de connexion de ce service), puis revenez à cette adresse. Mot de passe oublié ? Réinitialisez-le depuis la page de connexion.
account-profile-heading = Profil
account-email-label = Adresse e-mail
account-email-verified = confirmée
account-email-unverified = pas encore confirmée
account-username-label = Nom d'utilisateur
account-no-username = aucun
account-created-label = Compte créé le
account-two-step-heading = Validation en deux étapes
# Passkeys (issue 20).
passkey-sign-in-button = Se connecter avec une clé d'accès
passkey-failed = Votre clé d'accès n'a pas pu être utilisée. Réessayez ou connectez-vous avec votre mot de passe.
passkey-sign-in-failed = La connexion avec cette clé d'accès a échoué. Réessayez ou connectez-vous avec votre mot de passe.
account-passkeys-heading = Clés d'accès
account-passkeys-text = Une clé d'accès vous connecte avec le verrouillage d'écran de votre appareil (empreinte digitale, visage ou code PIN) au lieu de votre mot de passe. Lorsque vous vous connectez avec votre mot de passe, une clé d'accès sert aussi de seconde étape.
account-passkeys-none = Vous n'avez pas encore de clé d'accès.
account-passkey-never-used = jamais
account-passkey-name-label = Nom de la nouvelle clé d'accès
account-passkey-name-hint = Par exemple l'appareil qui la contient, comme « Ordinateur du bureau ».
account-passkey-add-button = Ajouter une clé d'accès
account-passkey-rename-label = Nouveau nom
account-passkey-rename-button = Renommer
account-passkey-remove-button = Supprimer
account-passkey-remove-password-label = Votre mot de passe (nécessaire pour supprimer votre dernière clé d'accès)
account-passkey-added = Votre clé d'accès a été ajoutée. La prochaine fois, vous pourrez vous connecter avec elle.
account-passkey-renamed = La clé d'accès a été renommée.
account-passkey-removed = La clé d'accès a été supprimée. Elle ne permet plus de vous connecter.
account-passkey-failed = La clé d'accès n'a pas été ajoutée. Réessayez.
account-passkey-exists = Cette clé d'accès est déjà enregistrée.
account-passkey-bad-name = Donnez à la clé d'accès un nom de 1 à 64 caractères.
account-passkey-gone = Cette clé d'accès n'existe plus.
account-two-step-text = Un code issu d'une application d'authentification, demandé après votre mot de passe, protège votre compte même si quelqu'un connaît votre mot de passe.
account-password-heading = Modifier votre mot de passe
account-current-password-label = Mot de passe actuel
account-password-button = Modifier le mot de passe
account-wrong-password = Le mot de passe actuel est incorrect.
account-password-changed = Votre mot de passe a été modifié. Vous restez connecté dans ce navigateur ; toutes les autres sessions et applications ont été déconnectées.
account-devices-heading = Où vous êtes connecté
account-browser-sessions = Sessions de navigateur
account-app-sessions = Applications
account-this-browser = Ce navigateur
account-browser = Navigateur
account-created-column = Connecté le
account-last-used-column = Dernière utilisation
account-source-column = Depuis
account-never-used = pas encore
account-app-column = Application
account-revoke-button = Déconnecter
account-revoke-label = Déconnecter cette session
account-none = Aucune.
account-revoked = Cette session a été déconnectée.
account-unknown-session = Cette session ne vous appartient pas, ou elle est déjà terminée.
account-logout-everywhere-text = Se déconnecter de tous les navigateurs et de toutes les applications, y compris celui-ci.
account-logout-everywhere-button = Se déconnecter partout
account-logged-out-everywhere-heading = Vous êtes déconnecté partout
account-logged-out-everywhere-text = Plus personne n'est connecté à votre compte, dans aucun navigateur ni aucune application. Reconnectez-vous depuis votre application.
account-data-heading = Vos données
account-data-text = Téléchargez ce que ce service conserve à votre sujet : votre profil, les endroits où vous êtes connecté et l'historique des modifications de votre compte, dans un fichier JSON.
account-data-link = Télécharger mes données
account-delete-heading = Supprimer votre compte
account-delete-text = Votre compte sera supprimé définitivement et vous serez déconnecté partout. Cette action est irréversible.
account-delete-password-label = Votre mot de passe
account-delete-button = Supprimer mon compte
account-deletion-off = Les comptes ne peuvent pas être supprimés ici. Adressez-vous à votre administrateur.
account-deleted-heading = Votre compte a été supprimé
account-deleted-text = Votre compte n'existe plus et vous êtes déconnecté partout. Vous pouvez fermer cette fenêtre.

## E-mails
mail-link-hint = Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :
mail-signature = Ce message a été envoyé par { $product }. Les réponses à ce message ne sont pas lues.
reset-mail-subject = { $product } : réinitialisez votre mot de passe
reset-mail-text = Quelqu'un (vous, nous l'espérons) a demandé à réinitialiser le mot de passe de votre compte. Pour choisir un nouveau mot de passe, ouvrez ce lien, valable pendant { $reset_ttl } :
reset-mail-button = Choisir un nouveau mot de passe
reset-mail-footer = Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.
password-changed-mail-subject = { $product } : votre mot de passe a été modifié
password-changed-mail-text = Le mot de passe de votre compte vient d'être modifié, et toutes les sessions ont été déconnectées.
password-changed-mail-footer = Si vous n'êtes pas à l'origine de cette modification, réinitialisez immédiatement votre mot de passe et contactez votre administrateur.
verify-mail-subject = { $product } : confirmez votre adresse e-mail
verify-mail-text = Bienvenue ! Pour confirmer que cette adresse vous appartient et terminer la création de votre compte, ouvrez ce lien, valable pendant { $verification_ttl } :
verify-mail-button = Confirmer mon adresse
verify-mail-footer = Si vous n'avez pas créé de compte, ignorez ce message.
exists-mail-subject = { $product } : quelqu'un a tenté de créer un compte avec votre adresse
exists-mail-text = Quelqu'un (peut-être vous) a tenté de créer un nouveau compte avec cette adresse e-mail, qui en possède déjà un. Aucun nouveau compte n'a été créé. Si c'était vous et que vous avez oublié votre mot de passe, réinitialisez-le ici :
exists-mail-button = Réinitialiser mon mot de passe
exists-mail-footer = Si ce n'était pas vous, vous pouvez ignorer ce message.
invitation-mail-subject = { $product } : vous êtes invité
invitation-mail-text = Vous êtes invité à créer un compte. Pour choisir votre mot de passe, ouvrez ce lien, valable pendant { $invitation_ttl } :
invitation-mail-button = Accepter l'invitation
invitation-mail-footer = Si vous n'attendiez pas cette invitation, ignorez ce message.
account-changed-mail-subject = { $product } : votre mot de passe a été modifié
account-changed-mail-text = Le mot de passe de votre compte vient d'être modifié depuis la page du compte. Le navigateur utilisé pour cette modification reste connecté ; toutes les autres sessions et applications ont été déconnectées.
account-changed-mail-footer = Si vous n'êtes pas à l'origine de cette modification, réinitialisez immédiatement votre mot de passe et contactez votre administrateur.

## The profile and address change (issue 18)
account-display-name-label = Nom affiché
account-display-name-hint = Le nom sous lequel les applications vous saluent. Laissez le champ vide pour n'en afficher aucun.
account-no-display-name = aucun
account-profile-button = Enregistrer le profil
account-profile-saved = Votre profil est enregistré.
account-display-name-invalid = Un nom affiché compte au plus 100 caractères.
account-email-heading = Changer votre adresse e-mail
account-new-email-label = Nouvelle adresse e-mail
account-email-password-label = Votre mot de passe
account-email-button = Envoyer un lien de confirmation
account-email-pending = Nous avons envoyé un lien de confirmation à { $email }. Votre adresse change lorsque vous l'ouvrez depuis cette boîte.
account-email-sent = Consultez la boîte de réception de la nouvelle adresse : votre adresse change lorsque vous ouvrez le lien que nous y avons envoyé.
account-email-same = C'est déjà votre adresse.
account-email-throttled = Trop de liens de confirmation ont été envoyés pour votre compte. Réessayez plus tard.
verify-change-intro = Confirmez que cette adresse est bien la vôtre pour en faire la nouvelle adresse de votre compte.
verify-changed-heading = Votre nouvelle adresse est confirmée
verify-changed-text = Votre compte utilise désormais cette adresse. Connectez-vous avec elle à partir de maintenant.
verify-taken-heading = Cette adresse ne peut pas être utilisée
verify-taken-text = Cette adresse appartient déjà à un autre compte : votre compte garde donc son ancienne adresse. Connectez-vous à cet autre compte, ou choisissez une autre adresse sur la page de votre compte.
change-mail-subject = { $product } : Confirmez votre nouvelle adresse e-mail
change-mail-text = Quelqu'un (vous, nous l'espérons) souhaite utiliser cette adresse pour son compte. Pour la confirmer, ouvrez ce lien, valable pendant { $verification_ttl } :
change-mail-button = Confirmer ma nouvelle adresse
change-mail-footer = D'ici là, le compte garde son ancienne adresse. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.
address-changed-mail-subject = { $product } : Votre adresse e-mail a été modifiée
address-changed-mail-text = L'adresse e-mail de votre compte vient d'être remplacée par { $email }. Cette adresse ne recevra plus de messages concernant votre compte.
address-changed-mail-footer = Si vous n'êtes pas à l'origine de ce changement, contactez immédiatement votre administrateur.

## Client display metadata and consent (issue 19)
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

## Every page has a next step (issue 19)
footer-label = Mentions légales et aide
footer-terms = Conditions d’utilisation
footer-privacy = Confidentialité
footer-support = Aide
show-password = Afficher le mot de passe
hide-password = Masquer le mot de passe
caps-lock-on = La touche Verr. Maj est activée.
error-expired-heading = Ce formulaire a expiré
error-expired-text = Pour votre sécurité, un formulaire ne fonctionne que pendant un certain temps et uniquement sur ce site. Rouvrez la page et recommencez.
error-throttled-heading = Trop de tentatives
error-throttled-text = Trop de tentatives ont été faites. Réessayez dans { $wait }. Si vous avez oublié votre mot de passe, réinitialisez-le maintenant : un nouveau mot de passe fonctionne immédiatement.
wait-seconds = { $n } secondes
wait-one-minute = 1 minute
wait-minutes = { $n } minutes
error-unavailable-heading = Service momentanément indisponible
try-again-link = Réessayer
error-link-heading = Ce lien ne peut pas être utilisé
send-new-link = Envoyer un nouveau lien
error-not-found-heading = Page introuvable
error-not-found-text = Il n’y a aucune page à cette adresse. Vérifiez l’adresse ou accédez à votre compte.
error-method-heading = Cette page ne peut pas être utilisée ainsi
error-method-text = Cette adresse n’accepte pas ce type de requête. Rouvrez la page à partir de son lien.
error-not-available-heading = Non disponible ici
account-link = Accéder à votre compte
reset-password-link = Réinitialiser votre mot de passe
sign-in-expired-notice = Rien n’a été envoyé : la page est restée ouverte longtemps, ou vous vous êtes connecté ou déconnecté dans un autre onglet. Saisissez à nouveau votre mot de passe.
signed-in-as = Connecté en tant que
signed-in-as-advice = Saisissez à nouveau votre mot de passe pour continuer, ou connectez-vous avec un autre compte.
disabled-hint = Si votre compte a été désactivé, contactez votre administrateur.
account-sign-in-to = pour accéder à votre compte
back-to-sign-in-link = Retour à la connexion
send-again-link = Aucun message ? Renvoyer
reset-done-continue-text = Vous avez été déconnecté partout. Connectez-vous avec votre nouveau mot de passe pour continuer.
logout-signed-in-as = Vous êtes connecté en tant que
cancel-link = Annuler
logged-out-next-text = Vous êtes déconnecté sur cet appareil. Pour utiliser à nouveau une application, connectez-vous.
sign-in-again-link = Se reconnecter
account-signed-out-next-text = Connectez-vous pour voir votre profil, changer votre mot de passe et voir où vous êtes connecté.

## Second factors (issue 20)
two-step-title = Validation en deux étapes
two-step-heading = Saisissez votre code de vérification
two-step-text = Ouvrez l'application d'authentification sur votre téléphone et saisissez le code à 6 chiffres qu'elle affiche pour ce compte.
two-step-code-label = Code de vérification
two-step-verify-button = Vérifier
two-step-trust-label = Faire confiance à ce navigateur : ne plus me demander cette étape ici pendant un certain temps
two-step-recovery-heading = Vous avez perdu votre téléphone ?
two-step-recovery-text = Saisissez l'un des codes de récupération que vous avez enregistrés lors de l'activation de la validation en deux étapes. Chaque code ne sert qu'une fois.
two-step-recovery-label = Code de récupération
two-step-recovery-button = Utiliser le code de récupération
two-step-wrong-code = Ce code n'est pas correct ou a déjà été utilisé. Saisissez le prochain code affiché par votre application.
two-step-ended = Trop de codes erronés, ou le délai de saisie est écoulé. Veuillez vous reconnecter.
two-step-other-account-link = Se connecter avec un autre compte
two-step-passkey-heading = Utilisez votre clé d'accès
two-step-passkey-instead-heading = Ou utilisez une clé d'accès
two-step-passkey-text = Confirmez qu'il s'agit bien de vous avec une clé d'accès ajoutée à ce compte : votre appareil demande son verrouillage d'écran (empreinte, visage ou code PIN).
two-step-passkey-button = Utiliser une clé d'accès
two-step-passkey-failed = Cette clé d'accès n'a pas confirmé votre connexion. Réessayez ou utilisez un autre moyen proposé sur cette page.
two-step-passkey-unsupported = Ce navigateur ne peut pas utiliser de clés d'accès. Utilisez un autre moyen proposé sur cette page, ou connectez-vous sur un appareil qui possède votre clé d'accès.
enrol-title = Activer la validation en deux étapes
enrol-required-text = Votre compte doit utiliser la validation en deux étapes avant de pouvoir continuer. La configuration prend une minute.
enrol-steps = Scannez le code QR avec une application d'authentification (par exemple sur votre téléphone), ou saisissez la clé à la main. Saisissez ensuite le code à 6 chiffres affiché par l'application.
enrol-qr-label = Code QR pour votre application d'authentification
enrol-key-label = Clé (si vous ne pouvez pas scanner le code)
enrol-confirm-button = Activer la validation en deux étapes
enrol-passkey-heading = Ou ajoutez plutôt une clé d'accès
enrol-passkey-text = Aucune application nécessaire : le verrouillage d'écran de votre appareil (empreinte, visage ou code PIN) confirme alors vos connexions, et la clé d'accès peut aussi vous connecter à elle seule.
recovery-codes-title = Vos codes de récupération
recovery-codes-text = Si vous perdez votre téléphone, chacun de ces codes vous permet de vous connecter une fois à la place d'un code de vérification. Imprimez-les ou enregistrez-les maintenant dans votre gestionnaire de mots de passe : ils ne sont affichés qu'une seule fois.
account-two-step-on = La validation en deux étapes est activée : après votre mot de passe, un code de votre application d'authentification vous est demandé.
account-two-step-codes-left = Codes de récupération inutilisés :
account-two-step-setup-button = Configurer une application d'authentification
account-two-step-regenerate-button = Obtenir de nouveaux codes de récupération
account-two-step-remove-button = Supprimer l'application d'authentification
account-two-step-password-hint = Saisissez votre mot de passe pour modifier la validation en deux étapes.
account-two-step-removed = Votre application d'authentification et ses codes de récupération sont supprimés. Nous avons envoyé un avis à votre adresse e-mail.
recovery-used-mail-subject = { $product } : un code de récupération a été utilisé pour se connecter
recovery-used-mail-text = Un code de récupération vient d'être utilisé à la place d'un code de vérification pour vous connecter à votre compte. Si c'était vous, pensez à obtenir de nouveaux codes de récupération sur la page de votre compte.
recovery-used-mail-footer = Si ce n'était pas vous, changez immédiatement votre mot de passe et contactez votre administrateur.
factor-added-mail-subject = { $product } : un moyen de confirmer les connexions a été ajouté à votre compte
factor-added-app-mail-text = Une application d'authentification a été configurée pour la validation en deux étapes de votre compte : ses codes confirment désormais vos connexions.
factor-added-passkey-mail-text = Une clé d'accès nommée « { $name } » a été ajoutée à votre compte : elle peut désormais vous connecter.
factor-added-mail-footer = Si ce n'était pas vous, changez immédiatement votre mot de passe, supprimez-la depuis la page de votre compte et contactez votre administrateur.
two-step-removed-mail-subject = { $product } : votre application d'authentification a été supprimée
two-step-removed-mail-text = Votre application d'authentification et ses codes de récupération ont été supprimés de votre compte depuis la page du compte : ils ne confirment plus aucune connexion. Sauf si vous avez une clé d'accès, la connexion ne demande plus que votre mot de passe.
two-step-removed-mail-footer = Si ce n'était pas vous, changez immédiatement votre mot de passe, configurez de nouveau la validation en deux étapes et contactez votre administrateur.
two-step-reset-mail-subject = { $product } : votre validation en deux étapes a été réinitialisée
two-step-reset-mail-text = Un administrateur a supprimé votre application d'authentification, vos codes de récupération et vos clés d'accès. Vous pouvez réactiver la validation en deux étapes et ajouter de nouveau des clés d'accès depuis la page de votre compte.
two-step-reset-mail-footer = Si vous ne l'avez pas demandé, contactez votre administrateur.
