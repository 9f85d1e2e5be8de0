// A single-page app using oauth4webapi (tests/api/browser_spa.rs): the authorization code flow with PKCE as a public
// client, then userinfo, refresh and revocation, every call made by the browser from this page's own origin. The
// outcome goes into #result as JSON for the test to read. The test serves this file with `ISSUER` and `CLIENT_ID`
// defined first.
import * as oauth from '/oauth4webapi.js';

const insecure = { [oauth.allowInsecureRequests]: true }; // the test's issuer is http://127.0.0.1
const issuer = new URL(ISSUER);
const client = { client_id: CLIENT_ID };
const clientAuth = oauth.None();
const redirectUri = `${location.origin}/callback`;
const out = (result) => { document.getElementById('result').textContent = JSON.stringify(result); };

async function discover() {
  const response = await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' });
  return oauth.processDiscoveryResponse(issuer, response);
}

async function start() {
  const as = await discover();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem('flow', JSON.stringify({ verifier, state, nonce }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', CLIENT_ID);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid email profile read');
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  location.assign(url.href);
}

async function callback(steps) {
  const { verifier, state, nonce } = JSON.parse(sessionStorage.getItem('flow'));
  steps.verifier = verifier;
  const as = await discover();
  steps.discovery = as.issuer;
  const params = oauth.validateAuthResponse(as, client, new URL(location.href), state);
  steps.code = params.get('code');
  const exchanged = await oauth.authorizationCodeGrantRequest(
    as, client, clientAuth, params, redirectUri, verifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as, client, exchanged, { expectedNonce: nonce, requireIdToken: true });
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  steps.token = { scope: tokens.scope, refresh: Boolean(tokens.refresh_token), sub: claims.sub };
  const info = await oauth.processUserInfoResponse(
    as, client, claims.sub, await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
  steps.userinfo = info;
  const refreshed = await oauth.processRefreshTokenResponse(
    as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, insecure));
  steps.refreshed = Boolean(refreshed.access_token) && refreshed.refresh_token !== tokens.refresh_token;
  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token, insecure));
  steps.revoked = true;
  // The revoked token's refusal is readable too (CORS headers on errors).
  try {
    await oauth.processRefreshTokenResponse(
      as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshed.refresh_token, insecure));
    steps.after_revocation = 'accepted';
  } catch (e) {
    steps.after_revocation = e.error ?? String(e);
  }
}

if (location.pathname === '/callback') {
  const steps = {};
  callback(steps)
    .then(() => out({ ok: true, steps }))
    .catch((e) => out({ ok: false, steps, error: `${e.name}: ${e.message}` }));
} else {
  start().catch((e) => out({ ok: false, steps: {}, error: `${e.name}: ${e.message}` }));
}
