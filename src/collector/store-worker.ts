// The writer thread: owns the SQLite connection that commits, so an fsync never stalls the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from './store.js';
import type { WriterRequest, WriterReply } from './store-writer.js';

const store = new Store((workerData as { file: string }).file);
const port = parentPort!;

port.on('message', (req: WriterRequest) => {
  let reply: WriterReply;
  try {
    if (req.op === 'write') {
      store.writeBatch(req.heartbeats, req.slaves, req.now);
      reply = { id: req.id, ok: true, value: 0 };
    } else if (req.op === 'action') {
      store.saveAction(req.action);
      reply = { id: req.id, ok: true, value: req.action.id };
    } else if (req.op === 'attempt') {
      store.saveAttempt(req.actionId, req.attempt);
      reply = { id: req.id, ok: true, value: req.actionId };
    } else if (req.op === 'needs-hands') {
      store.setNeedsHands(req.slave, req.since);
      reply = { id: req.id, ok: true, value: 0 };
    } else if (req.op === 'prune') {
      reply = { id: req.id, ok: true, value: store.prune(req.before) };
    } else {
      store.close();
      reply = { id: req.id, ok: true, value: 0 };
    }
  } catch (err) {
    reply = { id: req.id, ok: false, error: (err as Error).message };
  }
  port.postMessage(reply);
});
