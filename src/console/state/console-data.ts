// What the console's store holds (its data, not its actions) and the state a new store starts from.
// The types keep their old home's names: store.ts re-exports them.
import type { Cause } from '../../domain/causes.js';
import type {
  ActionRequest,
  ActionTargetView,
  ActionView,
  ClientMessage,
  DatabaseStatus,
  HygieneItem,
  MonitoringLink,
  RebootChains,
  Role,
} from '../../domain/protocol.js';
import type { SlaveDetail } from '../../domain/slave.js';
import { SLAVE_STATES, type SlaveState } from '../../domain/state.js';
import { DEFAULT_POLICY, type ThresholdPolicy } from '../../domain/thresholds.js';
import type { ActionForm } from '../action-form.js';
import type { CauseFilter } from '../cause-filter.js';
import type { Grouping, Row, SortKey } from '../rows.js';
import { countTriage, type QuickFilter, type TriageCounts } from '../triage.js';

export type Line =
  | {
      kind: 'group';
      key: string;
      count: number;
      marked: number;
      /** The group's shown slaves per state. */
      states: Partial<Record<SlaveState, number>>;
    }
  | { kind: 'slave'; row: Row; index: number };

export type Counts = Record<SlaveState, number> & { muted: number; total: number };

export interface Connection {
  status: 'connecting' | 'connected' | 'disconnected';
  /** Local epoch ms of the last change to or from connected: the banner says how long it has been down. */
  since: number;
  error: string | null;
  /** Local epoch ms of the next reconnect attempt while disconnected. */
  retryAt: number | null;
}

export type Mode = 'table' | 'filter' | 'help' | 'actions' | 'form' | 'confirm' | 'log' | 'hygiene';

/** A request about to be sent: the operator reads it, may ask for the exact Nagios lines, then confirms. */
export interface Confirmation {
  request: ActionRequest;
  /** How many of the targets the current filters hide. */
  hidden: number;
  dryRun: {
    requestId: string;
    status: 'waiting' | 'ready' | 'error';
    lines: string[];
    /** Targets the collector says would fail, with why. */
    failing: ActionTargetView[];
    error: string | null;
  } | null;
  showLines: boolean;
  /** First Nagios line shown. */
  scroll: number;
}

/** The last action this console asked for: its progress shows in the status line. */
export interface OwnRequest {
  requestId: string;
  kind: ActionRequest['kind'];
  targets: number;
  /** The collector's id for it, once the first `action` message came back. */
  actionId: number | null;
  /** Why the collector refused it as a whole. */
  error: string | null;
}

export interface DetailState {
  name: string;
  status: 'loading' | 'ready' | 'error';
  data: SlaveDetail | null;
  error: string | null;
}

/** The derived view: computed from the fields above it by state/derived-view.ts, never set directly. */
export interface DerivedView {
  /** All rows in the current sort and grouping, unfiltered. */
  sorted: Row[];
  /** What the filters let through, in order; the cursor indexes this. */
  visible: Row[];
  /** visible with group headers; what the table draws. */
  lines: Line[];
  /** rowLines[i] is the line of visible[i]. */
  rowLines: number[];
  counts: Counts;
  /** The counts split into unhandled and handled (muted, rebooting), and the muted slaves that are ok. */
  triage: TriageCounts;
  /** Many unhandled slaves of one master or pool that turned bad together, worst first. */
  causes: Cause[];
  /** Marks the filters hide: the footer always says how many. */
  hiddenMarks: number;
  filterError: string | null;
}

export interface ConsoleData extends DerivedView {
  url: string;
  connection: Connection;
  you: { name: string; role: Role } | null;
  policy: ThresholdPolicy;
  /** Server clock minus local clock, from the last hello/snapshot/delta. */
  offsetMs: number;
  /** The server's clock as the console last ticked it (epoch ms). */
  now: number;
  seq: number | null;
  slaves: ReadonlyMap<string, Row>;
  cursor: number;
  cursorName: string | null;
  /** First line of the table window. */
  top: number;
  pageSize: number;
  /** Marked slave names; filters never prune them, only a slave leaving the collector does. */
  marks: ReadonlySet<string>;
  filterText: string;
  stateFilter: QuickFilter;
  /** The cause key's filter: only that cause's slaves, following the cause; null shows every slave. */
  causeFilter: CauseFilter | null;
  sort: SortKey;
  grouping: Grouping;
  mode: Mode;
  detailOpen: boolean;
  detail: DetailState | null;
  serverError: string | null;
  /** Actions not finished yet, by id, as the collector streams them. */
  actions: ReadonlyMap<number, ActionView>;
  /** What is in flight on each slave (`downtime sent jdoe`), from the unfinished actions. */
  inFlight: ReadonlyMap<string, string>;
  /**
   * Whether the collector is wired to Nagios, so it takes downtimes, rechecks and acks (hello's
   * `nagios`, else its older name `actions`; one that says neither is trusted and refuses itself).
   */
  nagios: boolean;
  /** The collector's reboot chains (method names); null when it has no reboot methods. */
  reboot: RebootChains | null;
  /** The collector's monitoring link as it last said; null before hello or from an older collector. */
  monitoring: MonitoringLink | null;
  /** The collector's database as it last said; null before hello or from an older collector. */
  database: DatabaseStatus | null;
  form: ActionForm | null;
  confirm: Confirmation | null;
  own: OwnRequest | null;
  /** Recent actions of every operator, newest first: streamed, and fetched when the log opens. */
  log: ActionView[];
  logStatus: 'idle' | 'loading' | 'ready' | 'error';
  logError: string | null;
  logCursor: number;
  /** First line shown of the selected action's targets. */
  logScroll: number;
  /** What needs a decision, as the collector last said (hello's `hygiene`, `hygiene` messages). */
  hygiene: readonly HygieneItem[];
  /** The hygiene item selected in its view. */
  hygieneCursor: number;
  /** One line for the operator (why a key did nothing, a send that failed); Esc clears it. */
  notice: string | null;
  /** Sends to the collector; false when not connected. The client installs it. */
  send: (message: ClientMessage) => boolean;
}

export function emptyCounts(): Counts {
  const c = { muted: 0, total: 0 } as Counts;
  for (const s of SLAVE_STATES) c[s] = 0;
  return c;
}

/** A console that has heard nothing yet: connecting, no slaves, the default view. */
export function initialData(url: string, localNow: number): ConsoleData {
  return {
    url,
    connection: { status: 'connecting', since: localNow, error: null, retryAt: null },
    you: null,
    policy: DEFAULT_POLICY,
    offsetMs: 0,
    now: localNow,
    seq: null,
    slaves: new Map(),
    sorted: [],
    visible: [],
    lines: [],
    rowLines: [],
    counts: emptyCounts(),
    triage: countTriage([]),
    causes: [],
    hiddenMarks: 0,
    cursor: 0,
    cursorName: null,
    top: 0,
    pageSize: 20,
    marks: new Set(),
    filterText: '',
    filterError: null,
    stateFilter: 'all',
    causeFilter: null,
    sort: 'state',
    grouping: 'none',
    mode: 'table',
    detailOpen: false,
    detail: null,
    serverError: null,
    actions: new Map(),
    inFlight: new Map(),
    nagios: true,
    reboot: null,
    monitoring: null,
    database: null,
    form: null,
    confirm: null,
    own: null,
    log: [],
    logStatus: 'idle',
    logError: null,
    logCursor: 0,
    logScroll: 0,
    hygiene: [],
    hygieneCursor: 0,
    notice: null,
    send: () => false,
  };
}
