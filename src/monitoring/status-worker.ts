// The status.dat thread: reads and parses Nagios's status file off the event loop (a 10,000-slave
// file is ~20 MB and takes ~0.5 s to parse), and hands back a status only when it changed.
import { parentPort, workerData } from 'node:worker_threads';
import { StatusFileReader } from '../nagios/status-file.js';
import type { StatusReply, StatusRequest } from './status-thread.js';

const reader = new StatusFileReader((workerData as { file: string }).file);
const port = parentPort!;

port.on('message', (req: StatusRequest) => {
  reader.read().then(
    (read) => {
      const reply: StatusReply =
        read === null
          ? { id: req.id, ok: true, status: null, fresh: false }
          : { id: req.id, ok: true, status: read.fresh ? read.status : null, fresh: read.fresh };
      port.postMessage(reply);
    },
    (err: Error) => port.postMessage({ id: req.id, ok: false, error: err.message } as StatusReply),
  );
});
