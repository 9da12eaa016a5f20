import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { keepAgentTlsOnRequests, withAgentTlsOptions, type HttpsModuleLike } from './agentTls';

/**
 * What VS Code's extension host does to `https.request` (@vscode/proxy-agent, http.proxySupport
 * "override", a host other than localhost): the caller's agent is replaced, only its `ca` is kept on the
 * request, and the connection is made DIRECT with the request's options. `connect` receives them.
 */
function vscodeLikeModule(connect: (tlsOptions: Record<string, unknown>) => unknown): HttpsModuleLike {
  const replace = (...args: unknown[]): unknown => {
    const options = args.find((a): a is Record<string, unknown> => typeof a === 'object' && a !== null && !(a instanceof URL)) ?? {};
    const agent = options.agent as { options?: Record<string, unknown> } | undefined;
    const { agent: _dropped, ...rest } = options;
    return connect({ ...rest, ca: rest.ca ?? agent?.options?.ca });
  };
  return { Agent: https.Agent, request: replace as HttpsModuleLike['request'], get: replace as HttpsModuleLike['get'] };
}

describe('agent TLS options kept on requests (VS Code replaces the agent)', () => {
  const agent = new https.Agent({ ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: false, servername: 'api.rig' });

  it('copies the agent\'s TLS options onto the request, without overriding the request\'s own or changing the caller\'s object', () => {
    const request = { host: '198.18.0.1', port: 6443, agent, servername: 'mine' };
    const out = withAgentTlsOptions(request, https.Agent) as Record<string, unknown>;
    assert.deepEqual(
      { ca: out.ca, cert: out.cert, key: out.key, rejectUnauthorized: out.rejectUnauthorized, servername: out.servername, agent: out.agent },
      { ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: false, servername: 'mine', agent },
    );
    assert.equal(request.servername, 'mine');
    assert.equal('cert' in request, false, 'the caller\'s options object is left as it was');
  });

  it('leaves requests without an https.Agent (none, another kind of agent, a URL, a callback) as they are', () => {
    const plain = { host: 'x' };
    assert.equal(withAgentTlsOptions(plain, https.Agent), plain);
    const other = { agent: { options: { cert: 'CERT' } } };
    assert.equal(withAgentTlsOptions(other, https.Agent), other);
    const url = new URL('https://198.18.0.1:6443/');
    assert.equal(withAgentTlsOptions(url, https.Agent), url);
    const cb = (): void => undefined;
    assert.equal(withAgentTlsOptions(cb, https.Agent), cb);
  });

  it('without it the client certificate is lost; with it both request(options) and get(url, options) carry it; installing twice wraps once', () => {
    const seen: Array<Record<string, unknown>> = [];
    const mod = vscodeLikeModule((o) => seen.push(o));
    mod.request({ host: '198.18.0.1', agent } as never);
    assert.equal(seen[0].cert, undefined, 'the bug: only the CA survives the agent swap');
    assert.equal(seen[0].ca, 'CA');
    keepAgentTlsOnRequests(mod);
    const wrapped = mod.request;
    keepAgentTlsOnRequests(mod);
    assert.equal(mod.request, wrapped);
    mod.request({ host: '198.18.0.1', agent } as never);
    (mod.get as (...a: unknown[]) => unknown)(new URL('https://198.18.0.1:6443/api'), { agent }, () => undefined);
    for (const o of seen.slice(1)) {
      assert.deepEqual([o.cert, o.key, o.ca, o.rejectUnauthorized, o.servername], ['CERT', 'KEY', 'CA', false, 'api.rig']);
    }
    assert.equal(seen.length, 3);
  });

  it('a server that requires a client certificate gets it through a replaced agent (real TLS on loopback)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    try {
      openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '1');
    } catch {
      t.skip('openssl is not installed');
      return;
    }
    for (const [name, subject, ext] of [['server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1'], ['client', '/CN=learner', 'extendedKeyUsage=clientAuth']]) {
      openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
    }
    const file = (f: string): Buffer => readFileSync(join(dir, f));
    const server = https.createServer({ key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.end(peer?.subject?.CN ?? 'anonymous');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const clientAgent = new https.Agent({ ca: file('ca.crt'), cert: file('client.crt'), key: file('client.key') });
    const mod = vscodeLikeModule((o) => https.request({ ...o, agent: new https.Agent() }));
    const call = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = mod.request({ host: '127.0.0.1', port, path: '/', agent: clientAgent } as never) as import('node:http').ClientRequest;
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal(await call(), 'anonymous', 'the bug, as the API server sees it');
    keepAgentTlsOnRequests(mod);
    assert.equal(await call(), 'learner');
  });
});
