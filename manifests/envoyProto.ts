/**
 * Strict check of an Envoy bootstrap (YAML/JSON form) against Envoy's v3 API protos, for the tests.
 * The protos ship inside @grpc/grpc-js-xds (deps/envoy-api and friends); protobufjs (a dependency of
 * @grpc/proto-loader) loads them. Like Envoy itself, it resolves `@type` in Any fields and rejects
 * unknown fields; it also rejects a field used twice in one oneof, enum names that do not exist,
 * wrong scalar types, and fields that the protos mark deprecated.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as protobuf from 'protobufjs';

const XDS_DIR = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate', 'udpa']
  .map((d) => join(XDS_DIR, 'deps', d))
  // protobufjs ships google/protobuf/descriptor.proto (the custom options' base) in its package
  .concat(dirname(require.resolve('protobufjs/package.json')))
  .filter((d) => existsSync(d));

/** Proto files holding the bootstrap and every type an `@type` in our configs may name. */
const PROTO_FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
];

let cachedRoot: protobuf.Root | undefined;

function loadRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of INCLUDE_DIRS) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target; // google/protobuf/*.proto: protobufjs bundles them
  };
  root.loadSync(PROTO_FILES, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

const WRAPPERS: Record<string, string> = {
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkScalar(type: string, value: unknown, path: string, errors: string[]): void {
  switch (type) {
    case 'string':
    case 'bytes':
      if (typeof value !== 'string') errors.push(`${path}: expected a string`);
      return;
    case 'bool':
      if (typeof value !== 'boolean') errors.push(`${path}: expected true or false`);
      return;
    case 'double':
    case 'float':
      if (typeof value !== 'number') errors.push(`${path}: expected a number`);
      return;
    default: {
      // int32/uint32/int64/uint64/sint/fixed: a whole number (64-bit ones may be strings in JSON)
      const ok =
        (typeof value === 'number' && Number.isInteger(value)) ||
        (typeof value === 'string' && /^-?\d+$/.test(value) && /64/.test(type));
      if (!ok || (type.startsWith('u') && Number(value) < 0)) errors.push(`${path}: expected ${type}`);
    }
  }
}

function checkMessage(root: protobuf.Root, type: protobuf.Type, value: unknown, path: string, errors: string[]): void {
  const name = type.fullName;
  if (name in WRAPPERS) {
    checkScalar(WRAPPERS[name], value, path, errors);
    return;
  }
  switch (name) {
    case '.google.protobuf.Duration':
      if (!(typeof value === 'string' && /^-?\d+(\.\d{1,9})?s$/.test(value))) {
        errors.push(`${path}: expected a duration like "1s" or "0.250s"`);
      }
      return;
    case '.google.protobuf.Timestamp':
      if (typeof value !== 'string') errors.push(`${path}: expected an RFC 3339 timestamp`);
      return;
    case '.google.protobuf.Struct':
      if (!isObject(value)) errors.push(`${path}: expected an object`);
      return;
    case '.google.protobuf.Value':
    case '.google.protobuf.ListValue':
      return;
  }
  if (!isObject(value)) {
    errors.push(`${path}: expected a ${name.slice(1)} object`);
    return;
  }
  if (name === '.google.protobuf.Any') {
    const url = value['@type'];
    if (typeof url !== 'string' || !url.includes('/')) {
      errors.push(`${path}: an Any needs "@type": "type.googleapis.com/<message>"`);
      return;
    }
    let inner: protobuf.Type;
    try {
      inner = root.lookupType(url.slice(url.lastIndexOf('/') + 1));
    } catch {
      errors.push(`${path}.@type: unknown type ${url}`);
      return;
    }
    const { '@type': _t, ...rest } = value;
    checkMessage(root, inner, rest, path, errors);
    return;
  }

  const oneofsSet = new Map<string, string>();
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const field = type.fields[key] ?? Object.values(type.fields).find((f) => jsonName(f) === key);
    if (!field) {
      errors.push(`${childPath}: unknown field in ${name.slice(1)}`);
      continue;
    }
    if (field.options?.deprecated) errors.push(`${childPath}: deprecated in ${name.slice(1)}`);
    if (field.partOf) {
      const other = oneofsSet.get(field.partOf.name);
      if (other) errors.push(`${childPath}: oneof ${field.partOf.name} already set by ${other}`);
      oneofsSet.set(field.partOf.name, key);
    }
    checkField(root, field, child, childPath, errors);
  }
  // protoc-gen-validate: required message fields (a oneof member only counts when it is the one set)
  // and required oneofs.
  const where = path ? `${path}.` : '';
  for (const field of Object.values(type.fields)) {
    if (field.partOf) continue;
    if (field.options?.['(validate.rules).message.required'] === true && !(field.name in value || jsonName(field) in value)) {
      errors.push(`${where}${field.name}: required in ${name.slice(1)}`);
    }
  }
  for (const oneof of type.oneofsArray) {
    if (oneof.options?.['(validate.required)'] === true && !oneofsSet.has(oneof.name)) {
      errors.push(`${where}${oneof.name}: one of ${oneof.oneof.join(', ')} is required in ${name.slice(1)}`);
    }
  }
}

function jsonName(field: protobuf.Field): string {
  return field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function checkValue(root: protobuf.Root, field: protobuf.Field, value: unknown, path: string, errors: string[]): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const ok = typeof value === 'string' ? value in resolved.values : Object.values(resolved.values).includes(value as number);
    if (!ok) errors.push(`${path}: ${String(value)} is not one of ${Object.keys(resolved.values).join(', ')}`);
    const deprecated = typeof value === 'string' && resolved.valuesOptions?.[value]?.deprecated;
    if (deprecated) errors.push(`${path}: ${value} is deprecated`);
  } else if (resolved instanceof protobuf.Type) {
    checkMessage(root, resolved, value, path, errors);
  } else {
    checkScalar(field.type, value, path, errors);
  }
}

function checkField(root: protobuf.Root, field: protobuf.Field, value: unknown, path: string, errors: string[]): void {
  if (field instanceof protobuf.MapField) {
    if (!isObject(value)) {
      errors.push(`${path}: expected a map`);
      return;
    }
    for (const [k, v] of Object.entries(value)) checkValue(root, field, v, `${path}.${k}`, errors);
  } else if (field.repeated) {
    if (!Array.isArray(value)) {
      errors.push(`${path}: expected a list`);
      return;
    }
    value.forEach((item, i) => checkValue(root, field, item, `${path}[${i}]`, errors));
  } else {
    checkValue(root, field, value, path, errors);
  }
}

/**
 * Errors of an Envoy bootstrap against envoy.config.bootstrap.v3.Bootstrap, one line each with the
 * field path; an empty list means Envoy's API accepts every field of it.
 */
export function validateEnvoyBootstrap(config: unknown): string[] {
  const root = loadRoot();
  const errors: string[] = [];
  checkMessage(root, root.lookupType('envoy.config.bootstrap.v3.Bootstrap'), config, '', errors);
  return errors;
}
