// dpop-client.mjs is a DPoP client (RFC 9449) built on panva's dpop package
// (https://github.com/panva/dpop), for the axioms-go interop tests
// (interop/dpop_test.go starts it). For each algorithm of ALGS it makes a
// key pair, gets a DPoP-bound access token from node oidc-provider with
// the client_credentials grant and a proof for the token request, then
// calls every app of APPS with that token, each request with a new proof
// (htm, htu, ath; the server's nonce once it sent one), and prints one
// line to stdout:
//
//   TRANSCRIPT {"thumbprints":{...},"exchanges":[...],"error":"..."}
//
// thumbprints is the RFC 7638 thumbprint of each algorithm's key (the
// cnf.jkt its tokens must carry); exchanges lists every request, tagged
// with its algorithm, app and step, and what came back; error is set, and
// the exit status 1, when a step failed to run.
//
// The steps, for each app:
//
//   fresh   GET  /me         a new proof
//   replay  GET  /me         the proof of fresh, sent again
//   bearer  GET  /me         the token as "Authorization: Bearer", no proof
//   write   POST /api/write  a new proof
//   read    GET  /api/read   a new proof
//
// Like any DPoP client (RFC 9449 §8, §9), it retries a request answered
// with use_dpop_nonce once, with a new proof carrying the DPoP-Nonce the
// answer gave, and keeps the latest nonce of each origin for its next
// proofs. Both exchanges are recorded.
//
// Environment: TOKEN_ENDPOINT, CLIENT_ID, CLIENT_SECRET, RESOURCE (the
// RFC 8707 resource indicator), SCOPE, ALGS (comma-separated: ES256,
// Ed25519, PS256, RS256), APPS (JSON: [{"name": ..., "url": ...}]).
import { calculateThumbprint, generateKeyPair, generateProof } from 'dpop';

const { TOKEN_ENDPOINT, CLIENT_ID, CLIENT_SECRET, RESOURCE, SCOPE, ALGS, APPS } = process.env;

const exchanges = [];

// isNonceError reports whether e asks for a nonce: a resource server's 401
// with a use_dpop_nonce challenge (§9), or an authorization server's 400
// use_dpop_nonce error (§8).
function isNonceError(e) {
  if (!e.dpop_nonce) {
    return false;
  }
  if (e.status === 401) {
    return /error="use_dpop_nonce"/.test(e.www_authenticate);
  }
  try {
    return e.status === 400 && JSON.parse(e.body).error === 'use_dpop_nonce';
  } catch {
    return false;
  }
}

async function send(tag, method, url, headers, body) {
  const res = await fetch(url, { method, headers, body });
  const e = {
    ...tag,
    method,
    url,
    authorization_scheme: (headers.Authorization ?? '').split(' ')[0],
    proof: headers.DPoP ?? '',
    status: res.status,
    www_authenticate: res.headers.get('www-authenticate') ?? '',
    dpop_nonce: res.headers.get('dpop-nonce') ?? '',
    body: await res.text(),
  };
  exchanges.push(e);
  return e;
}

// DPoPClient holds one key pair and the nonces servers gave it.
class DPoPClient {
  constructor(keyPair) {
    this.keyPair = keyPair;
    this.nonces = new Map(); // origin → latest DPoP-Nonce
  }

  // request sends method url with a new proof (and the access token, if
  // any, as a DPoP credential), retrying once on a nonce error.
  async request(tag, method, url, { accessToken, headers = {}, body } = {}) {
    const origin = new URL(url).origin;
    for (let attempt = 0; ; attempt++) {
      const proof = await generateProof(this.keyPair, url, method, this.nonces.get(origin), accessToken);
      const h = { ...headers, DPoP: proof };
      if (accessToken) {
        h.Authorization = `DPoP ${accessToken}`;
      }
      const e = await send(tag, method, url, h, body);
      if (e.dpop_nonce) {
        this.nonces.set(origin, e.dpop_nonce);
      }
      if (attempt === 0 && isNonceError(e)) {
        continue;
      }
      return e;
    }
  }
}

async function run() {
  const apps = JSON.parse(APPS);
  const thumbprints = {};
  for (const alg of ALGS.split(',')) {
    const keyPair = await generateKeyPair(alg);
    thumbprints[alg] = await calculateThumbprint(keyPair.publicKey);
    const client = new DPoPClient(keyPair);

    const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE, resource: RESOURCE });
    const tokenAnswer = await client.request({ alg, app: '', step: 'token' }, 'POST', TOKEN_ENDPOINT, {
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    if (tokenAnswer.status !== 200) {
      throw new Error(`${alg}: token request answered ${tokenAnswer.status}: ${tokenAnswer.body}`);
    }
    const accessToken = JSON.parse(tokenAnswer.body).access_token;

    for (const app of apps) {
      const tag = (step) => ({ alg, app: app.name, step });
      const fresh = await client.request(tag('fresh'), 'GET', `${app.url}/me`, { accessToken });
      await send(tag('replay'), 'GET', `${app.url}/me`, { Authorization: `DPoP ${accessToken}`, DPoP: fresh.proof });
      await send(tag('bearer'), 'GET', `${app.url}/me`, { Authorization: `Bearer ${accessToken}` });
      await client.request(tag('write'), 'POST', `${app.url}/api/write`, { accessToken });
      await client.request(tag('read'), 'GET', `${app.url}/api/read`, { accessToken });
    }
  }
  return thumbprints;
}

let thumbprints = {};
let error = '';
try {
  thumbprints = await run();
} catch (err) {
  error = String(err?.stack ?? err);
  process.exitCode = 1;
}
process.stdout.write(`TRANSCRIPT ${JSON.stringify({ thumbprints, exchanges, error })}\n`);
