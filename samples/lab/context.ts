import type { LabScenarioId } from '../common/catalog';
import { sampleProcess, type SampleName } from '../common/sampleProcess';
import { TrafficModel } from '../traffic/trafficModel';
import { LabProcessError } from './errors';
import { canConnect } from './net';
import { fillStep, type LabStepArg, type LabStepId } from './steps';
import { Supervisor, type SupervisedChild } from './supervisor';

/** A progress message while a scenario runs (the CLI prints these on stderr). */
export interface LabProgress {
  scenario: LabScenarioId;
  /** The step filled in English. */
  message: string;
  /** Which step (samples/lab/steps.ts) and its values, for an adapter that shows it in another language. */
  step: LabStepId;
  args: readonly LabStepArg[];
}

/** Where a streamed log line came from. */
export interface LabLineOrigin {
  scenario: LabScenarioId;
  /** POD_NAME of the client that printed it (`lab-client-<n>`). */
  process: string;
}

/** Something a lab run started. */
export interface LabProcessInfo {
  scenario: LabScenarioId;
  role: 'server' | 'client' | 'etcd';
  /** `lab-server-<n>`, `lab-client-<n>` or `etcd`. */
  name: string;
  pid?: number;
  /** Where it listens (`host:port`, or etcd's client URL). */
  addr?: string;
  /** A client's TARGET. */
  target?: string;
  /** etcd's temporary data dir (removed when the run ends). */
  dataDir?: string;
}

export interface LabRunOptions {
  /** Aborting stops every process, port and temp dir the run started, then rejects with LabAbortedError. */
  signal?: AbortSignal;
  onProgress?: (progress: LabProgress) => void;
  /** Every stdout line of every lab client, as printed (one RPC record per line: feed a TrafficModel). */
  onLine?: (line: string, origin: LabLineOrigin) => void;
  /** Every process or service the run starts (pids for a process view; tests check they are gone afterwards). */
  onProcess?: (info: LabProcessInfo) => void;
  /** Shorter or longer experiment windows (tests shorten them); see {@link LabTimings}. */
  timings?: Partial<LabTimings>;
}

/** The knobs of the experiments. Defaults keep the whole tour around a minute and a half. */
export interface LabTimings {
  /** Client INTERVAL_MS: one RPC per client every this many ms (the resolution of every timing figure). */
  intervalMs: number;
  /** How long the baseline distribution is collected. */
  spreadMs: number;
  /** headless: how long the lab waits for a scaled-up server to get its first RPC. */
  scaleUpWindowMs: number;
  /** max-age: the servers' MAX_CONNECTION_AGE_MS. */
  maxConnectionAgeMs: number;
  /** max-age / rollout: the clients' DNS_MIN_RESOLUTION_MS. */
  dnsMinResolutionMs: number;
  /** max-age: how long the age-only clients are watched after the scale-up. */
  ageOnlyWindowMs: number;
  /** etcd: the servers' lease TTL (ETCD_TTL_SECONDS). */
  etcdTtlSeconds: number;
  /** Servers' DRAIN_MS: how long a SIGTERMed server keeps serving before it shuts down. */
  drainMs: number;
  /** Client DEADLINE_MS per RPC. */
  deadlineMs: number;
}

export const DEFAULT_TIMINGS: LabTimings = {
  intervalMs: 50,
  spreadMs: 2000,
  scaleUpWindowMs: 8000,
  maxConnectionAgeMs: 3000,
  dnsMinResolutionMs: 1000,
  ageOnlyWindowMs: 30_000,
  etcdTtlSeconds: 2,
  drainMs: 300,
  deadlineMs: 1000,
};

/** Environment variables of the process contract; never inherited from the lab's own environment. */
const CONTRACT_VARS = [
  'HOST',
  'PORT',
  'POD_NAME',
  'POD_IP',
  'MAX_CONNECTION_AGE_MS',
  'MAX_CONNECTION_AGE_GRACE_MS',
  'ETCD_ENDPOINTS',
  'ETCD_TTL_SECONDS',
  'DRAIN_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'WORK_MS',
  'CONCURRENCY',
  'TARGET',
  'LB_POLICY',
  'INTERVAL_MS',
  'DNS_MIN_RESOLUTION_MS',
  'CHAPTER',
  'DEADLINE_MS',
];

function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTRACT_VARS) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('GRPC_')) delete env[name];
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
}

export interface LabServer {
  name: string;
  host: string;
  port: number;
  /** `host:port`, as registered in etcd / as a DNS answer plus port. */
  addr: string;
  process: SupervisedChild;
}

export interface LabClient {
  name: string;
  group: string;
  process: SupervisedChild;
}

/**
 * What one scenario run owns: its supervisor (so everything is cleaned up), one TrafficModel over
 * all its clients plus one per client group, the timings, and helpers that start sample processes
 * exactly as the process contract says.
 */
export class LabContext {
  readonly supervisor: Supervisor;
  readonly timings: LabTimings;
  /** Every client's RPC records for this scenario. */
  readonly model = new TrafficModel();
  private readonly groupModels = new Map<string, TrafficModel>();
  private nextServer = 1;
  private nextClient = 1;

  constructor(
    readonly scenario: LabScenarioId,
    private readonly options: LabRunOptions,
  ) {
    this.supervisor = new Supervisor(options.signal);
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
  }

  announce(info: Omit<LabProcessInfo, 'scenario'>): void {
    this.options.onProcess?.({ scenario: this.scenario, ...info });
  }

  /** Reports a step of the scenario (a template of samples/lab/steps.ts and its values). */
  progress(step: LabStepId, ...args: LabStepArg[]): void {
    this.options.onProgress?.({ scenario: this.scenario, message: fillStep(step, args), step, args });
  }

  /** The model of one client group (clients started with that `group`). */
  groupModel(group: string): TrafficModel {
    let model = this.groupModels.get(group);
    if (!model) {
      model = new TrafficModel();
      this.groupModels.set(group, model);
    }
    return model;
  }

  /** Sleeps, but throws at once on abort or when a lab process failed. */
  async sleep(ms: number): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      this.supervisor.check();
      const left = end - Date.now();
      if (left <= 0) return;
      await delay(Math.min(left, 25));
    }
  }

  /** Polls `condition` every 25 ms until it holds (true) or `timeoutMs` passes (false). */
  async waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 25): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.supervisor.check();
      if (await condition()) return true;
      if (Date.now() >= end) return false;
      await delay(intervalMs);
    }
  }

  /** Server names are `lab-server-<n>`, numbered in start order. */
  takeServerName(): string {
    return `lab-server-${this.nextServer++}`;
  }

  /**
   * Starts a greeter server bound to host:port and resolves once it accepts TCP connections.
   * `env` adds contract variables (MAX_CONNECTION_AGE_MS, ETCD_ENDPOINTS…).
   */
  async startServer(opts: {
    host: string;
    port: number;
    name?: string;
    env?: Record<string, string | undefined>;
    readyTimeoutMs?: number;
  }): Promise<LabServer> {
    const name = opts.name ?? this.takeServerName();
    const child = this.spawnSample('server', name, {
      HOST: opts.host,
      PORT: String(opts.port),
      POD_NAME: name,
      POD_IP: opts.host,
      DRAIN_MS: String(this.timings.drainMs),
      SHUTDOWN_TIMEOUT_MS: '2000',
      ...opts.env,
    });
    this.announce({ role: 'server', name, pid: child.pid, addr: `${opts.host}:${opts.port}` });
    const ready = await this.waitUntil(
      () => canConnect(opts.host, opts.port, 200),
      opts.readyTimeoutMs ?? 20_000,
      30,
    );
    if (!ready) {
      throw new LabProcessError(name, `${name} did not listen on ${opts.host}:${opts.port} within 20 s`, child.stderrTail());
    }
    return { name, host: opts.host, port: opts.port, addr: `${opts.host}:${opts.port}`, process: child };
  }

  /** Spawns a sample process as the extension does (bundle or tsx source) with `env` over a clean contract environment. */
  private spawnSample(
    sample: SampleName,
    name: string,
    env: Record<string, string | undefined>,
    onStdoutLine?: (line: string) => void,
  ): SupervisedChild {
    const spec = sampleProcess(sample);
    return this.supervisor.spawn({
      name,
      command: spec.command,
      args: spec.args,
      env: childEnv({ ...spec.env, ...env }),
      onStdoutLine,
    });
  }

  /** Starts a greeter client (`lab-client-<n>`) that logs one RPC record per line. */
  startClient(opts: { target: string; group?: string; env?: Record<string, string | undefined> }): LabClient {
    const name = `lab-client-${this.nextClient++}`;
    const group = opts.group ?? 'default';
    const groupModel = this.groupModel(group);
    const child = this.spawnSample(
      'client',
      name,
      {
        TARGET: opts.target,
        LB_POLICY: 'round_robin',
        INTERVAL_MS: String(this.timings.intervalMs),
        DEADLINE_MS: String(this.timings.deadlineMs),
        CHAPTER: this.scenario,
        POD_NAME: name,
        ...opts.env,
      },
      (line) => {
        this.model.ingestLine(line);
        groupModel.ingestLine(line);
        this.options.onLine?.(line, { scenario: this.scenario, process: name });
      },
    );
    this.announce({ role: 'client', name, pid: child.pid, target: opts.target });
    return { name, group, process: child };
  }

  /** Waits until every client has at least `n` successful RPCs. */
  async waitForRpcs(clients: readonly LabClient[], n: number, timeoutMs = 30_000): Promise<void> {
    const ok = await this.waitUntil(() => {
      const snapshot = this.model.snapshot();
      return clients.every((c) => (snapshot.clients.find((s) => s.client === c.name)?.ok ?? 0) >= n);
    }, timeoutMs);
    if (!ok) {
      const snapshot = this.model.snapshot();
      const behind = clients.find((c) => (snapshot.clients.find((s) => s.client === c.name)?.ok ?? 0) < n);
      const name = behind?.name ?? clients[0]?.name ?? 'client';
      const lastError = snapshot.clients.find((s) => s.client === name)?.lastError;
      throw new LabProcessError(
        name,
        `${name} did not complete ${n} RPCs within ${Math.round(timeoutMs / 1000)} s` +
          (lastError ? ` (last error: ${lastError})` : ''),
        behind?.process.stderrTail() ?? '',
      );
    }
  }

  /** Failed RPCs so far (of one group's model, or of all clients). Take the difference across a phase. */
  failedRpcs(model: TrafficModel = this.model): number {
    return model.snapshot().totalErrors;
  }

  async dispose(): Promise<void> {
    await this.supervisor.dispose();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
