//! `latchkey clients`: register, list, change and delete OAuth clients.

use clap::Subcommand;
use serde_json::json;

use super::output::Output;
use crate::app::Services;
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::domain::clients::{
    self, ClientChanges, ClientView, GrantType, NewClient, TokenEndpointAuthMethod,
};

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Register a client; a confidential client's secret is printed once and stored only as a hash
    Create {
        #[arg(long)]
        id: String,
        /// A public client (no secret; authenticates by client_id alone, with PKCE; never the password grant)
        #[arg(long)]
        public: bool,
        /// An allowed grant: authorization_code, client_credentials, password or refresh_token (repeatable)
        #[arg(
            long = "grant",
            value_name = "GRANT",
            required_unless_present = "can_introspect",
            value_parser = grant
        )]
        grants: Vec<GrantType>,
        /// A scope the client may request (repeatable)
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// An `aud` of its access tokens (repeatable; default: the client id)
        #[arg(long = "audience", value_name = "AUDIENCE")]
        audiences: Vec<String>,
        /// A redirection URI, matched exactly (repeatable; https, or http on a loopback host)
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// A URI a logout may return to (repeatable)
        #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
        post_logout_redirect_uris: Vec<String>,
        /// A browser origin (https://host[:port], or http on a loopback host) whose single-page app may call
        /// /token, /revoke and /userinfo (CORS); repeatable. Default: the origins of the https and loopback
        /// redirect URIs
        #[arg(long = "web-origin", value_name = "ORIGIN")]
        web_origins: Vec<String>,
        /// How a confidential client authenticates: client_secret_basic (default) or client_secret_post
        #[arg(long, value_name = "METHOD", value_parser = auth_method)]
        auth_method: Option<TokenEndpointAuthMethod>,
        /// Let this confidential client redeem authorization codes without PKCE (it must then send a nonce)
        #[arg(long)]
        allow_no_pkce: bool,
        /// Let this confidential client call POST /introspect (a resource server; needs no grant)
        #[arg(long)]
        can_introspect: bool,
        #[command(flatten)]
        display: DisplayArgs,
        /// A client someone else runs: users are asked consent on a consent page, and the password grant is
        /// refused (default: first-party, the operator's own app)
        #[arg(long)]
        third_party: bool,
        /// Sign-ins to this client need a second factor; users without one enrol right after the password
        #[arg(long)]
        require_mfa: bool,
        /// Let the password grant sign in users who have a second factor (or when --require-mfa is set), although
        /// it can't ask for it (RFC 9700 §2.4)
        #[arg(long)]
        allow_password_grant_without_mfa: bool,
        #[command(flatten)]
        output: Output,
    },
    /// Change a client: each list given replaces the stored one (other settings stay as they are)
    Update {
        id: String,
        /// The allowed grants (repeatable; replaces them)
        #[arg(long = "grant", value_name = "GRANT", value_parser = grant)]
        grants: Vec<GrantType>,
        /// The scopes the client may request (repeatable; replaces them)
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// The redirection URIs (repeatable; replaces them)
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// The URIs a logout may return to (repeatable; replaces them)
        #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
        post_logout_redirect_uris: Vec<String>,
        /// The browser origins whose apps may call /token, /revoke and /userinfo (CORS; repeatable; replaces them)
        #[arg(
            long = "web-origin",
            value_name = "ORIGIN",
            conflicts_with = "default_web_origins"
        )]
        web_origins: Vec<String>,
        /// Forget the web origins set: the origins of the redirect URIs apply again
        #[arg(long)]
        default_web_origins: bool,
        #[command(flatten)]
        display: DisplayArgs,
        /// Make it a third-party client (consent page, no password grant)
        #[arg(long, conflicts_with = "first_party")]
        third_party: bool,
        /// Make it a first-party client (no consent page)
        #[arg(long)]
        first_party: bool,
        #[command(flatten)]
        mfa: MfaArgs,
        #[command(flatten)]
        output: Output,
    },
    /// Show one client: its settings, display metadata and party
    Show {
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// List clients
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Delete a client and every refresh token issued to it
    Delete {
        id: String,
        #[command(flatten)]
        output: Output,
    },
}

/// Display metadata shown on the hosted pages (RFC 7591 §2). On `update`, an empty value clears the field.
#[derive(Debug, clap::Args)]
pub struct DisplayArgs {
    /// The name the pages show ("to continue to NAME"), 1-100 characters; default: the client id
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// An https URL of the app's logo, shown beside its name
    #[arg(long, value_name = "URL")]
    logo_uri: Option<String>,
    /// The app's home page, the pages' "back to" link (https; http only on a loopback host)
    #[arg(long, value_name = "URL")]
    client_uri: Option<String>,
    /// The app's privacy policy (https)
    #[arg(long, value_name = "URL")]
    policy_uri: Option<String>,
    /// The app's terms of service (https)
    #[arg(long, value_name = "URL")]
    tos_uri: Option<String>,
}

impl DisplayArgs {
    /// As set on `create`.
    fn into_display(self) -> clients::ClientDisplay {
        clients::ClientDisplay {
            client_name: self.name,
            logo_uri: self.logo_uri,
            client_uri: self.client_uri,
            policy_uri: self.policy_uri,
            tos_uri: self.tos_uri,
        }
    }
}

/// On `update`: absent leaves a field, empty clears it, a value sets it.
fn change(value: Option<String>) -> Option<Option<String>> {
    value.map(|v| (!v.is_empty()).then_some(v))
}

/// The display metadata and party of a client, for people.
fn describe(view: &ClientView) -> String {
    let unset = || "-".to_owned();
    let field = |value: &Option<String>| value.clone().unwrap_or_else(unset);
    format!(
        "client_id: {}\nkind: {}\nparty: {}\ngrants: {}\nscope: {}\nredirect_uris: {}\nweb_origins: {}\n\
         client_name: {}\nlogo_uri: {}\nclient_uri: {}\npolicy_uri: {}\ntos_uri: {}",
        view.client_id,
        if view.public {
            "public"
        } else {
            "confidential"
        },
        if view.first_party {
            "first-party"
        } else {
            "third-party"
        },
        view.grant_types.join(","),
        view.scope,
        view.redirect_uris.join(" "),
        view.effective_web_origins.join(" "),
        field(&view.client_name),
        field(&view.logo_uri),
        field(&view.client_uri),
        field(&view.policy_uri),
        field(&view.tos_uri),
    )
}

/// `--grant`, parsed as the admin API parses `grant_types`.
fn grant(name: &str) -> Result<GrantType, String> {
    clients::grant_type(name).map_err(|e| e.to_string())
}

/// `--auth-method`, parsed as the admin API parses `token_endpoint_auth_method`.
fn auth_method(name: &str) -> Result<TokenEndpointAuthMethod, String> {
    clients::auth_method(name).map_err(|e| e.to_string())
}

/// Runs a `clients` command.
pub(super) async fn run(command: ClientsCommand, config: &Config) -> anyhow::Result<()> {
    let services = Services::for_command(config).await?;
    match command {
        ClientsCommand::Create {
            id,
            public,
            grants,
            scopes,
            audiences,
            redirect_uris,
            post_logout_redirect_uris,
            web_origins,
            auth_method,
            allow_no_pkce,
            can_introspect,
            display,
            third_party,
            require_mfa,
            allow_password_grant_without_mfa,
            output,
        } => {
            let (client, secret) = clients::create_client(
                &services.store,
                NewClient {
                    id,
                    public,
                    grants,
                    scopes,
                    audiences,
                    redirect_uris,
                    post_logout_redirect_uris,
                    web_origins,
                    auth_method,
                    allow_no_pkce,
                    can_introspect,
                    display: display.into_display(),
                    third_party,
                    require_mfa,
                    allow_password_grant_without_mfa,
                },
                &Actor::command_line(),
                crate::store::now(),
            )
            .await?;
            let secret = secret.as_ref().map(|s| s.expose().to_owned());
            output.print(json!({ "client_id": client.id, "client_secret": secret }), || match &secret {
                Some(secret) => format!(
                    "created confidential client {}\nclient_secret: {secret}\n(shown once: store it now)",
                    client.id
                ),
                None => format!("created public client {}", client.id),
            });
        }
        ClientsCommand::Update {
            id,
            grants,
            scopes,
            redirect_uris,
            post_logout_redirect_uris,
            web_origins,
            default_web_origins,
            display,
            third_party,
            first_party,
            mfa,
            output,
        } => {
            let given = |list: Vec<String>| (!list.is_empty()).then_some(list);
            let web_origins = if default_web_origins {
                Some(Vec::new())
            } else {
                given(web_origins)
            };
            let client = clients::update_client(
                &services.store,
                &Actor::command_line(),
                &id,
                ClientChanges {
                    grants: (!grants.is_empty()).then_some(grants),
                    scopes: given(scopes),
                    audiences: None,
                    redirect_uris: given(redirect_uris),
                    post_logout_redirect_uris: given(post_logout_redirect_uris),
                    web_origins,
                    client_name: change(display.name),
                    logo_uri: change(display.logo_uri),
                    client_uri: change(display.client_uri),
                    policy_uri: change(display.policy_uri),
                    tos_uri: change(display.tos_uri),
                    first_party: match (first_party, third_party) {
                        (true, _) => Some(true),
                        (_, true) => Some(false),
                        _ => None,
                    },
                    require_mfa: either(mfa.require_mfa, mfa.optional_mfa),
                    allow_password_grant_without_mfa: either(
                        mfa.allow_password_grant_without_mfa,
                        mfa.refuse_password_grant_without_mfa,
                    ),
                },
                None,
                crate::store::now(),
            )
            .await?;
            let view = client.view();
            output.print(serde_json::to_value(&view)?, || {
                format!(
                    "updated client {}\nweb origins: {}",
                    client.id,
                    view.effective_web_origins.join(" ")
                )
            });
        }
        ClientsCommand::Show { id, output } => {
            let view = clients::get_client(&services.store, &id).await?.view();
            output.print(serde_json::to_value(&view)?, || describe(&view));
        }
        ClientsCommand::List { output } => {
            let all = clients::list_clients(&services.store).await?;
            let rows: Vec<_> = all
                .iter()
                .map(super::super::domain::clients::Client::view)
                .collect();
            output.print(serde_json::to_value(&rows)?, || {
                all.iter()
                    .map(|c| {
                        let kind = if c.is_public() {
                            "public"
                        } else {
                            "confidential"
                        };
                        let party = if c.first_party {
                            "first-party"
                        } else {
                            "third-party"
                        };
                        let grants: Vec<_> = c.grants.iter().map(|g| g.as_str()).collect();
                        let name = c.display.client_name.as_deref().unwrap_or("-");
                        format!(
                            "{}  {kind}  {party}  name={name:?}  grants={}  scope={}  web_origins={}",
                            c.id,
                            grants.join(","),
                            c.scope,
                            c.cors_origins().join(",")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ClientsCommand::Delete { id, output } => {
            clients::delete_client(
                &services.store,
                &Actor::command_line(),
                &id,
                None,
                crate::store::now(),
            )
            .await?;
            output.print(json!({ "client_id": id, "deleted": true }), || {
                format!("deleted client {id}")
            });
        }
    }
    Ok(())
}

/// The MFA policy flags of `clients update`, each with its opposite.
#[derive(Debug, clap::Args)]
pub struct MfaArgs {
    /// Sign-ins to this client need a second factor
    #[arg(long, conflicts_with = "optional_mfa")]
    require_mfa: bool,
    /// Sign-ins to this client need a second factor only where the global policy or a role says so
    #[arg(long)]
    optional_mfa: bool,
    /// Let the password grant sign in users who have a second factor (RFC 9700 §2.4)
    #[arg(long, conflicts_with = "refuse_password_grant_without_mfa")]
    allow_password_grant_without_mfa: bool,
    /// Refuse the password grant for users who have a second factor (the default)
    #[arg(long)]
    refuse_password_grant_without_mfa: bool,
}

/// `Some(true)` for the first flag, `Some(false)` for its opposite, `None` for neither.
fn either(yes: bool, no: bool) -> Option<bool> {
    match (yes, no) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}
