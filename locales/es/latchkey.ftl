# Latchkey: los textos de las páginas de inicio de sesión y de los correos, en español (trato de usted).
# Claves y variables como en locales/en/latchkey.ftl.

## Cómo se expresa la validez de un enlace («válido durante { $reset_ttl }»).
duration = { $unit ->
    [day] { $count ->
        [one] 1 día
       *[other] { $count } días
    }
    [hour] { $count ->
        [one] 1 hora
       *[other] { $count } horas
    }
   *[minute] { $count ->
        [one] 1 minuto
       *[other] { $count } minutos
    }
}

## Inicio de sesión
sign-in-title = Iniciar sesión
sign-in-heading = Iniciar sesión
sign-in-to = para continuar en
username-label = Correo electrónico o nombre de usuario
password-label = Contraseña
sign-in-button = Iniciar sesión
bad-credentials = El correo electrónico, el nombre de usuario o la contraseña no son correctos. Revíselos e inténtelo de nuevo.
unverified-email = Primero confirme su dirección de correo electrónico: abra el enlace que le enviamos. ¿No ha recibido ningún mensaje? Solicite un enlace nuevo.
forgot-link = ¿Ha olvidado su contraseña?
register-link = Crear una cuenta
resend-link = Enviar un nuevo enlace de confirmación
continue-link = Continuar
sign-in-link = Iniciar sesión

## Errores
error-title = Se ha producido un error
error-heading = Este enlace de inicio de sesión no se puede usar
error-unknown-client = La aplicación que le ha enviado aquí no está registrada en este servicio de inicio de sesión.
error-bad-redirect-uri = La aplicación que le ha enviado aquí ha pedido volver a una dirección que no tiene registrada, así que no se le ha redirigido a ningún sitio.
error-malformed = La solicitud de inicio de sesión no es válida.
error-missing-client = La solicitud de inicio de sesión no indica de qué aplicación procede.
error-missing-redirect-uri = La solicitud de inicio de sesión no indica adónde volver.
error-form-expired = El formulario ha caducado o se ha enviado desde otro sitio. Vuelva a la aplicación y empiece de nuevo.
error-unavailable = El servicio de inicio de sesión no está disponible temporalmente. Inténtelo de nuevo en unos segundos.
error-too-many-attempts = Demasiados intentos. Espere unos minutos antes de volver a intentarlo o restablezca su contraseña.
error-go-back = Vuelva a la aplicación de la que procede e inténtelo de nuevo, o póngase en contacto con su servicio de asistencia.
error-bad-id-token-hint = La solicitud de cierre de sesión menciona un inicio de sesión que este servicio no ha emitido.

## Cierre de sesión
logout-title = Cerrar sesión
logout-heading = ¿Cerrar sesión?
logout-question = Se cerrará su sesión en este servicio de inicio de sesión y en las aplicaciones que lo usan en este dispositivo.
logout-button = Cerrar sesión
logged-out-title = Sesión cerrada
logged-out-heading = Ha cerrado sesión
logged-out-text = Ya puede cerrar esta ventana.

## Restablecimiento de la contraseña
forgot-title = Restablecer la contraseña
forgot-heading = Restablecer la contraseña
forgot-intro = Introduzca la dirección de correo electrónico de su cuenta. Le enviaremos un enlace para elegir una contraseña nueva.
email-label = Dirección de correo electrónico
forgot-button = Enviar el enlace
forgot-sent-heading = Revise su correo electrónico
forgot-sent-text = Si hay una cuenta con esta dirección, le hemos enviado un enlace para restablecer su contraseña. El enlace solo funciona una vez y es válido durante { $reset_ttl }.
reset-title = Elegir una contraseña nueva
reset-heading = Elegir una contraseña nueva
new-password-label = Contraseña nueva
new-password-hint = Al menos 8 caracteres. Una frase larga es más fácil de recordar y más difícil de adivinar.
confirm-password-label = Repita la contraseña nueva
reset-button = Guardar la contraseña nueva
reset-mismatch = Las dos contraseñas no coinciden.
reset-too-short = La contraseña debe tener al menos 8 caracteres.
reset-too-long = La contraseña no puede superar los 1024 bytes.
reset-common = Esta contraseña es una de las más usadas. Elija otra.
reset-invalid-link = Este enlace ha caducado o ya se ha usado. Solicite uno nuevo.
reset-done-heading = Su contraseña se ha cambiado
reset-done-text = Se ha cerrado su sesión en todas partes. Vuelva a su aplicación e inicie sesión con la contraseña nueva.

## Registro y confirmación del correo electrónico
register-title = Crear una cuenta
register-heading = Crear una cuenta
register-intro = Enviaremos un enlace a su dirección de correo electrónico para confirmar que es suya.
register-button = Crear la cuenta
register-password-again-label = Repita la contraseña
register-closed = Aquí no se pueden crear cuentas. Solicite una invitación a su administrador.
register-domain-not-allowed = No se pueden crear cuentas con direcciones de este dominio. Use su dirección del trabajo.
register-invalid-email = Introduzca una dirección de correo electrónico, por ejemplo nombre@example.org.
register-sent-heading = Revise su correo electrónico
register-sent-text = Hemos enviado un mensaje a la dirección que ha introducido. Abra el enlace que contiene para confirmar su dirección y terminar de crear su cuenta. El enlace es válido durante { $verification_ttl }.
have-account-link = ¿Ya tiene una cuenta? Inicie sesión
verify-title = Confirmar la dirección de correo electrónico
verify-heading = Confirmar la dirección de correo electrónico
verify-intro = Confirme que esta dirección es suya para terminar de configurar su cuenta.
verify-button = Confirmar mi dirección
verify-invalid-link = Este enlace ha caducado o ya se ha usado. Solicite uno nuevo.
verify-done-heading = Su dirección está confirmada
verify-done-text = Su cuenta está lista. Inicie sesión para continuar.
resend-title = Confirmar la dirección de correo electrónico
resend-heading = Obtener un nuevo enlace de confirmación
resend-intro = Introduzca la dirección de correo electrónico de su cuenta. Si aún no está confirmada, le enviaremos un enlace nuevo.
resend-button = Enviar el enlace
resend-sent-text = Si esta dirección pertenece a una cuenta que aún no está confirmada, le hemos enviado un enlace nuevo.

## Invitaciones
invitation-title = Aceptar la invitación
invitation-heading = Aceptar la invitación
invitation-intro = Elija una contraseña para crear su cuenta de
invitation-username-label = Nombre de usuario (opcional)
invitation-username-hint = Hasta 64 letras, cifras y . _ - ~. También puede iniciar sesión con su dirección de correo electrónico.
invitation-button = Crear mi cuenta
invitation-invalid-link = Esta invitación ha caducado, ya se ha usado o se ha retirado. Solicite una nueva a la persona que le invitó.
invitation-username-taken = Este nombre de usuario ya está en uso. Elija otro o deje el campo vacío.
invitation-username-invalid = Un nombre de usuario tiene hasta 64 letras, cifras y . _ - ~.
invitation-done-heading = Su cuenta está lista
invitation-done-text = Su dirección está confirmada y su cuenta está lista. Abra su aplicación e inicie sesión.

## La página de la cuenta
account-title = Su cuenta
account-heading = Su cuenta
account-signed-out-heading = Inicie sesión para ver su cuenta
account-signed-out-text = La página de su cuenta se abre cuando ha iniciado sesión en este navegador. Inicie sesión desde la aplicación que usa (le llevará a la página de inicio de sesión de este servicio) y vuelva después a esta dirección. ¿Ha olvidado su contraseña? Restablézcala desde la página de inicio de sesión.
account-profile-heading = Perfil
account-email-label = Dirección de correo electrónico
account-email-verified = confirmada
account-email-unverified = aún no confirmada
account-username-label = Nombre de usuario
account-no-username = ninguno
account-created-label = Cuenta creada
account-two-step-heading = Verificación en dos pasos
# Passkeys (issue 20).
passkey-sign-in-button = Iniciar sesión con una llave de acceso
passkey-failed = No se pudo usar su llave de acceso. Inténtelo de nuevo o inicie sesión con su contraseña.
passkey-sign-in-failed = No se pudo iniciar sesión con esa llave de acceso. Inténtelo de nuevo o inicie sesión con su contraseña.
account-passkeys-heading = Llaves de acceso
account-passkeys-text = Una llave de acceso le permite iniciar sesión con el bloqueo de pantalla de su dispositivo (huella, rostro o PIN) en lugar de su contraseña. Cuando inicia sesión con su contraseña, una llave de acceso también sirve como segundo paso.
account-passkeys-none = Aún no tiene llaves de acceso.
account-passkey-never-used = nunca
account-passkey-name-label = Nombre de la nueva llave de acceso
account-passkey-name-hint = Por ejemplo, el dispositivo donde está, como «Portátil del trabajo».
account-passkey-add-button = Añadir una llave de acceso
account-passkey-rename-label = Nuevo nombre
account-passkey-rename-button = Cambiar el nombre
account-passkey-remove-button = Eliminar
account-passkey-remove-password-label = Su contraseña (necesaria para eliminar su última llave de acceso)
account-passkey-added = Se ha añadido su llave de acceso. La próxima vez podrá iniciar sesión con ella.
account-passkey-renamed = Se ha cambiado el nombre de la llave de acceso.
account-passkey-removed = Se ha eliminado la llave de acceso. Ya no podrá iniciar sesión con ella.
account-passkey-failed = No se añadió la llave de acceso. Inténtelo de nuevo.
account-passkey-exists = Esta llave de acceso ya está registrada.
account-passkey-bad-name = Asigne a la llave de acceso un nombre de 1 a 64 caracteres.
account-passkey-gone = Esa llave de acceso ya no existe.
account-two-step-text = Un código de una aplicación de autenticación, pedido después de su contraseña, protege su cuenta aunque alguien conozca su contraseña.
account-password-heading = Cambiar la contraseña
account-current-password-label = Contraseña actual
account-password-button = Cambiar la contraseña
account-wrong-password = La contraseña actual no es correcta.
account-password-changed = Su contraseña se ha cambiado. Su sesión sigue abierta en este navegador; se ha cerrado en todas las demás sesiones y aplicaciones.
account-devices-heading = Dónde tiene la sesión iniciada
account-browser-sessions = Sesiones del navegador
account-app-sessions = Aplicaciones
account-this-browser = Este navegador
account-browser = Navegador
account-created-column = Inicio de sesión
account-last-used-column = Último uso
account-source-column = Desde
account-never-used = todavía no
account-app-column = Aplicación
account-revoke-button = Cerrar sesión
account-revoke-label = Cerrar esta sesión
account-none = Ninguna.
account-revoked = Esa sesión se ha cerrado.
account-unknown-session = Esa sesión no es suya o ya ha finalizado.
account-logout-everywhere-text = Cerrar la sesión en todos los navegadores y en todas las aplicaciones, incluido este.
account-logout-everywhere-button = Cerrar sesión en todas partes
account-logged-out-everywhere-heading = Ha cerrado sesión en todas partes
account-logged-out-everywhere-text = Ya no hay ninguna sesión abierta en su cuenta, en ningún navegador ni aplicación. Vuelva a iniciar sesión desde su aplicación.
account-data-heading = Sus datos
account-data-text = Descargue lo que este servicio guarda sobre usted: su perfil, dónde tiene la sesión iniciada y el registro de cambios de su cuenta, en un archivo JSON.
account-data-link = Descargar mis datos
account-delete-heading = Eliminar la cuenta
account-delete-text = Su cuenta se eliminará definitivamente y se cerrará su sesión en todas partes. Esta acción no se puede deshacer.
account-delete-password-label = Su contraseña
account-delete-button = Eliminar mi cuenta
account-deletion-off = Aquí no se pueden eliminar cuentas. Consulte a su administrador.
account-deleted-heading = Su cuenta se ha eliminado
account-deleted-text = Su cuenta ya no existe y se ha cerrado su sesión en todas partes. Ya puede cerrar esta ventana.

## Correos
mail-link-hint = Si el botón no funciona, copie esta dirección en su navegador:
mail-signature = Este mensaje lo ha enviado { $product }. Las respuestas a este mensaje no se leen.
reset-mail-subject = { $product }: restablezca su contraseña
reset-mail-text = Alguien (esperamos que usted) ha solicitado restablecer la contraseña de su cuenta. Para elegir una contraseña nueva, abra este enlace, válido durante { $reset_ttl }:
reset-mail-button = Elegir una contraseña nueva
reset-mail-footer = Si no lo ha solicitado usted, ignore este mensaje: su contraseña no cambiará.
password-changed-mail-subject = { $product }: su contraseña se ha cambiado
password-changed-mail-text = La contraseña de su cuenta se acaba de cambiar y se han cerrado todas las sesiones.
password-changed-mail-footer = Si no ha sido usted, restablezca su contraseña de inmediato y póngase en contacto con su administrador.
verify-mail-subject = { $product }: confirme su dirección de correo electrónico
verify-mail-text = ¡Le damos la bienvenida! Para confirmar que esta dirección es suya y terminar de crear su cuenta, abra este enlace, válido durante { $verification_ttl }:
verify-mail-button = Confirmar mi dirección
verify-mail-footer = Si no ha creado ninguna cuenta, ignore este mensaje.
exists-mail-subject = { $product }: alguien ha intentado crear una cuenta con su dirección
exists-mail-text = Alguien (quizá usted) ha intentado crear una cuenta nueva con esta dirección de correo electrónico, que ya tiene una. No se ha creado ninguna cuenta nueva. Si ha sido usted y ha olvidado su contraseña, restablézcala aquí:
exists-mail-button = Restablecer mi contraseña
exists-mail-footer = Si no ha sido usted, puede ignorar este mensaje.
invitation-mail-subject = { $product }: ha recibido una invitación
invitation-mail-text = Le han invitado a crear una cuenta. Para elegir su contraseña, abra este enlace, válido durante { $invitation_ttl }:
invitation-mail-button = Aceptar la invitación
invitation-mail-footer = Si no esperaba esta invitación, ignore este mensaje.
account-changed-mail-subject = { $product }: su contraseña se ha cambiado
account-changed-mail-text = La contraseña de su cuenta se acaba de cambiar en la página de la cuenta. El navegador desde el que se cambió sigue con la sesión iniciada; se ha cerrado la sesión en todas las demás sesiones y aplicaciones.
account-changed-mail-footer = Si no ha sido usted, restablezca su contraseña de inmediato y póngase en contacto con su administrador.

## The profile and address change (issue 18)
account-display-name-label = Nombre visible
account-display-name-hint = Cómo le saludan las aplicaciones. Déjelo vacío para no mostrar ninguno.
account-no-display-name = ninguno
account-profile-button = Guardar el perfil
account-profile-saved = Su perfil se ha guardado.
account-display-name-invalid = Un nombre visible tiene como máximo 100 caracteres.
account-email-heading = Cambiar su dirección de correo electrónico
account-new-email-label = Nueva dirección de correo electrónico
account-email-password-label = Su contraseña
account-email-button = Enviar un enlace de confirmación
account-email-pending = Hemos enviado un enlace de confirmación a { $email }. Su dirección cambia cuando lo abra allí.
account-email-sent = Revise la bandeja de entrada de la nueva dirección: su dirección cambia cuando abra el enlace que le hemos enviado allí.
account-email-same = Esa ya es su dirección.
account-email-throttled = Se han enviado demasiados enlaces de confirmación para su cuenta. Vuelva a intentarlo más tarde.
verify-change-intro = Confirme que esta dirección es suya para que sea la nueva dirección de su cuenta.
verify-changed-heading = Su nueva dirección está confirmada
verify-changed-text = Su cuenta usa ahora esta dirección. A partir de ahora, inicie sesión con ella.
verify-taken-heading = Esta dirección no se puede usar
verify-taken-text = Esta dirección ya pertenece a otra cuenta, así que su cuenta conserva su dirección anterior. Inicie sesión en esa otra cuenta o elija otra dirección en la página de su cuenta.
change-mail-subject = { $product }: Confirme su nueva dirección de correo electrónico
change-mail-text = Alguien (esperamos que usted) ha pedido usar esta dirección para su cuenta. Para confirmarla, abra este enlace en un plazo de { $verification_ttl }:
change-mail-button = Confirmar mi nueva dirección
change-mail-footer = Hasta entonces, la cuenta conserva su dirección anterior. Si no lo ha pedido usted, ignore este mensaje.
address-changed-mail-subject = { $product }: Se ha cambiado su dirección de correo electrónico
address-changed-mail-text = La dirección de correo electrónico de su cuenta acaba de cambiarse a { $email }. Esta dirección ya no recibirá mensajes sobre su cuenta.
address-changed-mail-footer = Si no ha sido usted, póngase en contacto con su administrador de inmediato.

## Client display metadata and consent (issue 19)
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

## Every page has a next step (issue 19)
footer-label = Información legal y ayuda
footer-terms = Condiciones
footer-privacy = Privacidad
footer-support = Ayuda
show-password = Mostrar contraseña
hide-password = Ocultar contraseña
caps-lock-on = Bloq Mayús está activado.
error-expired-heading = Este formulario ha caducado
error-expired-text = Por seguridad, un formulario solo funciona durante un tiempo y solo en este sitio. Vuelva a abrir la página y repita lo que estaba haciendo.
error-throttled-heading = Demasiados intentos
error-throttled-text = Se han hecho demasiados intentos. Vuelva a intentarlo dentro de { $wait }. Si ha olvidado la contraseña, restablézcala ahora: la nueva contraseña funciona al instante.
wait-seconds = { $n } segundos
wait-one-minute = 1 minuto
wait-minutes = { $n } minutos
error-unavailable-heading = No disponible temporalmente
try-again-link = Volver a intentarlo
error-link-heading = Este enlace no se puede usar
send-new-link = Enviar un enlace nuevo
error-not-found-heading = Página no encontrada
error-not-found-text = No hay ninguna página en esta dirección. Compruebe la dirección o vaya a su cuenta.
error-method-heading = Esta página no se puede usar así
error-method-text = Esta dirección no acepta este tipo de solicitud. Vuelva a abrir la página desde su enlace.
error-not-available-heading = No disponible aquí
account-link = Ir a su cuenta
reset-password-link = Restablecer la contraseña
sign-in-expired-notice = No se ha enviado nada: la página estuvo abierta mucho tiempo o se inició o cerró sesión en otra pestaña. Vuelva a escribir la contraseña.
signed-in-as = Sesión iniciada como
signed-in-as-advice = Vuelva a escribir la contraseña para continuar o inicie sesión con otra cuenta.
disabled-hint = Si su cuenta se ha desactivado, póngase en contacto con el administrador.
account-sign-in-to = para ver su cuenta
back-to-sign-in-link = Volver al inicio de sesión
send-again-link = ¿No ha llegado el mensaje? Enviarlo de nuevo
reset-done-continue-text = Se ha cerrado la sesión en todas partes. Inicie sesión con la nueva contraseña para continuar.
logout-signed-in-as = Ha iniciado sesión como
cancel-link = Cancelar
logged-out-next-text = Se ha cerrado la sesión en este dispositivo. Para volver a usar una aplicación, inicie sesión.
sign-in-again-link = Volver a iniciar sesión
account-signed-out-next-text = Inicie sesión para ver su perfil, cambiar la contraseña y ver dónde tiene la sesión iniciada.

## Second factors (issue 20)
two-step-title = Verificación en dos pasos
two-step-heading = Introduzca su código de verificación
two-step-text = Abra la aplicación de autenticación de su teléfono e introduzca el código de 6 dígitos que muestra para esta cuenta.
two-step-code-label = Código de verificación
two-step-verify-button = Verificar
two-step-trust-label = Confiar en este navegador: omitir este paso en él durante un tiempo
two-step-recovery-heading = ¿Ha perdido su teléfono?
two-step-recovery-text = Introduzca uno de los códigos de recuperación que guardó al configurar la verificación en dos pasos. Cada código sirve una sola vez.
two-step-recovery-label = Código de recuperación
two-step-recovery-button = Usar código de recuperación
two-step-wrong-code = Ese código no es correcto o ya se ha usado. Introduzca el siguiente código que muestre su aplicación.
two-step-ended = Demasiados códigos incorrectos, o se agotó el tiempo para introducirlo. Vuelva a iniciar sesión.
two-step-other-account-link = Iniciar sesión con otra cuenta
two-step-passkey-heading = Use su llave de acceso
two-step-passkey-instead-heading = O use una llave de acceso
two-step-passkey-text = Confirme que es usted con una llave de acceso que añadió a esta cuenta: su dispositivo le pedirá su bloqueo de pantalla (huella, rostro o PIN).
two-step-passkey-button = Usar una llave de acceso
two-step-passkey-failed = Esa llave de acceso no confirmó su inicio de sesión. Inténtelo de nuevo o use otra forma de esta página.
two-step-passkey-unsupported = Este navegador no puede usar llaves de acceso. Use otra forma de esta página o inicie sesión en un dispositivo que tenga su llave de acceso.
enrol-title = Configurar la verificación en dos pasos
enrol-required-text = Su cuenta necesita la verificación en dos pasos para poder continuar. Configurarla lleva un minuto.
enrol-steps = Escanee el código QR con una aplicación de autenticación (por ejemplo, en su teléfono) o escriba la clave a mano. Después introduzca el código de 6 dígitos que muestre la aplicación.
enrol-qr-label = Código QR para su aplicación de autenticación
enrol-key-label = Clave (si no puede escanear el código)
enrol-confirm-button = Activar la verificación en dos pasos
enrol-passkey-heading = O añada en su lugar una llave de acceso
enrol-passkey-text = No necesita ninguna aplicación: el bloqueo de pantalla de su dispositivo (huella, rostro o PIN) confirmará sus inicios de sesión, y la llave de acceso también puede iniciar su sesión por sí sola.
recovery-codes-title = Sus códigos de recuperación
recovery-codes-text = Si pierde su teléfono, cada uno de estos códigos le permite iniciar sesión una vez en lugar de un código de verificación. Imprímalos o guárdelos ahora en su gestor de contraseñas: solo se muestran esta vez.
account-two-step-on = La verificación en dos pasos está activada: después de su contraseña, se le pide un código de su aplicación de autenticación.
account-two-step-codes-left = Códigos de recuperación sin usar:
account-two-step-setup-button = Configurar una aplicación de autenticación
account-two-step-regenerate-button = Obtener nuevos códigos de recuperación
account-two-step-remove-button = Quitar la aplicación de autenticación
account-two-step-password-hint = Introduzca su contraseña para cambiar la verificación en dos pasos.
account-two-step-removed = Su aplicación de autenticación y sus códigos de recuperación se han eliminado. Hemos enviado un aviso a su dirección de correo electrónico.
recovery-used-mail-subject = { $product }: se ha usado un código de recuperación para iniciar sesión
recovery-used-mail-text = Se acaba de usar un código de recuperación en lugar de un código de verificación para iniciar sesión en su cuenta. Si fue usted, considere obtener nuevos códigos de recuperación en la página de su cuenta.
recovery-used-mail-footer = Si no fue usted, cambie su contraseña de inmediato y póngase en contacto con su administrador.
factor-added-mail-subject = { $product }: se ha añadido a su cuenta una forma de confirmar inicios de sesión
factor-added-app-mail-text = Se ha configurado una aplicación de autenticación para la verificación en dos pasos de su cuenta: sus códigos confirman ahora sus inicios de sesión.
factor-added-passkey-mail-text = Se ha añadido a su cuenta una llave de acceso llamada «{ $name }»: ahora puede iniciar su sesión.
factor-added-mail-footer = Si no fue usted, cambie su contraseña de inmediato, elimínela en la página de su cuenta y póngase en contacto con su administrador.
two-step-removed-mail-subject = { $product }: se ha eliminado su aplicación de autenticación
two-step-removed-mail-text = Su aplicación de autenticación y sus códigos de recuperación se han eliminado de su cuenta en la página de la cuenta: ya no confirman ningún inicio de sesión. Salvo que tenga una llave de acceso, ahora para iniciar sesión solo se necesita su contraseña.
two-step-removed-mail-footer = Si no fue usted, cambie su contraseña de inmediato, vuelva a configurar la verificación en dos pasos y póngase en contacto con su administrador.
two-step-reset-mail-subject = { $product }: se ha restablecido su verificación en dos pasos
two-step-reset-mail-text = Un administrador ha eliminado su aplicación de autenticación, sus códigos de recuperación y sus llaves de acceso. Puede volver a configurar la verificación en dos pasos y añadir llaves de acceso en la página de su cuenta.
two-step-reset-mail-footer = Si usted no lo pidió, póngase en contacto con su administrador.
