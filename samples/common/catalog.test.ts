import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyOrder } from './catalog';

const doc = (kind: string, app?: string) => ({ kind, metadata: app ? { labels: { 'app.kubernetes.io/name': app } } : {} });
const names = (docs: ReturnType<typeof doc>[]) => docs.map((d) => `${d.kind}${d.metadata.labels ? `/${d.metadata.labels['app.kubernetes.io/name']}` : ''}`);

test('apply order: the namespace, then RBAC, config, Services and policies, then etcd, the servers and the clients', () => {
  const shuffled = [
    doc('Deployment', 'greeter-client'),
    doc('NetworkPolicy', 'etcd'),
    doc('Deployment', 'greeter-server'),
    doc('Service', 'greeter-server'),
    doc('RoleBinding'),
    doc('Deployment', 'etcd'),
    doc('ServiceAccount'),
    doc('Role'),
    doc('Namespace'),
    doc('ConfigMap', 'envoy'),
  ];
  assert.deepEqual(names(applyOrder(shuffled)), [
    'Namespace',
    'ServiceAccount',
    'Role',
    'RoleBinding',
    'ConfigMap/envoy',
    'Service/greeter-server',
    'NetworkPolicy/etcd',
    'Deployment/etcd',
    'Deployment/greeter-server',
    'Deployment/greeter-client',
  ]);
});

test('kinds the table does not know go last, in the order they came', () => {
  assert.deepEqual(names(applyOrder([doc('Gateway'), doc('Deployment', 'greeter-server'), doc('VirtualService'), doc('Namespace')])), [
    'Namespace',
    'Deployment/greeter-server',
    'Gateway',
    'VirtualService',
  ]);
});
