/**
 * Heavy libraries, loaded on first use — the one way this project defers a dependency.
 *
 * Import a library's types with `import type` and get its values (classes, enums, functions)
 * from the loader here when they are needed. Bundled, esbuild wraps each CommonJS package in a
 * lazy initialiser, so a `require` inside a function is evaluated only when the function is first
 * called; the extension's activation and a sample's start then do not pay for what they never use
 * (@kubernetes/client-node alone is over half of the extension's bundle).
 *
 * `require`, not `import()`: under tsx a dynamic import loads a dual package's ESM build a second
 * time beside the CommonJS one other modules got (seconds more, and distinct classes, so
 * `instanceof ApiException` would fail).
 */
/* eslint-disable @typescript-eslint/no-require-imports */

type ClientNode = typeof import('@kubernetes/client-node');
type Etcd3 = typeof import('etcd3');
type Yaml = typeof import('yaml');
type MarkdownIt = typeof import('markdown-it');
type LabRunner = typeof import('../lab/index');

let clientNodeModule: ClientNode | undefined;
let etcd3Module: Etcd3 | undefined;
let yamlModule: Yaml | undefined;
let markdownItModule: MarkdownIt | undefined;
let labRunnerModule: LabRunner | undefined;

/** @kubernetes/client-node (the extension's cluster actions, the kubernetes: resolver). */
export function clientNode(): ClientNode {
  return (clientNodeModule ??= require('@kubernetes/client-node') as ClientNode);
}

/** etcd3 (the etcd: resolver and registration; ~0.7 s to load, only etcd users pay). */
export function etcd3(): Etcd3 {
  return (etcd3Module ??= require('etcd3') as Etcd3);
}

/** yaml (the chapter manifests). */
export function yaml(): Yaml {
  return (yamlModule ??= require('yaml') as Yaml);
}

/** markdown-it's constructor (the workbook's Markdown parser). */
export function markdownIt(): MarkdownIt {
  return (markdownItModule ??= require('markdown-it') as MarkdownIt);
}

/** The local lab's runner (spawns servers and clients; pulls in dns-packet, and etcd3 for its etcd scenario). */
export function labRunner(): LabRunner {
  return (labRunnerModule ??= require('../lab/index') as LabRunner);
}
