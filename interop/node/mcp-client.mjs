// mcp-client.mjs runs the official TypeScript MCP SDK's client against the
// MCP server of the axioms-go interop tests (interop/mcp_test.go starts it),
// authenticating with the SDK's ClientCredentialsProvider over its
// StreamableHTTPClientTransport. It calls echo, admin_reset, notes://7 and
// summary, each but the first after a 403 step-up that the SDK performs,
// and prints one line to stdout:
//
//   TRANSCRIPT {"exchanges":[...],"results":{...},"error":"..."}
//
// exchanges lists every HTTP request the client sent (MCP calls, metadata,
// token requests) and what came back, in the shape of the Go test's
// exchange type; results the text each call returned; error is set, and
// the exit status 1, when a step failed.
//
// Environment: MCP_URL (the MCP endpoint), ISSUER (the authorization
// server the credentials belong to), CLIENT_ID, CLIENT_SECRET.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { MCP_URL, ISSUER, CLIENT_ID, CLIENT_SECRET } = process.env;

// ClientCredentialsProvider (1.32.2) asks the token endpoint for its
// configured scope only: the scope of the challenge, which the transport
// passes to auth(), reaches only dynamic registration. This subclass asks
// for the scope of the latest challenge of the MCP endpoint instead, which
// is what the transport itself selects (SEP-835), so that the SDK's own
// 401 and 403 (insufficient_scope) handling gets the token it needs.
class ChallengeScopedProvider extends ClientCredentialsProvider {
  challengeScope = undefined;

  get clientMetadata() {
    return { ...super.clientMetadata, scope: this.challengeScope };
  }
}

const provider = new ChallengeScopedProvider({
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  expectedIssuer: ISSUER,
});

const exchanges = [];

function rpcSummary(body) {
  try {
    const msg = JSON.parse(body);
    return [msg.method, msg.params?.name ?? msg.params?.uri].filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

// recordingFetch records every exchange and feeds the provider the scope
// of each challenge of the MCP endpoint.
async function recordingFetch(input, init) {
  const req = new Request(input, init);
  const url = new URL(req.url);
  url.search = '';
  const e = {
    method: req.method, url: url.href, rpc: '', bearer: '', basic: false, form: null,
    status: 0, www_authenticate: '', access_token: '',
  };
  const authorization = req.headers.get('authorization') ?? '';
  if (authorization.startsWith('Bearer ')) e.bearer = authorization.slice('Bearer '.length);
  e.basic = authorization.startsWith('Basic ');
  const contentType = req.headers.get('content-type') ?? '';
  const body = req.body ? await req.clone().text() : '';
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    e.form = {};
    for (const [k, v] of new URLSearchParams(body)) {
      if (k !== 'client_secret') (e.form[k] ??= []).push(v);
    }
  } else if (contentType.startsWith('application/json')) {
    e.rpc = rpcSummary(body);
  }
  const resp = await fetch(req);
  e.status = resp.status;
  e.www_authenticate = resp.headers.get('www-authenticate') ?? '';
  if (e.form && resp.ok) {
    e.access_token = (await resp.clone().json()).access_token ?? '';
  }
  const scope = /\bscope="([^"]*)"/.exec(e.www_authenticate);
  if (url.href === MCP_URL && (resp.status === 401 || resp.status === 403) && scope) {
    provider.challengeScope = scope[1];
  }
  exchanges.push(e);
  return resp;
}

const results = {};
let error = '';
const client = new Client({ name: 'axioms-interop-ts', version: '0.0.0' });
const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider, fetch: recordingFetch });
try {
  await client.connect(transport);
  const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
  results['tools/call echo'] = echo.content?.[0]?.text;
  const reset = await client.callTool({ name: 'admin_reset', arguments: {} });
  results['tools/call admin_reset'] = reset.content?.[0]?.text;
  const note = await client.readResource({ uri: 'notes://7' });
  results['resources/read notes://7'] = note.contents?.[0]?.text;
  const prompt = await client.getPrompt({ name: 'summary' });
  results['prompts/get summary'] = prompt.messages?.[0]?.content?.text;
  await transport.terminateSession();
} catch (err) {
  error = String(err?.stack ?? err);
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(`TRANSCRIPT ${JSON.stringify({ exchanges, results, error })}\n`);
process.exitCode = error ? 1 : 0;
