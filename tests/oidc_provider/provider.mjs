// An OpenID provider built on the oidc-provider package, for tests that check the platform
// against an issuer it does not control.
//
//   node provider.mjs --issuer http://127.0.0.1:PORT --port PORT --jwks keys.json \
//     --client-id insight-app --redirect-uri http://127.0.0.1:8765/callback \
//     --resource https://insight.test/api=insight-api [--resource URI=AUDIENCE ...]
//
// --jwks is a file holding {"keys": [...]} with private JWKs; the first key signs, the others
// are only published (restart with [new, old] to rotate). Each --resource is a resource
// indicator (RFC 8707, an absolute URI) whose access tokens are JWTs (RFC 9068) with the
// given `aud`. The client is public and proves itself with PKCE, like the mobile app.
// Sign-in goes through the package's development interactions: any login is accepted and
// becomes the token's `sub`. Every option may also come from the environment
// (OIDC_ISSUER, OIDC_PORT, OIDC_HOST, OIDC_JWKS, OIDC_CLIENT_ID, OIDC_REDIRECT_URI,
// OIDC_RESOURCES with entries separated by spaces). Prints "ready <issuer>" once it listens.
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const { values: argv } = parseArgs({
  options: {
    issuer: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    jwks: { type: 'string' },
    'client-id': { type: 'string' },
    'redirect-uri': { type: 'string' },
    resource: { type: 'string', multiple: true },
  },
});
const { env } = process;
const args = {
  issuer: argv.issuer ?? env.OIDC_ISSUER,
  port: argv.port ?? env.OIDC_PORT,
  host: argv.host ?? env.OIDC_HOST ?? '127.0.0.1',
  jwks: argv.jwks ?? env.OIDC_JWKS,
  clientId: argv['client-id'] ?? env.OIDC_CLIENT_ID ?? 'insight-app',
  redirectUri: argv['redirect-uri'] ?? env.OIDC_REDIRECT_URI ?? 'http://127.0.0.1:8765/callback',
  resources: argv.resource
    ?? (env.OIDC_RESOURCES ?? 'https://insight.test/api=insight-api').split(/\s+/).filter(Boolean),
};

function fail(message) {
  console.error(`provider.mjs: ${message}`);
  process.exit(2);
}

if (!args.issuer) fail('--issuer (or OIDC_ISSUER) is required');
if (!args.jwks) fail('--jwks (or OIDC_JWKS) is required');
const port = Number(args.port ?? new URL(args.issuer).port);
if (!Number.isInteger(port) || port <= 0) fail('--port (or OIDC_PORT) must be a port number');

const jwks = JSON.parse(readFileSync(args.jwks, 'utf8'));
if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) fail(`${args.jwks} holds no keys`);

const resources = new Map(
  args.resources.map((entry) => {
    const at = entry.lastIndexOf('=');
    if (at <= 0) fail(`--resource ${entry}: expected URI=AUDIENCE`);
    return [entry.slice(0, at), entry.slice(at + 1)];
  }),
);

const provider = new Provider(args.issuer, {
  jwks,
  clients: [
    {
      client_id: args.clientId,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [args.redirectUri],
    },
  ],
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      getResourceServerInfo: (ctx, resourceIndicator) => {
        const audience = resources.get(resourceIndicator);
        if (audience === undefined) throw new errors.InvalidTarget();
        return {
          audience,
          scope: 'insight',
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: jwks.keys[0].alg ?? 'RS256' } },
        };
      },
    },
  },
});

const server = provider.listen(port, args.host, () => {
  console.log(`ready ${args.issuer}`);
});
server.on('error', (error) => fail(error.message));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
