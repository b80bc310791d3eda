// Why a connection to a collector failed, as a phrase an operator can act on: above all the TLS
// failures (a certificate the CA given does not vouch for, a name it does not hold, no TLS at all).

/** The CA certificate(s) the operator gave, and where they came from (for messages). */
export interface CaFile {
  file: string;
  pem: string;
}

/** OpenSSL's verdicts that mean "no CA you trust signed this chain". */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
]);

/** A phrase to follow "cannot reach the collector at URL: ". */
export function failureReason(err: unknown, url: URL, ca: CaFile | undefined): string {
  const e = err as Error & { code?: string; cert?: { subjectaltname?: string } };
  const code = e.code ?? '';
  if (UNTRUSTED.has(code)) {
    const by = ca ? `the CA in ${ca.file}` : "this machine's CAs";
    return `its certificate is not trusted by ${by} (${e.message}): give the CA that signed the collector's certificate with --ca FILE or CORRAL_CA`;
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return 'its certificate has expired: renew it on the collector, then send the collector SIGHUP';
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return "its certificate is not valid yet: check this machine's clock and the collector's";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = e.cert?.subjectaltname ?? 'no names';
    return `its certificate is not for ${url.hostname} (it holds ${names}): connect by a name the certificate holds`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/.test(e.message)) {
    return 'it does not speak TLS there: use http://, or give the collector `tls:` in corral.yaml';
  }
  if (code === 'ECONNRESET' && (url.protocol === 'http:' || url.protocol === 'ws:')) {
    return 'the connection was closed without an answer (a collector serving TLS needs https:// or wss://)';
  }
  if (code === 'ECONNRESET' && /before secure TLS connection/.test(e.message)) {
    return 'the connection was closed before TLS was set up (a collector without `tls:` needs http:// or ws://)';
  }
  if (code === 'ECONNREFUSED') return 'connection refused (is it running?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host';
  if (code === 'ETIMEDOUT' || e.name === 'AbortError' || e.name === 'TimeoutError') {
    return 'no answer in time';
  }
  if (code === 'ERR_INVALID_CHAR') {
    return 'the token holds a character no HTTP header may carry: check --token or the token file';
  }
  return e.message;
}
