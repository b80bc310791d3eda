// A private CA and a server certificate for 127.0.0.1 and localhost, made by the real openssl in a
// temp dir; and a second, unrelated CA, to be refused by.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Pki {
  dir: string;
  /** The CA that signed `cert`. */
  ca: string;
  /** A CA that signed nothing here. */
  otherCa: string;
  cert: string;
  key: string;
  /** Signs a new server certificate for `key` (new serial; names as openssl's subjectAltName). */
  renew(file: string, names?: string): void;
  cleanup(): void;
}

const openssl = (args: string[], cwd: string) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

function makeCa(dir: string, name: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=corral test ${name}`,
    ],
    dir,
  );
}

export function makePki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    ['req', ...keyArgs, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'],
    dir,
  );
  chmodSync(path.join(dir, 'server.key'), 0o600);
  const renew = (file: string, names = 'IP:127.0.0.1,DNS:localhost') => {
    writeFileSync(
      path.join(dir, 'server.ext'),
      `subjectAltName=${names}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        String(Date.now()),
        '-days',
        '2',
        '-extfile',
        'server.ext',
        '-out',
        file,
      ],
      dir,
    );
  };
  renew(path.join(dir, 'server.pem'));
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    otherCa: path.join(dir, 'other-ca.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server.key'),
    renew,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
