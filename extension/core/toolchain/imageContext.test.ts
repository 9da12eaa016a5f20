import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { imageBuildPlan } from '../../../samples/images/index';
import { ImageSourcesMissingError } from '../errors';
import { isImageContext, resolveImagePlan } from './imageContext';

const REPO = join(__dirname, '..', '..', '..');

/** A folder holding the given files (empty ones: only their presence counts). */
function folderWith(files: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'grpclb-ctx-'));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  return dir;
}

const ALL_SOURCES = [...new Set(imageBuildPlan('/').flatMap((b) => b.sources))];

describe('image build context', () => {
  it('builds from the first folder that holds the Dockerfiles and the built files (an installed extension)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'grpclb-noctx-'));
    const installed = folderWith(ALL_SOURCES);
    try {
      const plan = resolveImagePlan([empty, installed]);
      assert.deepEqual(plan.map((b) => b.image), ['grpc-lb-lab/greeter-server:dev', 'grpc-lb-lab/greeter-client:dev']);
      assert.ok(plan.every((b) => b.context === installed));
    } finally {
      rmSync(empty, { recursive: true, force: true });
      rmSync(installed, { recursive: true, force: true });
    }
  });

  it('says where it looked when no folder holds them (a clone that was never built)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'grpclb-noctx-'));
    try {
      assert.throws(() => resolveImagePlan([empty]), (e: unknown) => e instanceof ImageSourcesMissingError && e.searched[0] === empty);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('passes over a folder that lacks any one file the build needs (a bundle, the client lock, .dockerignore, …)', () => {
    assert.ok(ALL_SOURCES.includes('dist/server.js') && ALL_SOURCES.includes('dist/images/package-lock.json'), ALL_SOURCES.join(', '));
    const complete = folderWith(ALL_SOURCES);
    try {
      assert.ok(isImageContext(complete), 'a folder with every source is a build context');
    } finally {
      rmSync(complete, { recursive: true, force: true });
    }
    const next = folderWith(ALL_SOURCES);
    try {
      for (const missing of ALL_SOURCES) {
        const dir = folderWith(ALL_SOURCES.filter((f) => f !== missing));
        try {
          assert.equal(isImageContext(dir), false, `without ${missing}`);
          assert.deepEqual(resolveImagePlan([dir, next])[0].context, next, `without ${missing}, the next candidate is used`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    } finally {
      rmSync(next, { recursive: true, force: true });
    }
  });

  it("the plan's sources cover what each Dockerfile COPYs (one source of truth)", () => {
    for (const build of imageBuildPlan(REPO)) {
      const lines = readFileSync(join(REPO, build.dockerfile), 'utf8').split('\n').map((l) => l.trim());
      const copied = lines
        .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
        .flatMap((l) => l.split(/\s+/).slice(1, -1).filter((word) => !word.startsWith('--')));
      assert.ok(copied.length > 0, build.dockerfile);
      for (const source of copied) {
        const covered = build.sources.some((f) => f === source || f.startsWith(`${source.replace(/\/$/, '')}/`));
        assert.ok(covered, `${build.dockerfile} copies ${source}, which the plan's sources do not name`);
      }
      assert.ok(build.sources.includes(build.dockerfile) && build.sources.includes('.dockerignore'));
    }
  });
});
