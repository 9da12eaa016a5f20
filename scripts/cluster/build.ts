/**
 * Builds the rig's Go programs (Kubernetes, CoreDNS, the etcd chapter's etcd; images.ts builds the pause image's own) from the Go module proxy into BIN_DIR,
 * once: each binary carries a stamp of the sources it was built from, and a matching stamp skips
 * the build, so a second `cluster:up` on the same machine starts without compiling.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, KUBERNETES_VERSION, run, step } from './rig';

export interface GoProgram {
  /** Folder under scripts/cluster/ holding the Go module. */
  module: string;
  /** Name of the binary in BIN_DIR. */
  binary: string;
  ldflags: string[];
  /** Environment for `go build` beyond the caller's, e.g. CGO_ENABLED=0 for a binary an image without libc runs. */
  env?: Record<string, string>;
}

const [, kubeMajor, kubeMinor] = /^v(\d+)\.(\d+)\./.exec(KUBERNETES_VERSION) ?? [];
// What `make` in kubernetes/kubernetes stamps into its binaries; without it the components report
// v0.0.0 and the API server's compatibility version checks refuse them.
const kubeVersionFlags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
  `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
  `-X ${pkg}.gitMajor=${kubeMajor}`,
  `-X ${pkg}.gitMinor=${kubeMinor}`,
  `-X ${pkg}.gitTreeState=clean`,
]);

/** The etcd chapter's etcd (ETCD_IMAGE's release); static, as upstream builds it: images.ts puts it in an image from scratch. */
export const ETCD_PROGRAM: GoProgram = { module: 'etcd', binary: 'etcd', ldflags: [], env: { CGO_ENABLED: '0' } };

export const PROGRAMS: readonly GoProgram[] = [
  { module: 'rig', binary: 'rig', ldflags: kubeVersionFlags },
  { module: 'coredns', binary: 'coredns', ldflags: [] },
  ETCD_PROGRAM,
];

export const binaryPath = (name: string): string => join(BIN_DIR, name);

function sourceStamp(dir: string, program: GoProgram): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).filter((f) => /\.go$|^go\.(mod|sum)$/.test(f)).sort()) {
    hash.update(file).update(readFileSync(join(dir, file)));
  }
  hash.update(program.ldflags.join(' '));
  // only when set: the stamps of programs without an env stay what they were
  if (program.env) hash.update(JSON.stringify(Object.entries(program.env).sort()));
  return hash.digest('hex');
}

/** Builds one program unless BIN_DIR holds a binary stamped with the same sources. */
export async function buildProgram(program: GoProgram): Promise<string> {
  const dir = join(__dirname, program.module);
  const out = binaryPath(program.binary);
  const stampFile = `${out}.stamp`;
  const stamp = sourceStamp(dir, program);
  if (existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    process.stderr.write(`cluster: ${program.binary} is built (cached in ${BIN_DIR})\n`);
    return out;
  }
  mkdirSync(BIN_DIR, { recursive: true });
  await step(`building ${program.binary} (Go, ${program.module}/go.mod; the first build takes minutes)`, () =>
    run('go', ['build', '-trimpath', '-ldflags', ['-s', '-w', ...program.ldflags].join(' '), '-o', out, '.'], {
      cwd: dir,
      env: { ...process.env, GOFLAGS: '-mod=readonly', ...program.env },
    }),
  );
  writeFileSync(stampFile, stamp);
  return out;
}

export async function buildAll(): Promise<void> {
  for (const program of PROGRAMS) await buildProgram(program);
}

if (require.main === module) {
  buildAll().catch((error: unknown) => {
    process.stderr.write(`cluster: build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
