// The browser rule's edges: which Hosts a rebinding page cannot use, and which Origins are the
// collector's own.
import { describe, expect, it } from 'vitest';
import { BrowserRule } from '../../../src/collector/browser-rule.js';

const open = new BrowserRule({
  listenHost: 'corral-listen.example',
  machineName: 'Build01',
  allowedHosts: ['corral.example.org'],
  checkHost: true,
});
const tokens = new BrowserRule({
  listenHost: '0.0.0.0',
  machineName: 'build01',
  allowedHosts: [],
  checkHost: false,
});
const status = (rule: BrowserRule, headers: Record<string, string>) =>
  rule.refusal(headers)?.status ?? 'ok';

describe('BrowserRule', () => {
  it.each([
    ['127.0.0.1:8474', 'ok'],
    ['10.1.2.3', 'ok'],
    ['[::1]:8474', 'ok'],
    ['[fe80::1]', 'ok'],
    ['localhost', 'ok'],
    ['corral.localhost:8474', 'ok'],
    ['build01:8474', 'ok'],
    ['corral-listen.example:8474', 'ok'],
    ['Corral.Example.Org.:8474', 'ok'],
    ['attacker.example:8474', 421],
    ['localhost.attacker.example', 421],
    ['127.0.0.1.attacker.example', 421],
    ['user@localhost', 421],
    ['localhost/x', 421],
    ['', 421],
  ])('Host %j: %s', (host, expected) => {
    expect(status(open, { host })).toBe(expected);
  });

  it('takes any Host with tokens and no allow-list, and none missing (HTTP/1.0)', () => {
    expect(status(tokens, { host: 'anything.example:8474' })).toBe('ok');
    expect(status(open, {})).toBe('ok');
  });

  it.each([
    ['http://localhost:8474', 'localhost:8474', 'ok'],
    ['http://LOCALHOST:8474', 'localhost:8474', 'ok'],
    ['https://corral.example.org', 'corral.example.org', 'ok'],
    ['https://corral.example.org', 'corral.example.org:443', 'ok'],
    ['http://localhost:3000', 'localhost:8474', 403],
    ['http://127.0.0.1:8474', 'localhost:8474', 403],
    ['https://evil.example', 'localhost:8474', 403],
    ['null', 'localhost:8474', 403],
    ['file://', 'localhost:8474', 403],
    ['chrome-extension://abc', 'localhost:8474', 403],
  ])('Origin %j with Host %j: %s', (origin, host, expected) => {
    expect(status(open, { origin, host })).toBe(expected);
    expect(status(tokens, { origin, host })).toBe(expected);
  });

  it('refuses an Origin without a Host to compare it with', () => {
    expect(status(tokens, { origin: 'http://localhost:8474' })).toBe(403);
  });
});
