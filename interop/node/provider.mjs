// provider.mjs runs node oidc-provider on loopback for the axioms-go interop
// tests. It listens on 127.0.0.1 (port PORT, default 0 = any free port), and
// once it serves it prints one line to stdout:
//
//   READY {"issuer":"http://127.0.0.1:<port>","jwks_uri":...,"token_endpoint":...}
//
// One confidential client (client_credentials, client_secret_basic) may ask
// for JWT access tokens (RFC 9068: typ at+jwt, string aud, scope string) for
// three resource servers, and opaque ones for a fourth (below), chosen with
// the RFC 8707 "resource" parameter:
//
//   https://rs256.interop.test  signed RS256 (the default resource)
//   https://es256.interop.test  signed ES256
//   https://hs256.interop.test  signed HS256 with a shared secret: no kid and
//                               no JWKS key, a token a resource server must refuse
//
// With MCP_RESOURCE set (the MCP server's URL, such as http://127.0.0.1:<port>/mcp)
// a second confidential client, MCP_CLIENT_ID, may ask for ES256 JWT access
// tokens for that resource alone, with the scopes mcp:tools, mcp:resources,
// mcp:prompts and mcp:admin; their aud is MCP_RESOURCE, whether the client
// sends it as its RFC 8707 resource indicator or sends none (it is that
// client's default resource: the Go MCP SDK's client-credentials handler
// sends none). Every client authenticates with client_secret_basic, the only
// method the RFC 8414 metadata (/.well-known/oauth-authorization-server)
// lists, except the private_key_jwt client below (with RS_JWKS set, the
// metadata lists private_key_jwt too).
//
// Opaque access tokens (RFC 7662 introspection, RFC 7009 revocation): the
// fourth resource server,
//
//   https://opaque.interop.test  opaque (43 random base64url characters)
//
// gets tokens that only the introspection endpoint (/token/introspection)
// can tell about; the revocation endpoint (/token/revocation) revokes them,
// for the client they were issued to. Neither endpoint takes JWTs
// (oidc-provider answers 400 unsupported_token_type). Two resource-server
// clients, which get no tokens, may introspect the tokens whose aud is
// that resource (features.introspection.allowedPolicy; any other caller,
// the token's own client included, gets {"active": false}):
//
//   RS_CLIENT_ID      client_secret_basic, with RS_CLIENT_SECRET
//   RS_JWT_CLIENT_ID  private_key_jwt (RFC 7523), only with RS_JWKS set: the
//                     client's public JWK Set as JSON (the caller holds the
//                     private key); the assertion's aud may be the issuer,
//                     the token endpoint or the introspection endpoint
//
// The answer has active, scope, client_id, sub, exp, iat, iss, aud (a
// string) and token_type "Bearer". sub is the client ID, as in the JWT
// access tokens: oidc-provider answers no sub for a client_credentials
// token, so extraTokenClaims adds it to the opaque ones.
//
// DPoP (RFC 9449): a token request with a DPoP proof (ES256, Ed25519,
// PS256 or RS256) gets a DPoP-bound token (token_type DPoP, cnf.jkt the
// thumbprint of the proof's key), for any client.
//
// With TLS_CERT and TLS_KEY set (PEM files) it serves https instead, asks
// every client for a certificate (any certificate: the self-signed case of
// RFC 8705 §2.2), and a third confidential client, MTLS_CLIENT_ID, gets
// certificate-bound access tokens (RFC 8705 §3: cnf x5t#S256, the SHA-256
// thumbprint of the certificate of the token request's connection) for the
// same resource servers; a token request of it without a certificate is
// refused.
//
// The READY line also names introspection_endpoint, revocation_endpoint,
// opaque_resource, rs_client_id, rs_client_secret and (with RS_JWKS)
// rs_jwt_client_id.
//
// With JWT_INTROSPECTION=1, introspection also answers signed JWTs
// (RFC 9701) to the resource-server client JWT_RS_CLIENT_ID
// (client_secret_basic, registered with introspection_signed_response_alg
// ES256) when it asks for them (Accept: application/token-introspection+jwt);
// the READY line then names jwt_rs_client_id and jwt_rs_client_secret.
//
// The signing keys are generated at start, so every run has fresh ones.
// Development only: the secrets below are fixed and public.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

import Provider, { errors } from 'oidc-provider';

export const CLIENT_ID = process.env.CLIENT_ID || 'interop-client';
export const CLIENT_SECRET = process.env.CLIENT_SECRET || 'interop-client-secret-for-loopback-tests';
const SCOPES = ['read:data', 'write:data', 'openid', 'profile', 'admin'];

export const MCP_CLIENT_ID = process.env.MCP_CLIENT_ID || 'interop-mcp-client';
export const MCP_CLIENT_SECRET = process.env.MCP_CLIENT_SECRET || 'interop-mcp-client-secret-for-loopback-tests';
const MCP_RESOURCE = process.env.MCP_RESOURCE || '';
const MCP_SCOPES = ['mcp:tools', 'mcp:resources', 'mcp:prompts', 'mcp:admin'];

export const MTLS_CLIENT_ID = process.env.MTLS_CLIENT_ID || 'interop-mtls-client';
export const MTLS_CLIENT_SECRET = process.env.MTLS_CLIENT_SECRET || 'interop-mtls-client-secret-for-loopback-tests';
const TLS = Boolean(process.env.TLS_CERT && process.env.TLS_KEY);

// The resource server of opaque tokens, and its introspecting clients.
export const OPAQUE_RESOURCE = 'https://opaque.interop.test';
export const RS_CLIENT_ID = process.env.RS_CLIENT_ID || 'interop-rs-basic';
export const RS_CLIENT_SECRET = process.env.RS_CLIENT_SECRET || 'interop-rs-client-secret-for-loopback-tests';
export const RS_JWT_CLIENT_ID = process.env.RS_JWT_CLIENT_ID || 'interop-rs-jwt';
const RS_JWKS = process.env.RS_JWKS ? JSON.parse(process.env.RS_JWKS) : undefined;
const JWT_INTROSPECTION = process.env.JWT_INTROSPECTION === '1';
export const JWT_RS_CLIENT_ID = process.env.JWT_RS_CLIENT_ID || 'interop-jwt-rs';
export const JWT_RS_CLIENT_SECRET = process.env.JWT_RS_CLIENT_SECRET || 'interop-jwt-rs-secret-for-loopback-tests';

const resourceServers = {
  'https://rs256.interop.test': { alg: 'RS256' },
  'https://es256.interop.test': { alg: 'ES256' },
  'https://hs256.interop.test': { alg: 'HS256', key: 'interop-shared-secret-hs256-0123456789abcdef' },
  [OPAQUE_RESOURCE]: { opaque: true },
};

function privateJWK(type, options, kid) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig' };
}

function resourceServerInfo(resource, client) {
  if (client?.clientId === MCP_CLIENT_ID) {
    if (!MCP_RESOURCE || resource !== MCP_RESOURCE) {
      throw new errors.InvalidTarget();
    }
    return {
      audience: MCP_RESOURCE,
      scope: MCP_SCOPES.join(' '),
      accessTokenTTL: 5 * 60,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg: 'ES256' } },
    };
  }
  if (JWT_INTROSPECTION && resource === OPAQUE_RESOURCE) {
    return { audience: resource, scope: SCOPES.join(' '), accessTokenTTL: 5 * 60, accessTokenFormat: 'opaque' };
  }
  const rs = resourceServers[resource];
  if (!rs) {
    throw new errors.InvalidTarget();
  }
  if (rs.opaque) {
    return {
      audience: resource,
      scope: SCOPES.join(' '),
      accessTokenTTL: 5 * 60,
      accessTokenFormat: 'opaque',
    };
  }
  return {
    audience: resource, // a string aud (RFC 9068 §2.2)
    scope: SCOPES.join(' '),
    accessTokenTTL: 5 * 60,
    accessTokenFormat: 'jwt',
    jwt: { sign: rs.key ? { alg: rs.alg, key: rs.key } : { alg: rs.alg } },
  };
}

const server = TLS
  ? https.createServer({
    cert: fs.readFileSync(process.env.TLS_CERT),
    key: fs.readFileSync(process.env.TLS_KEY),
    requestCert: true, // any certificate: its thumbprint binds the token
    rejectUnauthorized: false,
  })
  : http.createServer();

// The client of certificate-bound tokens, served over TLS only.
const mtlsClients = TLS ? [{
  client_id: MTLS_CLIENT_ID,
  client_secret: MTLS_CLIENT_SECRET,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
  tls_client_certificate_bound_access_tokens: true,
  scope: SCOPES.join(' '),
}] : [];

// The resource-server clients: they introspect, and get no tokens.
const rsClients = [{
  client_id: RS_CLIENT_ID,
  client_secret: RS_CLIENT_SECRET,
  grant_types: [],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
}, ...(RS_JWKS ? [{
  client_id: RS_JWT_CLIENT_ID,
  grant_types: [],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'private_key_jwt',
  jwks: RS_JWKS,
}] : []), ...(JWT_INTROSPECTION ? [{
  // The resource server asking for signed answers (RFC 9701 §6).
  client_id: JWT_RS_CLIENT_ID,
  client_secret: JWT_RS_CLIENT_SECRET,
  grant_types: [],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
  introspection_signed_response_alg: 'ES256',
}] : [])];
const introspectors = new Set(rsClients.map((c) => c.client_id));

// A resource-server client may introspect the tokens of its resource; no
// one else may (the default lets any authenticated client introspect any
// token).
function mayIntrospect(_ctx, client, token) {
  return introspectors.has(client.clientId) && [token.aud].flat().includes(OPAQUE_RESOURCE);
}

// A client may revoke its own tokens only.
function mayRevoke(_ctx, client, token) {
  return token.clientId === client.clientId;
}

// sub of the opaque tokens, which oidc-provider's answer has only for a
// token of a user: the client ID, as in its JWT access tokens.
function extraTokenClaims(_ctx, token) {
  if (token.kind === 'ClientCredentials' && token.resourceServer?.accessTokenFormat === 'opaque') {
    return { sub: token.clientId };
  }
  return undefined;
}

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `${TLS ? 'https' : 'http'}://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES.join(' '),
    }, {
      client_id: MCP_CLIENT_ID,
      client_secret: MCP_CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: MCP_SCOPES.join(' '),
    }, ...mtlsClients, ...rsClients],
    scopes: [...SCOPES, ...MCP_SCOPES],
    clientAuthMethods: ['client_secret_basic', ...(RS_JWKS ? ['private_key_jwt'] : [])],
    extraTokenClaims,
    jwks: {
      keys: [
        privateJWK('rsa', { modulusLength: 2048 }, 'interop-rs256'),
        privateJWK('ec', { namedCurve: 'P-256' }, 'interop-es256'),
      ],
    },
    cookies: { keys: ['interop-cookie-key-loopback-only'] },
    enabledJWA: { dPoPSigningAlgValues: ['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: mayIntrospect },
      jwtIntrospection: { enabled: JWT_INTROSPECTION },
      dPoP: { enabled: true },
      mTLS: {
        enabled: TLS,
        certificateBoundAccessTokens: TLS,
        // The certificate of the token request's own TLS connection.
        getCertificate: (ctx) => ctx.socket.getPeerX509Certificate?.(),
      },
      revocation: { enabled: true, allowedPolicy: mayRevoke },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client) => (client?.clientId === MCP_CLIENT_ID ? MCP_RESOURCE || undefined : 'https://rs256.interop.test'),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => resourceServerInfo(resource, client),
      },
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error:', err));
  server.on('request', provider.callback());
  const ready = {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    token_endpoint: `${issuer}/token`,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    mcp_client_id: MCP_CLIENT_ID,
    mcp_client_secret: MCP_CLIENT_SECRET,
    mcp_resource: MCP_RESOURCE,
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    opaque_resource: OPAQUE_RESOURCE,
    rs_client_id: RS_CLIENT_ID,
    rs_client_secret: RS_CLIENT_SECRET,
    ...(RS_JWKS ? { rs_jwt_client_id: RS_JWT_CLIENT_ID } : {}),
    ...(TLS ? { mtls_client_id: MTLS_CLIENT_ID, mtls_client_secret: MTLS_CLIENT_SECRET } : {}),
    ...(JWT_INTROSPECTION ? { jwt_rs_client_id: JWT_RS_CLIENT_ID, jwt_rs_client_secret: JWT_RS_CLIENT_SECRET } : {}),
  };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
