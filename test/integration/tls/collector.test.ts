// The collector's side of TLS: `tls:` checked at start (one line naming the file and the key), a
// world-readable key warned about, a renewed certificate taken on SIGHUP (a broken one is not).
import { X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, waitFor, type RunningCollector } from '../../support/collector.js';
import { makePki, type Pki } from '../../support/pki.js';
import { runCorral } from '../agent/run-cli.js';

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});
afterAll(() => pki?.cleanup());

const tlsConfig = (cert: string, key: string) =>
  `tls: {cert: ${JSON.stringify(cert)}, key: ${JSON.stringify(key)}}\n`;

/** The serial number of the certificate the collector presents now, verified with the CA. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(pki.ca) }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber;

describe('tls: in corral.yaml', () => {
  it('a certificate or key that cannot serve stops the start with one line naming the file and the key', async () => {
    const config = path.join(pki.dir, 'corral.yaml');
    const start = async (text: string) => {
      writeFileSync(config, text);
      return runCorral(['collector', '--config', config, '--listen', '127.0.0.1:0']);
    };
    const missing = path.join(pki.dir, 'missing.pem');
    expect(await start(tlsConfig(missing, pki.key))).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `corral: ${config}: tls.cert: ${missing} does not exist (${pki.dir} does): check the path, or is the program that makes it running?\n`,
    });
    expect(await start(tlsConfig(pki.key, pki.key))).toMatchObject({
      code: 1,
      stderr: `corral: ${config}: tls.cert: ${pki.key} is not a PEM certificate\n`,
    });
    expect(await start(tlsConfig(pki.cert, pki.ca))).toMatchObject({
      code: 1,
      stderr: `corral: ${config}: tls.key: ${pki.ca} is not a PEM private key\n`,
    });
    const otherKey = path.join(pki.dir, 'other-ca.key');
    expect(await start(tlsConfig(pki.cert, otherKey))).toMatchObject({
      code: 1,
      stderr: `corral: ${config}: tls.key: ${otherKey} is not the key of the certificate ${pki.cert}\n`,
    });
    expect(await start(`tls: {cert: ${JSON.stringify(pki.cert)}}\n`)).toMatchObject({
      code: 1,
      stderr: `corral: ${config}: tls.key: expected the PEM file of the certificate's private key\n`,
    });
  });

  it('warns when every user may read the key', async () => {
    const key = path.join(pki.dir, 'open.key');
    copyFileSync(pki.key, key);
    chmodSync(key, 0o644);
    const c = await startCollector({ config: tlsConfig(pki.cert, key) });
    try {
      expect(c.logs).toContainEqual(
        expect.objectContaining({
          level: 40,
          key,
          msg: 'the TLS key is readable by every user on this machine: chmod 600 (or 640 with the collector in its group)',
        }),
      );
    } finally {
      await c.stop();
      c.cleanup();
    }
  });

  it('a client connecting by a name the certificate does not hold is told so in one line', async () => {
    const cert = path.join(pki.dir, 'elsewhere.pem');
    pki.renew(cert, 'DNS:elsewhere.example');
    const c = await startCollector({ config: tlsConfig(cert, pki.key) });
    try {
      expect(
        await runCorral(['ls', '--collector', c.url, '--ca', pki.ca], { CORRAL_CA: '' }),
      ).toMatchObject({
        code: 1,
        stderr: `corral: cannot reach the collector at ${c.url}: its certificate is not for 127.0.0.1 (it holds DNS:elsewhere.example): connect by a name the certificate holds\n`,
      });
    } finally {
      await c.stop();
      c.cleanup();
    }
  });

  it('https:// to a collector without tls: says to use http://', async () => {
    const c = await startCollector();
    try {
      const url = c.url.replace('http:', 'https:');
      expect(await runCorral(['ls', '--collector', url], { CORRAL_CA: '' })).toMatchObject({
        code: 1,
        stderr: `corral: cannot reach the collector at ${url}: the connection was closed before TLS was set up (a collector without \`tls:\` needs http:// or ws://)\n`,
      });
    } finally {
      await c.stop();
      c.cleanup();
    }
  });

  describe('SIGHUP', () => {
    let c: RunningCollector;
    let cert: string;
    beforeAll(async () => {
      cert = path.join(pki.dir, 'renewed.pem');
      copyFileSync(pki.cert, cert);
      c = await startCollector({ config: tlsConfig(cert, pki.key) });
    });
    afterAll(async () => {
      await c?.stop();
      c?.cleanup();
    });

    it('takes a renewed certificate, and keeps serving the current one when the new file is broken', async () => {
      const before = await servedSerial(c.port);
      expect(before).toBe(serialOf(pki.cert));
      pki.renew(cert);
      const renewed = serialOf(cert);
      expect(renewed).not.toBe(before);
      c.process.kill('SIGHUP');
      await waitFor(() => c.logs.some((l) => l.msg === 'certificate reloaded'), 10_000, 'reload');
      expect(await servedSerial(c.port)).toBe(renewed);

      writeFileSync(cert, 'not a certificate\n');
      c.process.kill('SIGHUP');
      const refused = await waitFor(
        () => c.logs.find((l) => l.msg === 'certificate not reloaded; keeping the current one'),
        10_000,
        'the refusal',
      );
      expect(refused.reason).toBe(`tls.cert: ${cert} is not a PEM certificate`);
      expect(await servedSerial(c.port)).toBe(renewed);
    });
  });
});
