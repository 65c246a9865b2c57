/**
 * Talking to the real Synapse from Node, through Synapse's own APIs only:
 *  - shared-secret registration (`/_synapse/admin/v1/register`), which makes the admin and
 *    the accounts that exist before an import;
 *  - the client login (`POST /_matrix/client/v3/login`, m.login.password), to prove which
 *    password an account has;
 *  - the admin users API (`/_synapse/admin/v2/users/<user id>`, and its `/devices`), to
 *    read what an import left on the server.
 * The server is the one global-setup.ts started (ROSTER_SYNAPSE_URL/ROSTER_SYNAPSE_SECRET).
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';

/** The Synapse under test, or an Error naming why there is none (not installed, failed to start). */
export function synapseUrl(): string {
  const why = process.env.ROSTER_SYNAPSE_ERROR;
  if (why) throw new Error(`No Synapse for this test.\n${why}`);
  const url = process.env.ROSTER_SYNAPSE_URL;
  if (!url) throw new Error('ROSTER_SYNAPSE_URL is not set: global-setup.ts starts Synapse and sets it.');
  return url.replace(/\/+$/, '');
}

function synapseSecret(): string {
  const s = process.env.ROSTER_SYNAPSE_SECRET;
  if (!s) throw new Error('ROSTER_SYNAPSE_SECRET is not set: global-setup.ts reads it from the generated config.');
  return s;
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** One JSON request; the answer's status and parsed body (or {} when it has none). */
export async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<Answer<T>> {
  const res = await fetch(synapseUrl() + path, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body = {} as T;
  if (text) {
    try {
      body = JSON.parse(text) as T;
    } catch {
      throw new Error(`${method} ${path}: ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
    }
  }
  return { status: res.status, body };
}

export interface Registered {
  userId: string;
  accessToken: string;
  /** The part of the user id after the first ':' (`localhost` for the harness's server). */
  serverName: string;
}

/**
 * Registers `localpart` with the shared secret: GET a nonce, then POST with
 * HMAC-SHA1(secret, nonce \0 user \0 password \0 admin|notadmin). Throws unless 200.
 */
export async function registerUser(
  localpart: string,
  password: string,
  opts: { admin?: boolean; displayname?: string } = {},
): Promise<Registered> {
  const n = await call<{ nonce: string }>('GET', '/_synapse/admin/v1/register');
  if (n.status !== 200 || !n.body.nonce) throw new Error(`GET /_synapse/admin/v1/register: ${n.status} ${JSON.stringify(n.body)}`);
  const admin = !!opts.admin;
  const mac = crypto
    .createHmac('sha1', synapseSecret())
    .update([n.body.nonce, localpart, password, admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
  const r = await call<{ user_id: string; access_token: string }>('POST', '/_synapse/admin/v1/register', {
    body: { nonce: n.body.nonce, username: localpart, password, admin, mac, ...(opts.displayname ? { displayname: opts.displayname } : {}) },
  });
  if (r.status !== 200) throw new Error(`registering ${localpart}: ${r.status} ${JSON.stringify(r.body)}`);
  const userId = r.body.user_id;
  return { userId, accessToken: r.body.access_token, serverName: userId.slice(userId.indexOf(':') + 1) };
}

/**
 * Logs in with a password. Returns the answer as it is (200 with `access_token`, 403
 * M_FORBIDDEN for a wrong password, 429 when Synapse's login rate limit is reached), so
 * a test can assert either way.
 */
export async function login(
  localpart: string,
  password: string,
  from?: string,
): Promise<Answer<{ access_token?: string; user_id?: string; errcode?: string; error?: string }>> {
  const body = { type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password };
  if (from === undefined) return call('POST', '/_matrix/client/v3/login', { body });
  // From the loopback address `from` (127.0.0.x: Linux routes all of 127/8 to the
  // loopback, and Synapse counts logins per peer address), so that a check spends none of
  // the login budget of the page's own address.
  const url = new URL(synapseUrl() + '/_matrix/client/v3/login');
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** How many devices `userId` has (the admin API): Synapse makes one per password login. */
export async function adminDeviceCount(token: string, userId: string): Promise<number> {
  const r = await call<{ devices: unknown[]; total: number }>('GET', `/_synapse/admin/v2/users/${encodeURIComponent(userId)}/devices`, { token });
  if (r.status !== 200) throw new Error(`GET admin devices of ${userId}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.devices.length;
}

export interface Threepid {
  medium: string;
  address: string;
}

export interface SynapseUser {
  name: string;
  displayname: string | null;
  threepids: Threepid[];
  admin: boolean;
  deactivated: boolean;
  creation_ts: number;
}

/** The admin API's view of `userId` (`@u:server`), or undefined when it answers 404. */
export async function adminGetUser(token: string, userId: string): Promise<SynapseUser | undefined> {
  const r = await call<SynapseUser>('GET', `/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, { token });
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`GET admin user ${userId}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The local accounts Synapse holds (the admin users list, guests and deactivated included). */
export async function adminListUsers(token: string): Promise<{ name: string; displayname: string | null }[]> {
  const out: { name: string; displayname: string | null }[] = [];
  let from: string | undefined = '0';
  while (from !== undefined) {
    const r: Answer<{ users: { name: string; displayname: string | null }[]; next_token?: string }> = await call(
      'GET',
      `/_synapse/admin/v2/users?from=${from}&limit=500&guests=true&deactivated=true`,
      { token },
    );
    if (r.status !== 200) throw new Error(`GET admin users list: ${r.status} ${JSON.stringify(r.body)}`);
    out.push(...r.body.users);
    from = r.body.next_token;
  }
  return out;
}

/** A short tag that keeps localparts unique per run (lower case: Matrix localparts are). */
export function runTag(): string {
  return Date.now().toString(36) + crypto.randomBytes(2).toString('hex');
}
