// Reads the Kubernetes manifests under deploy/kubernetes/ and validates them against the API's
// schemas offline, with the kubernetes-models packages (core types from the Kubernetes OpenAPI
// document; KEDA and Prometheus Operator from their CRDs). An overlay is built the way kustomize
// builds it for these resources: each patch is merged into the base resource of the same kind
// and name (JSON merge patch: maps merge, lists and scalars replace).

import { readdirSync, readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

export const KUBERNETES_DIR = new URL('../../deploy/kubernetes/', import.meta.url);

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** Throws with the resource and the schema's reason when it is not a valid object of its kind. */
export function validateResource(resource: Resource, where: string): void {
  const Model = MODELS[`${resource.apiVersion}/${resource.kind}`];
  if (!Model) throw new Error(`${where}: no schema for ${resource.apiVersion} ${resource.kind} (add its model to test/deploy/manifests.ts)`);
  try {
    new Model(resource as never).validate();
  } catch (error) {
    throw new Error(`${where}: ${resource.kind} ${resource.metadata?.name}: ${(error as Error).message}`);
  }
}

/** Every document of a YAML file. */
export function readDocuments(dir: URL, file: string): Resource[] {
  return YAML.parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((doc) => doc.toJS() as Resource).filter((doc) => doc !== null);
}

export interface Kustomization {
  resources?: string[];
  patches?: Array<{ path: string }>;
}

export function readKustomization(dir: URL): Kustomization {
  return YAML.parse(readFileSync(new URL('kustomization.yaml', dir), 'utf8')) as Kustomization;
}

/** The YAML files of a folder other than its kustomization.yaml. */
export function yamlFiles(dir: URL): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml').sort();
}

/** The base's resources, in its kustomization's order. */
export function baseResources(): Resource[] {
  const dir = new URL('base/', KUBERNETES_DIR);
  return (readKustomization(dir).resources ?? []).flatMap((file) => readDocuments(dir, file));
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

/** An overlay's resources: the base with the overlay's patches merged in. */
export function overlayResources(name: string): Resource[] {
  const dir = new URL(`overlays/${name}/`, KUBERNETES_DIR);
  const resources = baseResources();
  for (const { path } of readKustomization(dir).patches ?? []) {
    for (const patch of readDocuments(dir, path)) {
      const index = resources.findIndex((r) => r.kind === patch.kind && r.metadata.name === patch.metadata.name);
      if (index < 0) throw new Error(`overlays/${name}/${path}: patches ${patch.kind} ${patch.metadata.name}, which the base does not have`);
      resources[index] = mergePatch(resources[index], patch) as Resource;
    }
  }
  return resources;
}

/** The one resource of a kind (and name, when several), or a failure naming what is missing. */
export function one<T = Record<string, any>>(resources: readonly Resource[], kind: string, name?: string): T {
  const found = resources.filter((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0] as T;
}
