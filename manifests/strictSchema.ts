/**
 * Strict validation of Kubernetes documents for the tests (dev-only: not used by the loader).
 *
 * `kubernetes-models` validates types, enums and required fields against the Kubernetes OpenAPI
 * schemas, but — like the schemas themselves — lets unknown fields through (a misspelled
 * `readinesProbe` would pass and be silently pruned by the API server). So on top of it every field
 * name is checked against a schema that lists the known fields: the attribute maps that
 * @kubernetes/client-node generates from the same OpenAPI spec for core kinds, and the
 * JSON schema @kubernetes-models/istio carries for Istio kinds.
 */
import { createRequire } from 'node:module';
import * as k8s from '@kubernetes/client-node';
import { Namespace, ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

interface KindSchema {
  model: ModelClass;
  /**
   * The apiVersion the model validates, when it differs from the document's: Istio's CRDs serve one
   * openAPIV3Schema for networking.istio.io v1alpha3, v1beta1 and v1 (GA since Istio 1.22), and
   * @kubernetes-models/istio 3.x — ESM-only, Node ≥ 22 — generates identical validators for v1beta1 and
   * v1. So the 2.x v1beta1 model checks a v1 DestinationRule, with only its apiVersion swapped.
   */
  modelApiVersion?: string;
  /** client-node model name whose attribute map lists the known fields (core kinds). */
  typeName?: string;
  /** JSON schema id registered by @kubernetes-models (CRD kinds). */
  schemaId?: string;
}

const KINDS: Record<string, KindSchema> = {
  'v1/Namespace': { model: Namespace as unknown as ModelClass, typeName: 'V1Namespace' },
  'v1/ConfigMap': { model: ConfigMap as unknown as ModelClass, typeName: 'V1ConfigMap' },
  'v1/Service': { model: Service as unknown as ModelClass, typeName: 'V1Service' },
  'v1/ServiceAccount': { model: ServiceAccount as unknown as ModelClass, typeName: 'V1ServiceAccount' },
  'apps/v1/Deployment': { model: Deployment as unknown as ModelClass, typeName: 'V1Deployment' },
  'apps/v1/StatefulSet': { model: StatefulSet as unknown as ModelClass, typeName: 'V1StatefulSet' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role as unknown as ModelClass, typeName: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding as unknown as ModelClass, typeName: 'V1RoleBinding' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy as unknown as ModelClass, typeName: 'V1NetworkPolicy' },
  'networking.istio.io/v1/DestinationRule': {
    model: DestinationRule as unknown as ModelClass,
    modelApiVersion: 'networking.istio.io/v1beta1',
    schemaId: 'networking.istio.io.v1beta1.DestinationRule',
  },
};

// @kubernetes-models registers each CRD's JSON schema lazily, on first validate(), through
// `register(id, schema)` of @kubernetes-models/validate. Record them as they pass by, so the
// unknown-field check uses exactly the schema the model validates with.
const capturedSchemas = new Map<string, JsonSchema>();
{
  const requireFromIstio = createRequire(require.resolve('@kubernetes-models/istio/package.json'));
  const validateModule = requireFromIstio('@kubernetes-models/validate') as {
    register: (id: string, schema: JsonSchema) => void;
  };
  const register = validateModule.register;
  validateModule.register = (id, schema) => {
    capturedSchemas.set(id, schema);
    register(id, schema);
  };
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

interface AttributeType {
  baseName: string;
  type: string;
}

type ModelWithTypes = { getAttributeTypeMap(): AttributeType[] };
const models = k8s as unknown as Record<string, ModelWithTypes | undefined>;

/** Paths of fields that no schema knows, e.g. `spec.template.spec.containers[0].readinesProbe`. */
function unknownByTypeName(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => unknownByTypeName(item, array[1], `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) unknownByTypeName(v, map[1], `${path}.${k}`, out);
    }
    return;
  }
  const model = models[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function') return; // string, number, IntOrString, any…
  if (typeof value !== 'object' || Array.isArray(value)) return; // a type error: kubernetes-models reports it
  const attributes = model.getAttributeTypeMap();
  for (const [key, child] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    const childPath = path ? `${path}.${key}` : key;
    if (!attribute) out.push(childPath);
    else unknownByTypeName(child, attribute.type, childPath, out);
  }
}

/** Every property schema reachable at this node, through allOf/oneOf/anyOf branches. */
function propertiesOf(schema: JsonSchema): Map<string, JsonSchema[]> {
  const props = new Map<string, JsonSchema[]>();
  const visit = (s: JsonSchema): void => {
    for (const [k, v] of Object.entries(s.properties ?? {})) props.set(k, [...(props.get(k) ?? []), v]);
    for (const branch of [...(s.allOf ?? []), ...(s.oneOf ?? []), ...(s.anyOf ?? [])]) visit(branch);
  };
  visit(schema);
  return props;
}

function unknownBySchema(value: unknown, schema: JsonSchema, path: string, out: string[]): void {
  if (value === null || value === undefined || schema['x-kubernetes-preserve-unknown-fields']) return;
  if (path === 'metadata') {
    unknownByTypeName(value, 'V1ObjectMeta', path, out);
    return;
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => unknownBySchema(item, schema.items as JsonSchema, `${path}[${i}]`, out));
    return;
  }
  if (typeof value !== 'object') return;
  const props = propertiesOf(schema);
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const candidates = props.get(key);
    if (candidates) {
      for (const candidate of candidates.slice(0, 1)) unknownBySchema(child, candidate, childPath, out);
    } else if (typeof schema.additionalProperties === 'object') {
      unknownBySchema(child, schema.additionalProperties, childPath, out);
    } else if (schema.additionalProperties !== true && (props.size > 0 || schema.type === 'object')) {
      out.push(childPath);
    }
  }
}

export interface StrictResult {
  /** Schema errors from kubernetes-models (types, enums, required fields). */
  schemaErrors: string[];
  /** Field paths no schema knows. */
  unknownFields: string[];
}

/** Validates one document; throws only when its apiVersion/kind has no schema here. */
export function strictValidate(doc: { apiVersion?: string; kind?: string }): StrictResult {
  const key = `${doc.apiVersion}/${doc.kind}`;
  const kind = KINDS[key];
  if (!kind) throw new Error(`no schema for ${key}; add it to manifests/strictSchema.ts`);
  const schemaErrors: string[] = [];
  const modelDoc = kind.modelApiVersion ? { ...structuredClone(doc), apiVersion: kind.modelApiVersion } : structuredClone(doc);
  try {
    new kind.model(modelDoc as never).validate();
  } catch (error) {
    schemaErrors.push((error as Error).message);
  }
  const unknownFields: string[] = [];
  if (kind.typeName) {
    unknownByTypeName(doc, kind.typeName, '', unknownFields);
  } else if (kind.schemaId) {
    const schema = capturedSchemas.get(kind.schemaId);
    if (!schema) throw new Error(`schema ${kind.schemaId} was not registered by its model`);
    unknownBySchema(doc, schema, '', unknownFields);
  }
  return { schemaErrors, unknownFields };
}
