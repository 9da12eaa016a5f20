import { isIP } from 'node:net';
import { ContextDeclinedError } from '../errors';
import type { KeyValueStorage } from '../storage';


/**
 * The cluster a write goes to: the context's name, its API server and its user. A name alone can be
 * reused for another cluster (a new kubeconfig, a renamed context), so an answer holds for all three.
 */
export interface KubeTarget {
  name: string;
  server: string;
  user: string;
}

export interface ContextGuardOptions {
  /** Asks the user whether this extension may write to `target` (a modal in VS Code). */
  confirm: (target: KubeTarget) => Promise<boolean>;
  storage: KeyValueStorage;
  /** Context names that belong to minikube (default: the default profile `minikube`). */
  minikubeContexts?: () => readonly string[];
}

const STORAGE_KEY = 'grpcLb.allowedKubeTargets';

const targetKey = (t: KubeTarget): string => JSON.stringify([t.name, t.server, t.user]);

/**
 * True when `server` is on this machine or on a private network, where minikube's drivers put its
 * API server (127.0.0.1 with the docker driver, 192.168.x.x with VM drivers). A context named
 * `minikube` that points anywhere else is not trusted on its name.
 */
export function isLocalServer(server: string): boolean {
  let host: string;
  try {
    host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) !== 4) return false;
  const [a, b] = host.split('.').map(Number) as [number, number];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Stops the tutorial from writing to a cluster the learner did not mean: before the first write to
 * a cluster that is not minikube's it asks once. A "yes" is remembered in storage (across sessions)
 * for that context name, server and user; a "no" is remembered for this session, so the learner is
 * not nagged but can change their mind after a restart (or with "Forget Allowed Kube Contexts").
 */
export class ContextGuard {
  private readonly declined = new Set<string>();
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(private readonly options: ContextGuardOptions) {}

  /** A minikube context name on a local server: the tutorial's own cluster, never asked about. */
  isMinikube(target: Pick<KubeTarget, 'name' | 'server'>): boolean {
    return (this.options.minikubeContexts?.() ?? ['minikube']).includes(target.name) && isLocalServer(target.server);
  }

  isAllowed(target: KubeTarget): boolean {
    return this.isMinikube(target) || this.allowed().includes(targetKey(target));
  }

  /** Resolves when writes to `target` are allowed; throws ContextDeclinedError otherwise. */
  async ensureWritable(target: KubeTarget | undefined): Promise<void> {
    const t = target ?? { name: '', server: '', user: '' };
    if (this.isAllowed(t)) return;
    const key = targetKey(t);
    if (this.declined.has(key)) throw new ContextDeclinedError(t.name);
    // Concurrent writes (a workbook running two cells) share one question.
    let answer = this.pending.get(key);
    if (!answer) {
      answer = this.options.confirm(t);
      this.pending.set(key, answer);
    }
    let ok: boolean;
    try {
      ok = await answer;
    } finally {
      this.pending.delete(key);
    }
    if (ok) {
      if (!this.allowed().includes(key)) await this.options.storage.update(STORAGE_KEY, [...this.allowed(), key]);
      return;
    }
    this.declined.add(key);
    throw new ContextDeclinedError(t.name);
  }

  /** Forgets this session's "no" for every cluster of one context name, so the next write asks again. */
  forgetDecline(contextName: string): void {
    for (const key of [...this.declined]) if ((JSON.parse(key) as string[])[0] === contextName) this.declined.delete(key);
  }

  /** How many clusters have a remembered "yes". */
  allowedCount(): number {
    return this.allowed().length;
  }

  /** Forgets every answer (both remembered "yes" and this session's "no"): the next write asks again. */
  async reset(): Promise<void> {
    this.declined.clear();
    await this.options.storage.update(STORAGE_KEY, []);
  }

  private allowed(): string[] {
    return this.options.storage.get<string[]>(STORAGE_KEY) ?? [];
  }
}
