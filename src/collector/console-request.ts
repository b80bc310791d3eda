// A frame a console sent over the stream, read: a resync, an action request (its id and body), or
// the one-line problem to answer in an `error` frame. Pure: the hub acts on what it returns.

export type ConsoleRequest =
  | { type: 'resync' }
  | { type: 'action'; requestId: string; body: Record<string, unknown> }
  | { type: 'invalid'; error: string };

export const REQUEST_ID_MAX_LENGTH = 128;

const UNKNOWN = 'unknown request type: send {"type":"resync"} or {"type":"action", ...}';

export function readConsoleRequest(text: string, isBinary: boolean): ConsoleRequest {
  const message = isBinary ? undefined : jsonOrUndefined(text);
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return { type: 'invalid', error: UNKNOWN };
  }
  const { type, requestId, ...body } = message as Record<string, unknown>;
  if (type === 'resync') return { type: 'resync' };
  if (type !== 'action') return { type: 'invalid', error: UNKNOWN };
  if (
    typeof requestId !== 'string' ||
    requestId === '' ||
    requestId.length > REQUEST_ID_MAX_LENGTH
  ) {
    return {
      type: 'invalid',
      error: `an action request needs a requestId: a string of 1 to ${REQUEST_ID_MAX_LENGTH} characters`,
    };
  }
  return { type: 'action', requestId, body };
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
