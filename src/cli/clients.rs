//! `latchkey clients`: register, list, change and delete OAuth clients.

use clap::Subcommand;
use serde_json::json;

use super::output::Output;
use crate::app::Services;
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::domain::clients::{self, ClientChanges, GrantType, NewClient, TokenEndpointAuthMethod};

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
                        let grants: Vec<_> = c.grants.iter().map(|g| g.as_str()).collect();
                        format!(
                            "{}  {kind}  grants={}  scope={}  web_origins={}",
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
