// The collector list every client takes: each address normalised, and one line for a bad list.
import { describe, expect, it } from 'vitest';
import { parseCollectorUrls } from '../../../src/net/collector-urls.js';

describe('parseCollectorUrls', () => {
  it('reads one address or several, in order, as HTTP bases', () => {
    expect(parseCollectorUrls('http://a:8474', '--collector')).toEqual({
      ok: true,
      urls: [{ base: 'http://a:8474', secure: false }],
    });
    expect(
      parseCollectorUrls(' wss://a:8474/corral/api/v1/stream , b:8474,https://c/', 'CORRAL_URL'),
    ).toEqual({
      ok: true,
      urls: [
        { base: 'https://a:8474/corral', secure: true },
        { base: 'http://b:8474', secure: false },
        { base: 'https://c', secure: true },
      ],
    });
  });

  it('says which item of the list is wrong and what to do, in one line', () => {
    const problem = (raw: string) => {
      const r = parseCollectorUrls(raw, 'CORRAL_URL');
      return r.ok ? null : r.problem;
    };
    expect(problem('')).toBe(
      'CORRAL_URL is empty: separate collector addresses with single commas, e.g. http://collector-a:8474,http://collector-b:8474',
    );
    expect(problem('http://a:1,')).toMatch(/^CORRAL_URL: address 2 of "http:\/\/a:1," is empty: /);
    expect(problem('http://a:1,,http://b:1')).toMatch(/address 2 of .* is empty/);
    expect(problem('http://a:1,ws://a:1/')).toBe(
      'CORRAL_URL: address 2 of "http://a:1,ws://a:1/": "ws://a:1/" is address 1 again: give each collector once',
    );
    expect(problem('http://a:1,ftp://b')).toBe(
      'CORRAL_URL: address 2 of "http://a:1,ftp://b": "ftp://b" is not a collector address: it must start with http://, https://, ws:// or wss://',
    );
    expect(problem('http://[::1')).toMatch(
      /^CORRAL_URL: "http:\/\/\[::1" is not a collector address: use e\.g\./,
    );
    expect(problem('http://user:secret@a:1')).toMatch(
      /the token goes in --token-file or CORRAL_TOKEN/,
    );
    for (const raw of ['', 'a,,b', 'http://a:1,http://a:1', 'ftp://x']) {
      expect(problem(raw)).not.toContain('\n');
    }
  });

  it('takes a bare host:port with the scheme the client speaks', () => {
    expect(parseCollectorUrls('a:1', 'x', 'ws')).toEqual({
      ok: true,
      urls: [{ base: 'http://a:1', secure: false }],
    });
  });
});
