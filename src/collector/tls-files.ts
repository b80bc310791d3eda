// The collector's certificate and key: read, parsed and matched, so a bad pair stops the start
// with one line naming the file and the key of corral.yaml, not an OpenSSL error code.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { accessProblem } from '../nagios/file-access.js';

export interface TlsSettings {
  /** PEM: the server's certificate, followed by any intermediates. */
  cert: string;
  /** PEM: its private key, unencrypted. */
  key: string;
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Its message starts with the key of corral.yaml to fix: `tls.key: ...`. */
export class TlsFileError extends Error {
  override name = 'TlsFileError';
  constructor(setting: 'tls.cert' | 'tls.key', problem: string) {
    super(`${setting}: ${problem}`);
  }
}

/** Reads both files and checks that they are PEM and belong together. */
export function readTlsFiles(tls: TlsSettings): TlsFiles {
  const cert = readPem('tls.cert', tls.cert);
  const key = readPem('tls.key', tls.key);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new TlsFileError('tls.cert', `${tls.cert} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    const encrypted = /passphrase/i.test((err as Error).message);
    throw new TlsFileError(
      'tls.key',
      encrypted
        ? `${tls.key} is encrypted: give the collector an unencrypted key (openssl pkey -in KEY -out KEY.plain), readable only by its user`
        : `${tls.key} is not a PEM private key`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new TlsFileError('tls.key', `${tls.key} is not the key of the certificate ${tls.cert}`);
  }
  return { cert, key };
}

/** True when users other than the owner and group may read the key: worth a warning. */
export function keyReadableByOthers(keyFile: string): boolean {
  try {
    return (statSync(keyFile).mode & 0o004) !== 0;
  } catch {
    return false;
  }
}

function readPem(setting: 'tls.cert' | 'tls.key', file: string): Buffer {
  const problem = accessProblem(file, 'read');
  if (problem !== null) throw new TlsFileError(setting, problem);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TlsFileError(setting, `cannot read ${file}: ${(err as Error).message}`);
  }
}
