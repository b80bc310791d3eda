// A real OpenSSH server for tests: /usr/sbin/sshd on 127.0.0.1 with a throwaway host key and client
// key, whose key is tied to a forced command that records each "reboot" and answers it as a test
// fleet would: `reboot SLAVE [ms]` records, takes ms, and has SLAVE send its next `start` to the
// collector; `fail SLAVE` exits 1; `hang SLAVE` never ends; `silent SLAVE` succeeds but the slave
// never comes back.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SSHD = '/usr/sbin/sshd';

export interface RecordedCommand {
  /** What the client asked to run ($SSH_ORIGINAL_COMMAND); the forced command runs instead. */
  command: string;
  verb: string;
  slave: string;
  start: number;
  end: number;
}

export interface RunningSshd {
  port: number;
  dir: string;
  /** The ssh client's argv up to the destination: add `root@127.0.0.1` and the remote command. */
  client: string[];
  /** Where a `reboot` sends its heartbeat. */
  setCollector(url: string): void;
  /** Every command the forced command has seen, in order of start. */
  recorded(): RecordedCommand[];
  stop(): Promise<void>;
}

const FORCED_SCRIPT = String.raw`
import { appendFileSync, readFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
const dir = process.argv[2];
if (process.argv[3] === 'post') {
  // Detached from the ssh session: the slave "boots" and its buildbot start hook runs.
  const [url, slave, delay] = process.argv.slice(4);
  await new Promise((r) => setTimeout(r, Number(delay)));
  await fetch(url + '/api/v1/slaves/' + encodeURIComponent(slave) + '/heartbeat', { method: 'POST' });
  process.exit(0);
}
appendFileSync(dir + '/pids', process.pid + '\n');
const command = process.env.SSH_ORIGINAL_COMMAND ?? '';
const [verb = '', slave = '', ms = '0'] = command.split(' ');
const start = Date.now();
const record = () =>
  appendFileSync(dir + '/recorded.jsonl', JSON.stringify({ command, verb, slave, start, end: Date.now() }) + '\n');
const sleep = (n) => new Promise((r) => setTimeout(r, n));
if (verb === 'reboot') {
  await sleep(Number(ms));
  record();
  const urlFile = dir + '/collector-url';
  if (existsSync(urlFile)) {
    const url = readFileSync(urlFile, 'utf8').trim();
    spawn(process.execPath, [process.argv[1], dir, 'post', url, slave, '150'], {
      detached: true,
      stdio: 'ignore',
    }).unref();
  }
  console.log('rebooting ' + slave);
  process.exit(0);
} else if (verb === 'fail') {
  record();
  console.error('sudo: /sbin/reboot: command not found');
  process.exit(1);
} else if (verb === 'hang') {
  record();
  // Until the client goes away (writing to it fails), or a minute.
  process.stdout.on('error', () => process.exit(0));
  setInterval(() => process.stdout.write('still running\n'), 250);
  setTimeout(() => process.exit(0), 60000);
} else if (verb === 'silent') {
  record();
  process.exit(0);
} else {
  record();
  console.error('unknown test command: ' + command);
  process.exit(2);
}
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startSshd(): Promise<RunningSshd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-sshd-'));
  try {
    return await startIn(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(dir: string): Promise<RunningSshd> {
  // sshd running as root wants its privilege separation directory (made by the Debian service).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const hostKey = path.join(dir, 'host_key');
  const clientKey = path.join(dir, 'client_key');
  for (const key of [hostKey, clientKey]) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'corral-test', '-f', key]);
  }
  const script = path.join(dir, 'forced.mjs');
  writeFileSync(script, FORCED_SCRIPT);
  writeFileSync(path.join(dir, 'recorded.jsonl'), '');
  writeFileSync(path.join(dir, 'pids'), '');
  const forced = `${process.execPath} ${script} ${dir}`;
  const options = 'no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding';
  writeFileSync(
    path.join(dir, 'authorized_keys'),
    `command="${forced}",${options} ${readFileSync(`${clientKey}.pub`, 'utf8')}`,
  );

  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        // Many reboots at once open many connections; the default (10) drops some.
        'MaxStartups 200',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const ready = await waitListening(child, port);
    if (ready) return running(dir, port, clientKey, child, exited);
    lastError = stderr.trim();
    child.kill('SIGKILL');
    await exited;
  }
  throw new Error(`sshd did not start: ${lastError}`);
}

async function waitListening(child: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await canConnect(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function running(
  dir: string,
  port: number,
  clientKey: string,
  child: ChildProcess,
  exited: Promise<void>,
): RunningSshd {
  return {
    port,
    dir,
    client: [
      'ssh',
      '-F',
      '/dev/null',
      '-i',
      clientKey,
      '-o',
      `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'LogLevel=ERROR',
      '-p',
      String(port),
    ],
    setCollector: (url) => writeFileSync(path.join(dir, 'collector-url'), url),
    recorded: () =>
      readFileSync(path.join(dir, 'recorded.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as RecordedCommand)
        .sort((a, b) => a.start - b.start),
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // Sessions outlive the listener: stop any forced command still running (a `hang`).
      for (const pid of readFileSync(path.join(dir, 'pids'), 'utf8').split('\n').filter(Boolean)) {
        killIfOurs(Number(pid), dir);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kills a forced command by pid only if that pid still runs our script (pids are reused). */
function killIfOurs(pid: number, dir: string): void {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) return;
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
