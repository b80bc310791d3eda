// The header a collector's token travels in, on every request and on the stream's upgrade alike.
// A module of its own, importing nothing, so that a client that must start fast can use it.

export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
