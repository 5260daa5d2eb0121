// deploy/kubernetes/: every manifest of the base and of the example overlay is a valid object of
// its kind (Kubernetes schemas, KEDA and Prometheus Operator CRDs: test/deploy/manifests.ts),
// and the pieces agree with each other and with sluice itself: the ConfigMap is a config sluice
// accepts (with the Deployment's env applied), ports and probe paths are the ones that config
// opens, the grace period outlasts the shutdown deadline, KEDA watches the group sluice joins,
// and each PrometheusRule holds exactly deploy/prometheus/alerts.yaml (runbook links under the
// base URL it was generated with) and passes promtool's rule checks.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { splitListen, type Config } from '../../src/config/schema.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { startOpsServer } from '../../src/telemetry/ops-server.ts';
import { Readiness } from '../../src/telemetry/readiness.ts';
import { prometheusRule, runbookBaseUrl } from '../../scripts/k8s-prometheus-rule.ts';
import { ruleFileProblems } from '../telemetry/rule-file-check.ts';
import { baseResources, KUBERNETES_DIR, one, overlayResources, readKustomization, validateResource, yamlFiles, type Resource } from './manifests.ts';
import { PROMETHEUS_RULE_FILES, readPrometheusRule, runbookBaseOf, type AlertRule, type PrometheusRule } from './prometheus-rules.ts';

/** The Deployment's container and its plain env values (secrets are not in the manifests). */
function container(resources: readonly Resource[]): { spec: Record<string, any>; pod: Record<string, any>; env: Record<string, string> } {
  const deployment = one(resources, 'Deployment');
  const pod = deployment.spec.template.spec;
  const spec = pod.containers.find((c: { name: string }) => c.name === 'sluice');
  assert.ok(spec, 'the Deployment has a container named sluice');
  const env: Record<string, string> = {};
  for (const variable of spec.env ?? []) if (typeof variable.value === 'string') env[variable.name] = variable.value;
  return { spec, pod, env };
}

/** The sluice config the pod runs: the ConfigMap's file with the container's env applied, as the CLI does. */
function podConfig(resources: readonly Resource[]): Config {
  const { spec, pod, env } = container(resources);
  const mount = spec.volumeMounts.find((m: { mountPath: string }) => spec.args.includes(`${m.mountPath}/config.yaml`));
  assert.ok(mount, `the container mounts the config file its args name (${spec.args.join(' ')})`);
  const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
  const configMap = one(resources, 'ConfigMap', volume.configMap.name);
  return parseConfig(YAML.parse(configMap.data['config.yaml']), `ConfigMap ${volume.configMap.name}`, env);
}

function portNumber(ports: Array<{ name: string; containerPort: number }>, ref: string | number): number {
  if (typeof ref === 'number') return ref;
  const port = ports.find((p) => p.name === ref);
  assert.ok(port, `a container port is named ${ref}`);
  return port.containerPort;
}

function assertSelects(selector: Record<string, string>, labels: Record<string, string>, what: string): void {
  for (const [key, value] of Object.entries(selector)) assert.equal(labels[key], value, `${what} selects the sluice pods (${key}=${value})`);
}

function checkAgreement(resources: readonly Resource[]): void {
  const config = podConfig(resources);
  const { spec, pod } = container(resources);
  const deployment = one(resources, 'Deployment');
  const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;

  // Ports: what the pod declares is what sluice listens on, on all interfaces.
  assert.ok(config.api && config.telemetry, 'the pod serves the admin API and the ops listener');
  const api = splitListen(config.api.listen);
  const telemetry = splitListen(config.telemetry.listen);
  assert.equal(api.host, '0.0.0.0', 'the admin API listens on the pod address');
  assert.equal(telemetry.host, '0.0.0.0', 'the ops listener listens on the pod address');
  assert.equal(portNumber(spec.ports, 'api'), api.port);
  assert.equal(portNumber(spec.ports, 'metrics'), telemetry.port);

  // Probes ask the ops listener for sluice's health paths.
  assert.equal(spec.livenessProbe.httpGet.path, '/healthz');
  assert.equal(spec.readinessProbe.httpGet.path, '/readyz');
  for (const probe of [spec.livenessProbe, spec.readinessProbe, spec.startupProbe].filter(Boolean)) {
    assert.equal(portNumber(spec.ports, probe.httpGet.port), telemetry.port, `probe ${probe.httpGet.path} goes to the ops port`);
  }

  // The whole shutdown fits before the kubelet's SIGKILL.
  assert.ok(pod.terminationGracePeriodSeconds > config.shutdown.deadline_seconds,
    `terminationGracePeriodSeconds (${pod.terminationGracePeriodSeconds}) must be above shutdown.deadline_seconds (${config.shutdown.deadline_seconds})`);

  // Non-root, read-only root filesystem, data_dir on a writable volume.
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(spec.securityContext.readOnlyRootFilesystem, true);
  assert.equal(spec.securityContext.allowPrivilegeEscalation, false);
  const dataMount = spec.volumeMounts.find((m: { mountPath: string }) => m.mountPath === resolve('/app', config.data_dir));
  assert.ok(dataMount && !dataMount.readOnly, `data_dir ${config.data_dir} is a writable mount`);
  const dataVolume = pod.volumes.find((v: { name: string }) => v.name === dataMount.name);
  assert.ok(dataVolume.emptyDir || dataVolume.persistentVolumeClaim, 'data_dir is an emptyDir or a claim');

  // Secrets the pod and KEDA read exist, with those keys.
  const secretRefs: Array<{ name: string; key: string }> = spec.env.filter((v: any) => v.valueFrom?.secretKeyRef).map((v: any) => v.valueFrom.secretKeyRef);
  const auth = one(resources, 'TriggerAuthentication');
  secretRefs.push(...auth.spec.secretTargetRef.map((r: { name: string; key: string }) => ({ name: r.name, key: r.key })));
  for (const ref of secretRefs) {
    const secret = one(resources, 'Secret', ref.name);
    assert.ok(ref.key in (secret.stringData ?? secret.data ?? {}), `Secret ${ref.name} has key ${ref.key}`);
  }

  // Service, ServiceMonitor, PDB and NetworkPolicy reach the same pods and ports.
  const service = one(resources, 'Service');
  assert.equal(service.metadata.name, 'sluice', 'the scrape job is named after the Service, and SluiceDown expects job="sluice"');
  assertSelects(service.spec.selector, podLabels, 'the Service');
  const servicePorts = new Map<string, number>(service.spec.ports.map((p: any) => [p.name, portNumber(spec.ports, p.targetPort)]));
  assert.equal(servicePorts.get('api'), api.port);
  assert.equal(servicePorts.get('metrics'), telemetry.port);
  const monitor = one(resources, 'ServiceMonitor');
  assertSelects(monitor.spec.selector.matchLabels, service.metadata.labels, 'the ServiceMonitor');
  assert.deepEqual(monitor.spec.endpoints.map((e: any) => [e.port, e.path]), [['metrics', '/metrics']]);
  assertSelects(one(resources, 'PodDisruptionBudget').spec.selector.matchLabels, podLabels, 'the PodDisruptionBudget');
  const policy = one(resources, 'NetworkPolicy');
  assertSelects(policy.spec.podSelector.matchLabels, podLabels, 'the NetworkPolicy');
  const open = new Set(policy.spec.ingress.flatMap((rule: any) => rule.ports.map((p: any) => p.port)));
  assert.ok(open.has(api.port) && open.has(telemetry.port), 'the NetworkPolicy lets the API and metrics ports in');

  // KEDA scales this Deployment on the lag of the group sluice joins.
  const scaled = one(resources, 'ScaledObject');
  assert.equal(scaled.spec.scaleTargetRef.name, deployment.metadata.name);
  const kafka = config.sources.find((s) => s.type === 'kafka');
  assert.ok(kafka && kafka.type === 'kafka', 'the config has a kafka source');
  const trigger = scaled.spec.triggers.find((t: { type: string }) => t.type === 'kafka');
  assert.equal(trigger.metadata.consumerGroup, kafka.group_id);
  assert.equal(trigger.metadata.bootstrapServers, kafka.brokers.join(','));
  assert.ok(kafka.topics.some((t) => t.topic === trigger.metadata.topic), `KEDA watches a topic sluice reads (${trigger.metadata.topic})`);
  assert.equal(trigger.authenticationRef.name, auth.metadata.name);
  assert.ok(scaled.spec.minReplicaCount >= 1 && scaled.spec.maxReplicaCount >= scaled.spec.minReplicaCount);
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('the base lists every file of its folder', () => {
    const dir = new URL('base/', KUBERNETES_DIR);
    assert.deepEqual([...(readKustomization(dir).resources ?? [])].sort(), yamlFiles(dir));
  });

  for (const [name, resources] of [['base', baseResources], ['overlays/example', () => overlayResources('example')]] as const) {
    it(`${name}: every resource is valid against its schema`, () => {
      const all = resources();
      assert.ok(all.length >= 10, `${all.length} resources`);
      for (const resource of all) validateResource(resource, name);
    });

    it(`${name}: ports, probes, grace period, secrets and scaling agree with sluice's config`, () => {
      checkAgreement(resources());
    });
  }

  it('the schemas catch a mistake (a port as text, a PrometheusRule duration sluice would not notice)', () => {
    const deployment = structuredClone(one<Resource & Record<string, any>>(baseResources(), 'Deployment'));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = '8787';
    assert.throws(() => validateResource(deployment, 'test'), /containerPort must be integer/);
    const rule = structuredClone(one<Resource & Record<string, any>>(baseResources(), 'PrometheusRule'));
    rule.spec.groups[0].rules[0].for = '2 minutes';
    assert.throws(() => validateResource(rule, 'test'), /for must match pattern/);
  });

  it('a grace period at or below the shutdown deadline is refused', () => {
    const resources = baseResources().map((r) => structuredClone(r) as Resource & Record<string, any>);
    const config = podConfig(resources);
    one<Record<string, any>>(resources, 'Deployment').spec.template.spec.terminationGracePeriodSeconds = config.shutdown.deadline_seconds;
    assert.throws(() => checkAgreement(resources), /terminationGracePeriodSeconds/);
  });

  for (const file of PROMETHEUS_RULE_FILES) {
    it(`${file} holds exactly deploy/prometheus/alerts.yaml, with the runbook base URL its links use (regenerate: see its header)`, () => {
      const alerts = readFileSync(new URL('../prometheus/alerts.yaml', KUBERNETES_DIR), 'utf8');
      const rule = readPrometheusRule(file);
      const base = runbookBaseOf(rule);
      assert.deepEqual(rule, prometheusRule(alerts, base === '' ? {} : { runbookBaseUrl: base }));
    });
  }

  for (const [name, resources] of [['base', baseResources], ['overlays/example', () => overlayResources('example')]] as const) {
    it(`${name}: the PrometheusRule passes promtool's rule checks`, () => {
      const rule = one<PrometheusRule>(resources(), 'PrometheusRule');
      assert.ok(rule.spec.groups.length > 0);
      assert.deepEqual(ruleFileProblems({ groups: rule.spec.groups }), []);
    });
  }

  it('the example overlay patches with every file of its folder', () => {
    const dir = new URL('overlays/example/', KUBERNETES_DIR);
    assert.deepEqual((readKustomization(dir).patches ?? []).map((patch) => patch.path).sort(), yamlFiles(dir));
  });

  it('the generator puts a runbook base URL before each repository link, and refuses one that is no http(s) URL', () => {
    const alerts = 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        annotations:\n          runbook_url: docs/runbook.md#a\n      - alert: B\n        expr: up == 0\n        annotations:\n          runbook_url: https://wiki.example.com/b\n';
    const links = (rule: Record<string, any>) => rule.spec.groups[0].rules.map((r: AlertRule) => r.annotations!['runbook_url']);
    assert.deepEqual(links(prometheusRule(alerts)), ['docs/runbook.md#a', 'https://wiki.example.com/b']);
    assert.deepEqual(links(prometheusRule(alerts, { runbookBaseUrl: 'https://git.example.com/o/sluice/blob/main' })), ['https://git.example.com/o/sluice/blob/main/docs/runbook.md#a', 'https://wiki.example.com/b']);
    assert.throws(() => runbookBaseUrl('git.example.com/o/sluice'), /not an absolute URL/);
    assert.throws(() => runbookBaseUrl('file:///srv/sluice/'), /only http\(s\)/);
    assert.throws(() => runbookBaseUrl('https://git.example.com/o/sluice/blob/main/#x'), /no query or fragment/);
  });

  it('the probe paths are the ones sluice serves', async () => {
    const readiness = new Readiness();
    readiness.set('sources', () => 'not started in this test');
    const ops = await startOpsServer({ listen: '127.0.0.1:0', metrics: new SluiceMetrics({ defaultMetrics: false }), readiness });
    try {
      const { spec } = container(baseResources());
      const health = await fetch(`${ops.url}${spec.livenessProbe.httpGet.path}`);
      assert.equal(health.status, 200);
      const ready = await fetch(`${ops.url}${spec.readinessProbe.httpGet.path}`);
      assert.equal(ready.status, 503, 'readiness answers with the checks, not 404');
      assert.equal(((await ready.json()) as { ready: boolean }).ready, false);
    } finally {
      await ops.close();
    }
  });
});
