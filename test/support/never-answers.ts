// A "collector" that accepts connections and never answers: what a hung server looks like.
import { createServer, type Socket } from 'node:net';

export interface SilentServer {
  url: string;
  /** The connections it took (and holds open). */
  sockets: Socket[];
  close(): Promise<void>;
}

export async function neverAnswers(): Promise<SilentServer> {
  const sockets: Socket[] = [];
  const tcp = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(tcp.address() as { port: number }).port}`,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    },
  };
}
