import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  CHAPTER_LABEL,
  CLIENT_IMAGE,
  MESH_NAMESPACE,
  SERVER_IMAGE,
  SERVER_PORT,
  clientDeploymentName,
  getChapter,
} from '../samples/common/catalog';
import {
  DEPLOYABLE_CHAPTER_IDS,
  ENVOY_ADMIN_PORT,
  ENVOY_IMAGE,
  ETCD_IMAGE,
  ISTIO_ADDON_URLS,
  ISTIO_VERSION,
  ManifestError,
  SIDECAR_LISTENER,
  chapterDocuments,
  manifestsRoot,
  mergePatch,
  type DeployableChapterId,
} from './index';
import { strictValidate } from './strictSchema';
import { SERVER_DEFAULTS, serverConfigFromEnv } from '../samples/server/config';
import { clientConfigFromEnv } from '../samples/client/config';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are walked as plain JSON here */
type Doc = any;

const ALL = new Map<DeployableChapterId, Doc[]>(DEPLOYABLE_CHAPTER_IDS.map((id) => [id, chapterDocuments(id) as Doc[]]));

function find(docs: Doc[], kind: string, name: string): Doc {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  assert.ok(doc, `${kind} ${name} is missing`);
  return doc;
}

function podTemplates(docs: Doc[]): Array<{ owner: string; template: Doc }> {
  return docs
    .filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet')
    .map((d) => ({ owner: `${d.kind} ${d.metadata.name}`, template: d.spec.template }));
}

function allContainers(template: Doc): Doc[] {
  return [...template.spec.containers, ...(template.spec.initContainers ?? [])];
}

function env(container: Doc, name: string): Doc | undefined {
  return (container.env ?? []).find((e: Doc) => e.name === name);
}

function client(id: DeployableChapterId): Doc {
  const deployment = find(ALL.get(id)!, 'Deployment', clientDeploymentName(id));
  return deployment.spec.template.spec.containers.find((c: Doc) => c.name === 'client');
}

function server(id: DeployableChapterId): Doc {
  return find(ALL.get(id)!, 'Deployment', 'greeter-server').spec.template.spec.containers.find((c: Doc) => c.name === 'server');
}

test('every deployable chapter of the catalog has manifests, and only those', () => {
  assert.deepEqual([...DEPLOYABLE_CHAPTER_IDS].sort(), readdirSync(manifestsRoot(), { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'base')
    .map((e) => e.name)
    .sort());
  assert.equal(DEPLOYABLE_CHAPTER_IDS.length, 9);
});

test('every document of every chapter passes the Kubernetes / Istio schemas with no unknown field', () => {
  for (const [id, docs] of ALL) {
    for (const doc of docs) {
      const result = strictValidate(doc);
      assert.deepEqual(result, { schemaErrors: [], unknownFields: [] }, `${id}: ${doc.kind} ${doc.metadata.name}`);
    }
  }
});

test('the strict check catches a misspelled field, a wrong enum and an unknown Istio field', () => {
  const deployment = structuredClone(find(ALL.get('headless')!, 'Deployment', 'greeter-server'));
  deployment.spec.template.spec.containers[0].readinesProbe = { grpc: { port: 50051 } };
  deployment.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
  const result = strictValidate(deployment);
  assert.deepEqual(result.unknownFields, ['spec.template.spec.containers[0].readinesProbe']);
  assert.match(result.schemaErrors.join('\n'), /imagePullPolicy/);

  const rule = structuredClone(find(ALL.get('istio')!, 'DestinationRule', 'greeter-server'));
  rule.spec.trafficPolicy.loadBalancer = { simpel: 'ROUND_ROBIN' };
  assert.deepEqual(strictValidate(rule).unknownFields, ['spec.trafficPolicy.loadBalancer.simpel']);
});

test('apply order: Namespace first, then RBAC / ConfigMaps / Services, then workloads', () => {
  const rank = (kind: string): number =>
    ({ Namespace: 0, ServiceAccount: 1, Role: 1, RoleBinding: 1, ConfigMap: 1, Service: 1, DestinationRule: 1 })[kind] ?? 2;
  for (const [id, docs] of ALL) {
    assert.equal(docs[0].kind, 'Namespace', id);
    assert.equal(docs.filter((d) => d.kind === 'Namespace').length, 1, id);
    const ranks = docs.map((d) => rank(d.kind));
    assert.deepEqual(ranks, [...ranks].sort(), `${id}: ${docs.map((d) => d.kind).join(', ')}`);
    const workloads = docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name);
    assert.equal(workloads.at(-1), clientDeploymentName(id), `${id}: clients start last`);
    if (id === 'etcd') assert.ok(workloads.indexOf('etcd') < workloads.indexOf('greeter-server'), 'etcd before its servers');
  }
});

test('labels and namespace on everything, as DESIGN names them', () => {
  for (const [id, docs] of ALL) {
    const namespace = getChapter(id).namespace;
    for (const doc of docs) {
      const what = `${id}: ${doc.kind} ${doc.metadata.name}`;
      const labels = doc.metadata.labels ?? {};
      assert.equal(labels['app.kubernetes.io/part-of'], 'grpc-lb-lab', what);
      assert.equal(labels[CHAPTER_LABEL], id, what);
      if (doc.kind === 'Namespace') {
        assert.equal(doc.metadata.name, namespace, what);
      } else {
        assert.equal(doc.metadata.namespace, namespace, what);
        assert.match(labels['app.kubernetes.io/name'] ?? '', /^(greeter-server|greeter-client|envoy|etcd)$/, what);
      }
    }
    for (const { owner, template } of podTemplates(docs)) {
      assert.equal(template.metadata.labels[CHAPTER_LABEL], id, `${id}: ${owner} pods`);
      assert.equal(template.metadata.labels['app.kubernetes.io/part-of'], 'grpc-lb-lab', `${id}: ${owner} pods`);
    }
  }
});

test('Pod Security "restricted", resources and pinned images on every container', () => {
  for (const [id, docs] of ALL) {
    for (const { owner, template } of podTemplates(docs)) {
      const pod = template.spec;
      const what = `${id}: ${owner}`;
      assert.equal(pod.securityContext?.runAsNonRoot, true, what);
      assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', what);
      assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, what);
      for (const volume of pod.volumes ?? []) {
        assert.ok(volume.configMap || volume.emptyDir, `${what}: volume ${volume.name} is a configMap or emptyDir`);
      }
      for (const c of allContainers(template)) {
        const where = `${what} container ${c.name}`;
        const sc = c.securityContext ?? {};
        assert.equal(sc.allowPrivilegeEscalation, false, where);
        assert.equal(sc.readOnlyRootFilesystem, true, where);
        assert.deepEqual(sc.capabilities, { drop: ['ALL'] }, where);
        assert.notEqual(sc.runAsUser ?? pod.securityContext.runAsUser, 0, where);
        assert.ok(sc.runAsUser ?? pod.securityContext.runAsUser, `${where}: a numeric non-root user`);
        assert.ok(!sc.privileged, where);
        for (const key of ['requests', 'limits']) {
          assert.ok(c.resources?.[key]?.cpu && c.resources?.[key]?.memory, `${where}: ${key}.cpu and ${key}.memory`);
        }
        assert.match(c.image, /^[^:@]+(:[\w.-]+)$/, `${where}: image ${c.image} has an explicit tag`);
        assert.doesNotMatch(c.image, /:latest$/, where);
        // The sample images exist only where Build Sample Images put them; the rest come from a registry.
        assert.equal(c.imagePullPolicy, c.image === SERVER_IMAGE || c.image === CLIENT_IMAGE ? 'Never' : 'IfNotPresent', where);
        for (const port of c.ports ?? []) assert.ok(!port.hostPort, where);
      }
    }
  }
});

test('servers: 3 replicas, port 50051 named grpc, native gRPC probes, downward API, a drain that fits', () => {
  for (const [id, docs] of ALL) {
    const deployment = find(docs, 'Deployment', 'greeter-server');
    assert.equal(deployment.spec.replicas, 3, id);
    assert.equal(deployment.spec.selector.matchLabels[CHAPTER_LABEL], undefined, `${id}: server selector is chapter-independent`);
    const c = server(id);
    assert.equal(c.image, SERVER_IMAGE);
    assert.deepEqual(c.ports, [{ name: 'grpc', containerPort: SERVER_PORT, protocol: 'TCP' }], id);
    assert.deepEqual(c.readinessProbe.grpc, { port: SERVER_PORT }, id);
    assert.deepEqual(c.livenessProbe.grpc, { port: SERVER_PORT }, id);
    assert.equal(env(c, 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', id);
    assert.equal(env(c, 'POD_IP')?.valueFrom?.fieldRef?.fieldPath, 'status.podIP', id);
    assert.equal(env(c, 'PORT')?.value, String(SERVER_PORT), id);
    const drainMs = Number(env(c, 'DRAIN_MS')?.value);
    assert.ok(drainMs > 0, id);
    const graceMs = deployment.spec.template.spec.terminationGracePeriodSeconds * 1000;
    const shutdownMs = Number(env(c, 'SHUTDOWN_TIMEOUT_MS')?.value ?? SERVER_DEFAULTS.shutdownTimeoutMs);
    assert.ok(graceMs >= drainMs + shutdownMs + 2000, `${id}: grace ${graceMs} ms covers drain ${drainMs} ms + shutdown ${shutdownMs} ms`);
    // a readiness probe that notices NOT_SERVING well within the drain
    assert.ok(c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold * 1000 < drainMs, id);
    // ...and that one slow answer does not take out of rotation
    assert.ok(c.readinessProbe.timeoutSeconds >= 2 && c.readinessProbe.failureThreshold >= 2, id);
  }
});

test('Services: ClusterIP and headless on port 50051 named grpc with appProtocol grpc, selecting real pods', () => {
  for (const [id, docs] of ALL) {
    assert.notEqual(find(docs, 'Service', 'greeter-server').spec.clusterIP, 'None', id);
    assert.equal(find(docs, 'Service', 'greeter-server-headless').spec.clusterIP, 'None', id);
    for (const service of docs.filter((d) => d.kind === 'Service')) {
      const what = `${id}: Service ${service.metadata.name}`;
      for (const port of service.spec.ports) {
        assert.ok(port.name, `${what}: named port`);
        assert.ok(port.appProtocol, `${what}: appProtocol`);
      }
      if (service.metadata.name.startsWith('greeter-server')) {
        assert.deepEqual(service.spec.ports, [
          { name: 'grpc', port: SERVER_PORT, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
        ], what);
      }
      const selected = podTemplates(docs).filter(({ template }) =>
        Object.entries(service.spec.selector).every(([k, v]) => template.metadata.labels[k] === v),
      );
      assert.equal(selected.length, 1, `${what} selects exactly one workload's pods`);
      const containers = allContainers(selected[0].template);
      for (const port of service.spec.ports) {
        assert.ok(
          containers.some((c) => (c.ports ?? []).some((p: Doc) => p.name === port.targetPort || p.containerPort === port.targetPort)),
          `${what}: targetPort ${port.targetPort} exists on the pods`,
        );
      }
    }
    for (const deployment of docs.filter((d) => d.kind === 'Deployment')) {
      const labels = deployment.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) {
        assert.equal(labels[k], v, `${id}: Deployment ${deployment.metadata.name} selects its own pods`);
      }
    }
  }
});

test('clients: greeter-client-<chapter>, 2 replicas, TARGET from the catalog, CHAPTER, POD_NAME', () => {
  for (const [id, docs] of ALL) {
    const deployment = find(docs, 'Deployment', clientDeploymentName(id));
    assert.equal(deployment.spec.replicas, 2, id);
    assert.equal(deployment.spec.selector.matchLabels[CHAPTER_LABEL], id, `${id}: chapters' clients never overlap`);
    const c = client(id);
    assert.equal(c.image, CLIENT_IMAGE);
    assert.equal(env(c, 'TARGET')?.value, getChapter(id).target, id);
    assert.equal(env(c, 'CHAPTER')?.value, id);
    assert.equal(env(c, 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', id);
    assert.match(env(c, 'LB_POLICY')?.value ?? '', /^(round_robin|pick_first)$/, id);
  }
});

function servicePort(docs: Doc[], name: string, port: number): Doc {
  const service = find(docs, 'Service', name);
  assert.ok(service.spec.ports.some((p: Doc) => p.port === port), `Service ${name} has port ${port}`);
  return service;
}

function envoyConfig(docs: Doc[], configMapName: string): Doc {
  return parse(find(docs, 'ConfigMap', configMapName).data['envoy.yaml']);
}

test('every client TARGET reaches a Service and port of its own chapter', () => {
  for (const [id, docs] of ALL) {
    const namespace = getChapter(id).namespace;
    const c = client(id);
    const target = new URL(env(c, 'TARGET').value.replace(/^([a-z]+):\/\/\//, '$1://resolver/'));
    const [host, portText] = target.pathname.slice(1).split(':');
    const port = Number(portText);
    switch (target.protocol) {
      case 'dns:':
        if (host === '127.0.0.1') {
          // envoy-sidecar: the Envoy of its own pod listens there (an address: `localhost` may be ::1)
          const template = find(docs, 'Deployment', clientDeploymentName(id)).spec.template;
          const sidecar = (template.spec.initContainers ?? []).find((x: Doc) => x.name === 'envoy');
          assert.ok(sidecar, `${id}: 127.0.0.1 needs the Envoy sidecar`);
          assert.equal(sidecar.restartPolicy, 'Always', `${id}: a native sidecar`);
          const volume = template.spec.volumes.find((v: Doc) => v.configMap);
          const listener = envoyConfig(docs, volume.configMap.name).static_resources.listeners[0].address.socket_address;
          assert.deepEqual(listener, { address: SIDECAR_LISTENER.address, port_value: port }, id);
        } else {
          servicePort(docs, host, port);
        }
        break;
      case 'kubernetes:': {
        const [serviceName, serviceNamespace] = host.split('.');
        assert.equal(serviceNamespace, namespace, id);
        assert.equal(servicePort(docs, serviceName, port).spec.clusterIP, 'None', `${id}: the resolver watches a headless Service`);
        break;
      }
      case 'etcd:': {
        assert.equal(host, 'greeter-server', `${id}: servers register under greeter-server/`);
        const clientEtcd = env(c, 'ETCD_ENDPOINTS')?.value;
        assert.equal(env(server(id), 'ETCD_ENDPOINTS')?.value, clientEtcd, `${id}: clients read the etcd servers write`);
        for (const url of clientEtcd.split(',')) {
          const u = new URL(url);
          servicePort(docs, u.hostname, Number(u.port));
        }
        break;
      }
      case 'xds:': {
        const [serviceName, serviceNamespace, svc, cluster, local] = host.split('.');
        assert.deepEqual([serviceNamespace, svc, cluster, local], [namespace, 'svc', 'cluster', 'local'], id);
        servicePort(docs, serviceName, port);
        break;
      }
      default:
        assert.fail(`${id}: unexpected target scheme ${target.protocol}`);
    }
  }
});

test('envoy chapters: Envoy reaches the headless Service, its ConfigMap exists, admin stays inside the pod', () => {
  for (const [id, configMap] of [['envoy', 'envoy'], ['envoy-sidecar', 'envoy-sidecar']] as const) {
    const docs = ALL.get(id)!;
    const config = envoyConfig(docs, configMap);
    assert.deepEqual(config.admin.address.socket_address, { address: '127.0.0.1', port_value: ENVOY_ADMIN_PORT }, `${id}: admin on loopback`);
    const envoy = podTemplates(docs).flatMap(({ template }) => allContainers(template)).find((c) => c.name === 'envoy');
    assert.equal(envoy.image, ENVOY_IMAGE, id);
    const cluster = config.static_resources.clusters[0];
    assert.equal(cluster.type, 'STRICT_DNS');
    assert.equal(cluster.lb_policy, 'ROUND_ROBIN');
    assert.ok(cluster.health_checks[0].grpc_health_check, 'gRPC health checks');
    const upstream = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    assert.equal(servicePort(docs, upstream.address, upstream.port_value).spec.clusterIP, 'None', id);
    const mounted = podTemplates(docs).flatMap(({ template }) => template.spec.volumes ?? []).filter((v: Doc) => v.configMap);
    assert.deepEqual(mounted.map((v: Doc) => v.configMap.name), [configMap], `${id}: the Envoy pod mounts its ConfigMap`);
  }
  const envoyService = find(ALL.get('envoy')!, 'Service', 'envoy');
  const listener = envoyConfig(ALL.get('envoy')!, 'envoy').static_resources.listeners[0].address.socket_address;
  assert.equal(envoyService.spec.ports[0].port, listener.port_value, 'the envoy Service fronts the listener');
});

test('endpoints: a namespaced Role with list/watch on EndpointSlices, bound to the client only; nothing cluster-wide', () => {
  for (const [id, docs] of ALL) {
    assert.ok(!docs.some((d) => d.kind === 'ClusterRole' || d.kind === 'ClusterRoleBinding'), id);
    const tokens = podTemplates(docs).filter(({ template }) => template.spec.automountServiceAccountToken !== false);
    assert.deepEqual(
      tokens.map((t) => t.owner),
      id === 'endpoints' ? [`Deployment ${clientDeploymentName(id)}`] : [],
      `${id}: only the EndpointSlice client gets an API token`,
    );
  }
  const docs = ALL.get('endpoints')!;
  const role = find(docs, 'Role', 'endpointslice-reader');
  assert.deepEqual(role.rules, [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }]);
  const binding = find(docs, 'RoleBinding', 'greeter-client-endpoints');
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
  const account = find(docs, 'Deployment', clientDeploymentName('endpoints')).spec.template.spec.serviceAccountName;
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: account, namespace: 'grpc-lb-example' }]);
  find(docs, 'ServiceAccount', account);
});

test('etcd: a pinned single-node etcd; only the etcd chapter registers servers', () => {
  for (const [id] of ALL) {
    assert.equal(env(server(id), 'ETCD_ENDPOINTS') !== undefined, id === 'etcd', id);
  }
  const etcd = find(ALL.get('etcd')!, 'Deployment', 'etcd');
  assert.equal(etcd.spec.replicas, 1);
  assert.equal(etcd.spec.template.spec.containers[0].image, ETCD_IMAGE);
  assert.match(ETCD_IMAGE, /etcd:v3\.\d+\.\d+$/);
  assert.ok(Number(env(server('etcd'), 'ETCD_TTL_SECONDS')?.value) > 0);
});

test('istio and proxyless: mesh namespace labelled for injection, ROUND_ROBIN DestinationRule, pinned Istio', () => {
  for (const id of ['istio', 'proxyless'] as const) {
    const docs = ALL.get(id)!;
    const namespace = docs[0];
    assert.equal(namespace.metadata.name, MESH_NAMESPACE);
    assert.equal(namespace.metadata.labels['istio-injection'], 'enabled', id);
    const rule = find(docs, 'DestinationRule', 'greeter-server');
    assert.equal(rule.spec.trafficPolicy.loadBalancer.simple, 'ROUND_ROBIN', id);
    // The GA API (Istio ≥ 1.22), not v1beta1 which later releases may stop serving.
    assert.equal(rule.apiVersion, 'networking.istio.io/v1', id);
    find(docs, 'Service', rule.spec.host);
    const client = find(docs, 'Deployment', clientDeploymentName(id)).spec.template;
    assert.deepEqual(JSON.parse(client.metadata.annotations['proxy.istio.io/config']), { holdApplicationUntilProxyStarts: true }, id);
  }
  for (const [id, docs] of ALL) {
    if (getChapter(id).namespace !== MESH_NAMESPACE) {
      assert.equal(docs[0].metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted', id);
      assert.equal(docs[0].metadata.labels['istio-injection'], undefined, id);
    }
  }
  assert.match(ISTIO_VERSION, /^1\.\d+\.\d+$/);
  assert.ok(Number(ISTIO_VERSION.split('.')[1]) >= 22, `Istio ${ISTIO_VERSION} serves networking.istio.io/v1`);
  for (const url of ISTIO_ADDON_URLS) assert.ok(url.includes(`/istio/istio/${ISTIO_VERSION}/samples/addons/`), url);
});

test('proxyless: grpc-agent template, proxy held until the agent is up, xDS bootstrap, no sidecar on servers', () => {
  const docs = ALL.get('proxyless')!;
  const template = find(docs, 'Deployment', clientDeploymentName('proxyless')).spec.template;
  assert.equal(template.metadata.annotations['inject.istio.io/templates'], 'grpc-agent');
  assert.deepEqual(JSON.parse(template.metadata.annotations['proxy.istio.io/config']), { holdApplicationUntilProxyStarts: true });
  assert.match(env(client('proxyless'), 'GRPC_XDS_BOOTSTRAP')?.value ?? '', /^\/.+\.json$/);
  assert.equal(find(docs, 'Deployment', 'greeter-server').spec.template.metadata.labels['sidecar.istio.io/inject'], 'false');
  // the istio chapter's servers do get sidecars
  assert.equal(find(ALL.get('istio')!, 'Deployment', 'greeter-server').spec.template.metadata.labels['sidecar.istio.io/inject'], undefined);
});

test('max-age: servers age their connections and clients may re-resolve sooner; no other chapter does', () => {
  for (const [id] of ALL) {
    const age = Number(env(server(id), 'MAX_CONNECTION_AGE_MS')?.value);
    const dns = Number(env(client(id), 'DNS_MIN_RESOLUTION_MS')?.value);
    if (id === 'max-age') {
      assert.ok(age > 0 && dns > 0 && dns < age, `age ${age} ms, DNS limit ${dns} ms`);
      assert.equal(env(client(id), 'TARGET').value, env(client('headless'), 'TARGET').value, 'same target as headless');
    } else {
      assert.ok(Number.isNaN(age) && Number.isNaN(dns), id);
    }
  }
});

test('no resource is defined in two places', () => {
  const root = manifestsRoot();
  const owners = new Map<string, string>();
  for (const dir of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const file of readdirSync(join(root, dir.name)).filter((f) => f.endsWith('.yaml'))) {
      const rel = `${dir.name}/${file}`;
      for (const doc of parseAllDocuments(readFileSync(join(root, rel), 'utf8')).map((d) => d.toJS())) {
        if (!doc?.kind || file.endsWith('.patch.yaml')) continue;
        const key = `${doc.kind}/${doc.metadata.name}`;
        assert.equal(owners.get(key), undefined, `${key} is defined in ${owners.get(key)} and in ${rel}`);
        owners.set(key, rel);
      }
    }
  }
  assert.ok(owners.size >= 12, `${owners.size} resources found`);
});

test('unknown chapter or one with nothing to deploy: a clear error naming the chapters', () => {
  assert.throws(() => chapterDocuments('headles'), (e: Error) => e instanceof ManifestError && /unknown chapter "headles".*clusterip, headless/.test(e.message));
  assert.throws(() => chapterDocuments('setup'), (e: Error) => e instanceof ManifestError && /deploys nothing/.test(e.message));
});

test('mergePatch merges containers and env by name and replaces scalars', () => {
  const target = { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }], image: 'i:1' }], replicas: 1 } };
  mergePatch(target, { spec: { replicas: 2, containers: [{ name: 'a', env: [{ name: 'X', value: '2' }, { name: 'Y', value: '3' }] }] } });
  assert.deepEqual(target, {
    spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '2' }, { name: 'Y', value: '3' }], image: 'i:1' }], replicas: 2 },
  });
});

/** A container's env as the process would see it (downward API values made up). */
function processEnv(container: Doc): Record<string, string> {
  const fake: Record<string, string> = { 'metadata.name': 'pod-0', 'status.podIP': '10.244.0.7' };
  return Object.fromEntries(
    (container.env ?? []).map((e: Doc) => [e.name, e.value ?? fake[e.valueFrom?.fieldRef?.fieldPath] ?? assert.fail(e.name)]),
  );
}

test('the sample server and client accept the environment every chapter gives them', () => {
  for (const [id] of ALL) {
    const serverConfig = serverConfigFromEnv(processEnv(server(id)));
    assert.equal(serverConfig.port, SERVER_PORT, id);
    assert.equal(serverConfig.podIp, '10.244.0.7', id);
    const clientConfig = clientConfigFromEnv(processEnv(client(id)));
    assert.equal(clientConfig.target, getChapter(id).target, id);
    assert.equal(clientConfig.chapter, id);
    if (id === 'max-age') {
      assert.ok(serverConfig.maxConnectionAgeMs && clientConfig.dnsMinResolutionMs, 'both knobs reach the processes');
    }
    if (id === 'etcd') assert.deepEqual(serverConfig.etcdEndpoints, clientConfig.etcdEndpoints);
  }
});

test('a patch of something the chapter lacks, or a broken file, is an error naming the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'grpc-lb-manifests-'));
  try {
    cpSync(manifestsRoot(), root, { recursive: true, filter: (src) => !src.endsWith('.ts') });
    writeFileSync(join(root, 'headless', 'typo.patch.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: greeter-sever\n');
    assert.throws(() => chapterDocuments('headless', root), /headless\/typo\.patch\.yaml: patches Deployment greeter-sever, which chapter "headless" does not have/);
    rmSync(join(root, 'headless', 'typo.patch.yaml'));
    writeFileSync(join(root, 'etcd', 'broken.yaml'), 'kind: Service\nmetadata: [\n');
    assert.throws(() => chapterDocuments('etcd', root), (e: Error) => e instanceof ManifestError && e.message.startsWith('etcd/broken.yaml:'));
    assert.equal(chapterDocuments('headless', root).length, chapterDocuments('headless').length, 'the copy renders like the original');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('names, label values and port names follow the API server\'s syntax rules (which the schemas do not check)', () => {
  const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
  const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
  const portName = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
  for (const [id, docs] of ALL) {
    for (const doc of docs) {
      const what = `${id}: ${doc.kind} ${doc.metadata.name}`;
      assert.ok(dns1035.test(doc.metadata.name) && doc.metadata.name.length <= 63, `${what}: name`);
      const labelSets = [doc.metadata.labels, doc.spec?.selector?.matchLabels, doc.spec?.template?.metadata?.labels].filter(Boolean);
      for (const labels of labelSets) {
        for (const [key, value] of Object.entries<string>(labels)) {
          assert.ok(labelValue.test(value) && value.length <= 63, `${what}: label ${key}=${value}`);
        }
      }
      for (const port of doc.kind === 'Service' ? doc.spec.ports : []) {
        assert.ok(portName.test(port.name) && port.name.length <= 15, `${what}: port ${port.name}`);
      }
    }
    for (const { owner, template } of podTemplates(docs)) {
      for (const c of allContainers(template)) {
        assert.ok(dns1035.test(c.name), `${id}: ${owner} container ${c.name}`);
        for (const port of c.ports ?? []) assert.ok(portName.test(port.name) && port.name.length <= 15, `${id}: ${owner} port ${port.name}`);
      }
    }
  }
});

/** Whether a label selector (matchLabels + matchExpressions In/NotIn/Exists) selects `labels`; `{}` selects all. */
function selects(selector: Doc, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e: Doc) =>
    e.operator === 'In' ? e.values.includes(labels[e.key]) : e.operator === 'NotIn' ? !e.values.includes(labels[e.key]) : e.operator === 'Exists' ? e.key in labels : false,
  );
  return byLabel && byExpression;
}

/**
 * Whether the namespace's NetworkPolicies let a pod with `from` labels (in namespace `fromNamespace`) reach
 * `to` on its container port `port`: a pod no policy selects takes everything; otherwise one rule must admit it.
 */
function admits(docs: Doc[], to: Doc, port: { name: string; containerPort: number }, from: Record<string, string>, fromNamespace: string): boolean {
  const podLabels = to.spec.template.metadata.labels;
  const policies = docs.filter((d) => d.kind === 'NetworkPolicy' && d.metadata.namespace === to.metadata.namespace && selects(d.spec.podSelector, podLabels));
  if (policies.length === 0) return true;
  return policies.some((p) =>
    (p.spec.ingress ?? []).some((rule: Doc) => {
      const portOk = !rule.ports || rule.ports.some((r: Doc) => r.port === port.name || r.port === port.containerPort);
      const peerOk =
        !rule.from ||
        rule.from.some((peer: Doc) =>
          peer.namespaceSelector
            ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': fromNamespace }) && (!peer.podSelector || selects(peer.podSelector, from))
            : fromNamespace === to.metadata.namespace && selects(peer.podSelector, from),
        );
      return portOk && peerOk;
    }),
  );
}

test('NetworkPolicies: the servers take gRPC from their own namespace only; etcd takes its clients from greeter pods only', () => {
  const other = { 'app.kubernetes.io/name': 'busybox' };
  for (const [id, docs] of ALL) {
    const server = find(docs, 'Deployment', 'greeter-server');
    const ns = server.metadata.namespace;
    const grpc = server.spec.template.spec.containers.find((c: Doc) => c.name === 'server').ports.find((p: Doc) => p.name === 'grpc');
    const client = find(docs, 'Deployment', clientDeploymentName(id)).spec.template.metadata.labels;
    assert.ok(find(docs, 'NetworkPolicy', 'greeter-server'), `${id}: the servers have a NetworkPolicy`);
    assert.ok(admits(docs, server, grpc, client, ns), `${id}: the chapter's clients reach the servers`);
    assert.ok(admits(docs, server, grpc, other, ns), `${id}: any pod of the namespace (Envoy, a DNS peek) reaches them`);
    assert.ok(!admits(docs, server, grpc, other, 'default'), `${id}: a pod of another namespace does not`);
    assert.ok(admits(docs, server, { name: 'http-envoy-prom', containerPort: 15090 }, {}, 'istio-system'), `${id}: Istio's Prometheus scrapes the sidecars`);
  }
  const docs = ALL.get('etcd')!;
  const etcd = find(docs, 'Deployment', 'etcd');
  const client = etcd.spec.template.spec.containers[0].ports.find((p: Doc) => p.name === 'client');
  const ns = etcd.metadata.namespace;
  for (const name of ['greeter-server', 'greeter-client']) {
    const labels = docs.find((d: Doc) => d.kind === 'Deployment' && d.spec.template.metadata.labels['app.kubernetes.io/name'] === name).spec.template.metadata.labels;
    assert.ok(admits(docs, etcd, client, labels, ns), `${name} reaches etcd`);
  }
  assert.ok(!admits(docs, etcd, client, { 'app.kubernetes.io/name': 'busybox', 'app.kubernetes.io/part-of': 'grpc-lb-lab' }, ns), 'another pod does not reach etcd');
});
