/**
 * `discovery-kubernetes`: how long a new server endpoint waits for its first RPC with the
 * `kubernetes:///` EndpointSlice resolver — measured against the project's HTTP double of the
 * Kubernetes API (samples/testing/kubeApiDouble.ts), not a cluster. Real gRPC over loopback: tiny
 * Greeter servers on 127.0.0.1…n (one port, like pods), a round_robin client channel in this
 * process whose resolver lists and watches the double over HTTP, the same timing as
 * samples/resolvers/kubernetes.test.ts (samples/resolvers/testing/kubernetesDouble.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { Cleanup } from '../../samples/resolvers/testing/cleanup';
import { kubernetesResolverOnDouble, podsOnOnePort, ready, timeNewEndpoint } from '../../samples/resolvers/testing/kubernetesDouble';
import { TrafficLoop } from '../../samples/resolvers/testing/traffic';
import { KubeApiDouble, endpointSlice } from '../../samples/testing/kubeApiDouble';
import { median, registerMeasurement } from './registry';

const GOAL_MS = 1000;
/** Scale-ups timed in one run (1 → 2 → … → SCALE_UPS + 1 endpoints); the row shows their median. */
const SCALE_UPS = 5;
const NS = 'bench';
const SERVICE = 'greeter';

registerMeasurement({
  id: 'discovery-kubernetes',
  title: 'discovery: kubernetes:/// EndpointSlice watch (against the Kubernetes API double over loopback HTTP, not a cluster)',
  goal: '≤ 1 s',
  async run() {
    const cleanup = new Cleanup();
    try {
      const double = await KubeApiDouble.start();
      cleanup.add(() => double.stop());
      grpc.experimental.registerResolver(
        'kubernetes',
        kubernetesResolverOnDouble(double, NS, { log: (m) => process.stderr.write(`  discovery-kubernetes: ${m}\n`) }),
      );
      const names = Array.from({ length: SCALE_UPS + 1 }, (_, i) => `pod-${i + 1}`);
      const { port, pods } = await podsOnOnePort(names);
      for (const p of pods) cleanup.add(() => p.stop());
      const slice = (count: number) =>
        endpointSlice(NS, SERVICE, `${SERVICE}-1`, port, pods.slice(0, count).map((p) => ready(p.host)));

      double.put(slice(1));
      const traffic = new TrafficLoop(`kubernetes:///${SERVICE}.${NS}:${port}`);
      cleanup.add(() => traffic.stop());
      await traffic.waitFor(`${names[0]} to answer`, () => traffic.counts().has(names[0]!), 10_000);

      const figures: number[] = [];
      for (let n = 1; n <= SCALE_UPS; n++) {
        await new Promise((r) => setTimeout(r, 200));
        const ms = await timeNewEndpoint(double, traffic, slice(n + 1), names[n]!, 5000);
        process.stderr.write(`  discovery-kubernetes: ${n} → ${n + 1} endpoints: ${names[n]} got its first RPC after ${ms} ms\n`);
        figures.push(ms);
      }
      const failed = traffic.failuresAfterFirstSuccess().length;
      const middle = median(figures);
      return {
        value: middle,
        unit: 'ms',
        meetsGoal: middle <= GOAL_MS,
        detail:
          `median of ${SCALE_UPS} scale-ups (EndpointSlice change in the double → first RPC on the new endpoint): ` +
          `${figures.join(', ')} ms; round_robin, one RPC every 10 ms; ${failed} failed RPCs`,
      };
    } finally {
      await cleanup.run();
    }
  },
});
