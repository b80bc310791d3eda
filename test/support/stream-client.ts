// A WebSocket client for tests that records every message the collector sends, in order.
import WebSocket, { type ClientOptions } from 'ws';
import type { ServerMessage } from '../../src/domain/protocol.js';
import { waitFor } from './collector.js';

export class StreamClient {
  readonly messages: ServerMessage[] = [];
  readonly socket: WebSocket;
  closed = false;

  constructor(url: string, options: ClientOptions = {}) {
    this.socket = new WebSocket(url, options);
    this.socket.on('message', (data) =>
      this.messages.push(JSON.parse(data.toString()) as ServerMessage),
    );
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
  }

  of<T extends ServerMessage['type']>(type: T): Array<Extract<ServerMessage, { type: T }>> {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  async next<T extends ServerMessage['type']>(
    type: T,
    after = 0,
    timeoutMs = 10_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    return waitFor(
      () =>
        this.messages
          .slice(after)
          .find((m): m is Extract<ServerMessage, { type: T }> => m.type === type),
      timeoutMs,
      `a ${type} message`,
    );
  }

  close(): void {
    this.socket.close();
  }
}
