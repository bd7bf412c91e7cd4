// The OpenID provider of tests/test_sso_oidc.py, on 127.0.0.1 only: the npm package
// oidc-provider (OpenID Certified) with one client (the portal) and the users of a JSON file
// the test writes ({username: claims}, read at every login, so a test can take a role away).
//
// Its login page takes any password and lets the test say which authentication methods
// the login used (`amr`, RFC 8176: "pwd", or "pwd,mfa" for a second factor), as Entra ID
// states them in the ID token. The consent page has one button. Started and stopped by
// tests/identity_providers.py (OidcProvider); configured through the environment.

import fs from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const issuer = process.env.OIDC_ISSUER;
const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const usersFile = process.env.OIDC_USERS_FILE;

function users() {
  return JSON.parse(fs.readFileSync(usersFile, 'utf8'));
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const provider = new Provider(issuer, {
  clients: [{
    ...client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  async findAccount(ctx, id) {
    const claims = users()[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  claims: {
    // amr (how the user logged in) in every ID token, as Entra ID sends it.
    openid: ['sub', 'amr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'roles', 'tid'],
  },
  // The claims in the ID token too, as Entra ID sends roles and tid.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['kkrmaal-test-only'] },
  ttl: { Session: 600, Interaction: 600, Grant: 600, AuthorizationCode: 60, IdToken: 600, AccessToken: 600 },
});

function page(res, body) {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><body>${body}</body></html>`);
}

function readForm(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(data))));
  });
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const uid = escape(details.uid);
  const action = req.url.split('?')[0];
  if (req.method === 'GET' && details.prompt.name === 'login') {
    return page(res, `<form method="post" action="/interaction/${uid}/login">
      <input name="login" value=""><input name="password" type="password" value="">
      <input name="amr" value="pwd"><button>Log in</button></form>`);
  }
  if (req.method === 'GET') {
    return page(res, `<form method="post" action="/interaction/${uid}/confirm">
      <input type="hidden" name="consent" value="yes"><button>Allow</button></form>`);
  }
  if (action.endsWith('/login')) {
    const form = await readForm(req);
    if (!users()[form.login]) {
      return provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'unknown user',
      });
    }
    const amr = form.amr.split(',').filter(Boolean);
    return provider.interactionFinished(req, res, { login: { accountId: form.login, amr } });
  }
  const { prompt, params, session } = details;
  const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error.stack || error));
    });
    return;
  }
  callback(req, res);
}).listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
