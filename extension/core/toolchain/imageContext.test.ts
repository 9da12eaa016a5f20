import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImageSourcesMissingError } from '../errors';
import { resolveImagePlan } from './imageContext';

const REPO = join(__dirname, '..', '..', '..');

describe('image build context', () => {
  it('builds from the first folder that holds the Dockerfiles and sources', () => {
    const empty = mkdtempSync(join(tmpdir(), 'grpclb-noctx-'));
    try {
      const plan = resolveImagePlan([empty, REPO]);
      assert.deepEqual(plan.map((b) => b.image), ['grpc-lb-lab/greeter-server:dev', 'grpc-lb-lab/greeter-client:dev']);
      assert.ok(plan.every((b) => b.context === REPO));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('says where it looked when no folder holds them (an installed .vsix ships no sources)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'grpclb-noctx-'));
    try {
      assert.throws(() => resolveImagePlan([empty]), (e: unknown) => e instanceof ImageSourcesMissingError && e.searched[0] === empty);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
