// The `icinga2:` section of corral.yaml as the collector uses it, and the files it names read once
// at start (the CA to pin, the password file), each failure one line naming the key and the fix.
import { readFileSync, statSync } from 'node:fs';
import type { ApiTarget } from './api-client.js';

export interface Icinga2Settings {
  /** `https://icinga-master:5665` */
  url: string;
  /** The CA file to pin (absolute), and its certificates as read at start. */
  ca: { file: string; pem: string };
  /** The name the API certificate holds, when the URL's host is another. */
  servername: string | null;
  user: string;
  /** From `password:` or the first line of `password_file:`; never logged. */
  password: string;
  /** Host name template, `{slave}` replaced by the slave's name. */
  host: string;
  service: string;
}

const MAX_SECRET_FILE_BYTES = 4096;
const MAX_CA_FILE_BYTES = 1024 * 1024;

/** Why a file named in `icinga2:` cannot be used, as one line; null when it can. */
export class Icinga2FileError extends Error {
  override name = 'Icinga2FileError';
}

/** The password file's first line (one trailing newline dropped, as editors and `echo` leave one). */
export function readPasswordFile(file: string): string {
  const text = readSmall(file, MAX_SECRET_FILE_BYTES, 'a password file');
  const password = text.replace(/\r?\n$/, '');
  if (password === '' || /[\r\n]/.test(password)) {
    throw new Icinga2FileError(`${file} must hold the password on one line`);
  }
  return password;
}

/** The CA to pin, read at start so that a wrong path stops it. */
export function readCaFile(file: string): { file: string; pem: string } {
  const pem = readSmall(file, MAX_CA_FILE_BYTES, 'a CA file');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Icinga2FileError(
      `${file} holds no PEM certificate: give the Icinga CA (ca.crt from /var/lib/icinga2/certs on the master)`,
    );
  }
  return { file, pem };
}

export function apiTarget(s: Icinga2Settings): ApiTarget {
  return { url: s.url, ca: s.ca, servername: s.servername, user: s.user, password: s.password };
}

function readSmall(file: string, max: number, what: string): string {
  try {
    const stats = statSync(file);
    if (!stats.isFile() || stats.size > max) {
      throw new Icinga2FileError(`${file} is not ${what} (a regular file of at most ${max} bytes)`);
    }
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof Icinga2FileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new Icinga2FileError(
      code === 'ENOENT'
        ? `${file} does not exist`
        : code === 'EACCES'
          ? `${file} cannot be read by this user: make it readable to the collector's user`
          : `cannot read ${file}: ${code ?? (err as Error).message}`,
    );
  }
}
