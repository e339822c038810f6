// Static validation of the deployment files: no Docker engine runs here, so docker-compose.yml,
// the Dockerfile, .dockerignore, the OTel Collector config, the llm-finops container config and
// the Grafana provisioning files are parsed and checked against each other and the repository.
// Secure by default: published ports on 127.0.0.1 only, every secret from .env with no
// fallback, no open OTLP receiver, and the containers' config (listening on 0.0.0.0 inside the
// network) passes the start-up exposure guard with the keys `gen-env` writes.
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/shared/config.js';
import { envLookup } from '../../src/shared/env.js';
import { checkExposure } from '../../src/shared/exposure.js';
import { ENV_SECRETS, generateEnv, writeEnvFile } from '../../src/shared/gen-env.js';
import { matchKey, sha256Hex } from '../../src/shared/keys.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8');
const yamlFile = <T>(path: string): T => parse(read(path), { merge: true }) as T;

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  ports?: string[];
  expose?: string[];
  profiles?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
}
const compose = yamlFile<{ services: Record<string, Service>; volumes: Record<string, unknown> }>(
  'docker-compose.yml',
);
const svc = (name: string): Service => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`service ${name} missing`);
  return s;
};
// A released version (grafana/clickhouse-datasource tag v4.20.0, grafanaDependency >=11.6.0-0).
const CLICKHOUSE_PLUGIN_VERSION = '4.20.0';
const OURS = ['migrate', 'collector', 'api', 'scheduler', 'demo'];

describe('docker-compose.yml', () => {
  it('has every service, third-party images pinned to a version', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'clickhouse',
      'collector',
      'demo',
      'grafana',
      'migrate',
      'otelcol',
      'scheduler',
    ]);
    expect(svc('clickhouse').image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
    expect(svc('grafana').image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(svc('otelcol').image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    for (const name of OURS)
      expect(svc(name), name).toMatchObject({ build: '.', image: 'llm-finops:local' });
  });

  it('runs llm-finops in separately scalable roles, with exactly one scheduler', () => {
    const cmd = (name: string): string[] => svc(name).command ?? [];
    expect(cmd('collector')).toEqual(
      expect.arrayContaining(['start', '--no-api', '--no-scheduler']),
    );
    expect(cmd('api')).toEqual(
      expect.arrayContaining(['start', '--no-collector', '--no-scheduler']),
    );
    expect(cmd('scheduler')).toEqual(expect.arrayContaining(['start', '--no-collector']));
    expect(cmd('scheduler')).not.toContain('--no-scheduler');
    expect(svc('scheduler').deploy?.replicas).toBe(1);
    expect(cmd('migrate')).toEqual(['migrate']);
    // A replica-scaled service cannot bind one fixed host port: the collector publishes none.
    expect(svc('collector').ports).toBeUndefined();
    expect(svc('collector').expose).toEqual(expect.arrayContaining(['4317', '4318']));
    for (const name of ['collector', 'api', 'scheduler']) {
      expect(svc(name).depends_on?.migrate, name).toEqual({
        condition: 'service_completed_successfully',
      });
    }
    for (const name of OURS)
      expect(svc(name).environment?.CLICKHOUSE_URL, name).toBe('http://clickhouse:8123');
  });

  it('publishes the OTLP, API and Grafana ports, every published port on 127.0.0.1 only', () => {
    expect(svc('otelcol').ports).toEqual(
      expect.arrayContaining(['127.0.0.1:4317:4317', '127.0.0.1:4318:4318']),
    );
    expect(svc('api').ports?.some((p) => p.endsWith(':8080'))).toBe(true);
    expect(svc('grafana').ports).toContain('127.0.0.1:3000:3000');
    const published = Object.entries(compose.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => [name, p] as const),
    );
    expect(published.length).toBeGreaterThan(5);
    for (const [name, port] of published) expect(port, name).toMatch(/^127\.0\.0\.1:\d/);
  });

  it('health-checks every long-running service that has a shell or node, and depends on health where it must', () => {
    for (const name of ['clickhouse', 'grafana', 'collector', 'api', 'scheduler']) {
      expect(['CMD', 'CMD-SHELL'], name).toContain(svc(name).healthcheck?.test[0]);
    }
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(compose.services[dep], `${name} -> ${dep}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(compose.services[dep]?.healthcheck, `${name} waits for ${dep}`).toBeDefined();
      }
    }
  });

  it('puts only the demo behind a profile', () => {
    for (const [name, s] of Object.entries(compose.services))
      expect(s.profiles, name).toEqual(name === 'demo' ? ['demo'] : undefined);
    expect(svc('demo').command?.[0]).toBe('demo');
  });

  it('mounts files that exist and declares every named volume', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const volume of s.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('./'))
          expect(existsSync(`${ROOT}${source!.slice(2)}`), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: ${source}`).toContain(source);
      }
    }
  });

  it('installs the ClickHouse plugin in Grafana and provisions the data source and dashboards', () => {
    const g = svc('grafana');
    // Pinned: an unpinned plugin id installs whatever is newest on the day the volume is created,
    // so two deployments of one commit could render the dashboards with different plugins.
    // `<id> <version>` is the docker image's GF_INSTALL_PLUGINS form (grafana cli's arguments).
    expect(g.environment?.GF_INSTALL_PLUGINS).toBe(
      `grafana-clickhouse-datasource ${CLICKHOUSE_PLUGIN_VERSION}`,
    );
    // 4.16 and later declare grafanaDependency >= 11.6.0: the image must satisfy it.
    const [major, minor] = (/^grafana\/grafana:(\d+)\.(\d+)\./.exec(g.image ?? '') ?? [])
      .slice(1)
      .map(Number);
    expect(major! > 11 || (major === 11 && minor! >= 6), g.image).toBe(true);
    const ds = yamlFile<{
      datasources: { uid: string; type: string; jsonData: Record<string, unknown> }[];
    }>('dashboards/provisioning/datasources/clickhouse.yaml');
    expect(ds.datasources[0]).toMatchObject({
      uid: 'llm-finops-clickhouse',
      type: 'grafana-clickhouse-datasource',
    });
    // Every ${VAR} in the provisioning file is set on the Grafana container.
    for (const [, name] of read('dashboards/provisioning/datasources/clickhouse.yaml').matchAll(
      /\$\{(\w+)\}/g,
    )) {
      expect(g.environment?.[name!], name).toBeDefined();
    }
    const providers = yamlFile<{ providers: { options: { path: string } }[] }>(
      'dashboards/provisioning/dashboards/llm-finops.yaml',
    );
    const path = providers.providers[0]!.options.path;
    expect(g.volumes).toContain(`./dashboards:${path}:ro`);
    expect(
      existsSync(
        `${ROOT}dashboards/${g.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH?.slice(path.length + 1)}`,
      ),
    ).toBe(true);
    // Grafana and ClickHouse agree on the read-only user the init script creates.
    expect(g.environment?.CLICKHOUSE_GRAFANA_USER).toBe(
      svc('clickhouse').environment?.GRAFANA_CLICKHOUSE_USER,
    );
    expect(g.environment?.CLICKHOUSE_DATABASE).toBe(svc('clickhouse').environment?.CLICKHOUSE_DB);
  });

  it('gives the ClickHouse init script every variable it uses', () => {
    const script = read('deploy/clickhouse/initdb/01-grafana-user.sh');
    for (const [, name] of script.matchAll(/\$\{?(\w+)\}?/g))
      expect(svc('clickhouse').environment?.[name!], name).toBeDefined();
  });

  it('mounts an llm-finops config that validates and matches the ports and database', () => {
    const config = loadConfig(`${ROOT}deploy/llm-finops.yaml`, { env: envLookup(generateEnv()) });
    expect(config.collector).toMatchObject({ host: '0.0.0.0', port: 4318 });
    expect(config.api).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(config.storage.database).toBe(svc('clickhouse').environment?.CLICKHOUSE_DB);
    expect(svc('collector').volumes).toContain(
      './deploy/llm-finops.yaml:/etc/llm-finops/config.yaml:ro',
    );
  });
});

describe('secrets and exposure', () => {
  // Comment lines dropped: they may mention ${env:...} references of other files.
  const text = read('docker-compose.yml')
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');
  const referenced = [...text.matchAll(/(?<!\$)\$\{([A-Za-z_]\w*)([^}]*)\}/g)].map(
    ([, name, rest]) => ({ name: name!, rest: rest! }),
  );
  const generated = generateEnv();

  it('takes every secret from .env, required, with no fallback value', () => {
    expect(referenced.length).toBeGreaterThan(5);
    for (const { name, rest } of referenced) {
      expect(rest, name).toMatch(/^:\?.*gen-env/);
      expect(generated[name], `${name} is written by gen-env`).toBeDefined();
    }
    expect(text).not.toMatch(/PASSWORD[^\n]*:-/);
    expect(text).not.toMatch(/\badmin\/admin\b/);
    expect(svc('grafana').environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(
      /^\$\{GRAFANA_ADMIN_PASSWORD:\?/,
    );
    expect(svc('grafana').environment?.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    // A named ClickHouse user with a password replaces the image's password-less `default`.
    expect(svc('clickhouse').environment?.CLICKHOUSE_USER).toBe('llm_finops');
    expect(svc('clickhouse').environment?.CLICKHOUSE_PASSWORD).toMatch(
      /^\$\{CLICKHOUSE_PASSWORD:\?/,
    );
  });

  it('ships .env.example with exactly the variables gen-env writes, all empty, and ignores .env', () => {
    const example = read('.env.example')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split('='));
    expect(example.map(([k]) => k).sort()).toEqual(Object.keys(generated).sort());
    for (const [k, v] of example) expect(v, k).toBe('');
    expect(read('.gitignore').split('\n')).toContain('.env');
  });

  it('gen-env writes random secrets with matching digests, mode 0600, and never overwrites by accident', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-env-'));
    const file = join(dir, '.env');
    writeEnvFile(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const values = Object.fromEntries(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const s of ENV_SECRETS) {
      expect(values[s.name], s.name).toMatch(/^(lfo_)?[A-Za-z0-9_-]{32}$/);
      if (s.kind === 'key') expect(values[`${s.name}_SHA256`]).toBe(sha256Hex(values[s.name]!));
    }
    const secrets = ENV_SECRETS.map((s) => values[s.name]);
    expect(new Set([...secrets, ...ENV_SECRETS.map((s) => generated[s.name])]).size).toBe(
      2 * ENV_SECRETS.length,
    );
    writeFileSync(file, 'CLICKHOUSE_PASSWORD=kept\n', { mode: 0o644 });
    expect(() => writeEnvFile(file)).toThrow(/exists; not overwriting.*--force/);
    expect(readFileSync(file, 'utf8')).toBe('CLICKHOUSE_PASSWORD=kept\n');
    writeEnvFile(file, { force: true });
    expect(readFileSync(file, 'utf8')).not.toContain('kept');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('gives the containers a config that passes the exposure guard, and the front door a key it accepts', () => {
    const env = envLookup(generated);
    const config = loadConfig(`${ROOT}deploy/llm-finops.yaml`, { env });
    // Listening on 0.0.0.0 inside the network is allowed only because keys are configured.
    expect(checkExposure(config, { collector: true, api: true })).toEqual([]);
    expect(config.security.insecure).toBe(false);
    expect(matchKey(config.security.ingest_keys, generated.LLM_FINOPS_INGEST_KEY)?.name).toBe(
      'otelcol',
    );
    expect(matchKey(config.security.api_keys, generated.LLM_FINOPS_ADMIN_KEY)?.role).toBe('admin');
    expect(matchKey(config.security.api_keys, generated.LLM_FINOPS_GATEWAY_KEY)?.role).toBe(
      'gateway',
    );
    expect(config.security.metrics_key_sha256).toBe(sha256Hex(generated.LLM_FINOPS_METRICS_KEY!));
    // Every ${env:...} of that config reaches every llm-finops container.
    for (const [, name] of read('deploy/llm-finops.yaml').matchAll(/\$\{env:(\w+)\}/g))
      for (const service of OURS)
        expect(svc(service).environment?.[name!], `${service}: ${name}`).toBeDefined();
    // Without the variables it does not load at all (no silent empty key list).
    expect(() => loadConfig(`${ROOT}deploy/llm-finops.yaml`, { env: envLookup({}) })).toThrow(
      /LLM_FINOPS_INGEST_KEY_SHA256, which is not set/,
    );
  });
});

describe('deploy/otelcol.yaml', () => {
  const otel = yamlFile<{
    receivers: Record<string, unknown>;
    processors: Record<string, unknown>;
    extensions: Record<string, unknown>;
    exporters: Record<string, { endpoint: string }>;
    service: {
      extensions: string[];
      pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
    };
  }>('deploy/otelcol.yaml');

  it('forwards traces to the llm-finops collector service (wiring: deploy-scaling.test.ts)', () => {
    const traces = otel.service.pipelines.traces!;
    for (const r of traces.receivers) expect(otel.receivers).toHaveProperty([r]);
    for (const p of traces.processors) expect(otel.processors).toHaveProperty([p]);
    for (const e of otel.service.extensions) expect(otel.extensions).toHaveProperty([e]);
    for (const e of traces.exporters) expect(otel.exporters).toHaveProperty([e]);
    expect(traces.exporters).toEqual(['loadbalancing/llm-finops']);
    expect(svc('otelcol').volumes).toContain(
      './deploy/otelcol.yaml:/etc/otelcol-contrib/config.yaml:ro',
    );
  });

  it('asks every client for the ingest key and forwards with it', () => {
    const receivers = otel.receivers as Record<
      string,
      { protocols: Record<string, { auth?: { authenticator: string } }> }
    >;
    const traces = otel.service.pipelines.traces!;
    for (const r of traces.receivers)
      for (const [protocol, settings] of Object.entries(receivers[r]!.protocols))
        expect(settings.auth?.authenticator, `${r}.${protocol}`).toBe('bearertokenauth');
    expect(otel.service.extensions).toContain('bearertokenauth');
    expect(otel.extensions.bearertokenauth).toEqual({
      scheme: 'Bearer',
      token: '${env:LLM_FINOPS_INGEST_KEY}',
    });
    const exporter = otel.exporters[traces.exporters[0]!] as {
      protocol?: { otlp?: { headers?: Record<string, string> } };
    };
    expect(exporter.protocol?.otlp?.headers?.authorization).toBe(
      'Bearer ${env:LLM_FINOPS_INGEST_KEY}',
    );
    expect(svc('otelcol').environment?.LLM_FINOPS_INGEST_KEY).toMatch(
      /^\$\{LLM_FINOPS_INGEST_KEY:\?/,
    );
  });
});

describe('Dockerfile and .dockerignore', () => {
  // Instructions with their continuation lines joined, comments dropped.
  const instructions = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({
      op: l.split(/\s+/)[0]!.toUpperCase(),
      args: l.slice(l.indexOf(' ') + 1).trim(),
    }));
  const ops = instructions.map((i) => i.op);
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('builds on node:24-slim, installs from the lockfile before copying sources', () => {
    expect(instructions[0]).toEqual({ op: 'FROM', args: 'node:24-slim' });
    const copyManifests = instructions.findIndex(
      (i) => i.op === 'COPY' && i.args === 'package*.json ./',
    );
    const npmCi = instructions.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    const copySrc = instructions.findIndex((i) => i.op === 'COPY' && i.args.startsWith('src '));
    expect(copyManifests).toBeGreaterThan(0);
    expect(npmCi).toBeGreaterThan(copyManifests);
    expect(copySrc).toBeGreaterThan(npmCi);
    expect(existsSync(`${ROOT}package-lock.json`)).toBe(true);
  });

  it('never starts insecure: no --insecure in the image, so start refuses 0.0.0.0 without keys', () => {
    expect(read('Dockerfile')).not.toMatch(/insecure/i);
    expect(read('docker-compose.yml')).not.toMatch(/--insecure|insecure:/);
    expect(read('deploy/llm-finops.yaml')).not.toMatch(/insecure/);
  });

  it('runs bin/llm-finops.js as a non-root user', () => {
    const entry = instructions.find((i) => i.op === 'ENTRYPOINT');
    expect(JSON.parse(entry!.args)).toEqual(['node', 'bin/llm-finops.js']);
    expect(JSON.parse(instructions.find((i) => i.op === 'CMD')!.args)[0]).toBe('start');
    expect(instructions.find((i) => i.op === 'USER')?.args).toBe('node');
    expect(ops.lastIndexOf('USER')).toBeGreaterThan(ops.lastIndexOf('RUN'));
    expect(
      instructions
        .filter((i) => i.op === 'EXPOSE')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/4318.*8080/);
  });

  it('copies only paths that exist and that .dockerignore keeps', () => {
    for (const i of instructions.filter((x) => x.op === 'COPY')) {
      const sources = i.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(ignored, source).not.toContain(source);
        if (!source.includes('*')) expect(existsSync(`${ROOT}${source}`), source).toBe(true);
      }
    }
  });

  it('keeps local state and dependencies out of the build context', () => {
    expect(ignored).toEqual(
      expect.arrayContaining(['.git', 'node_modules', 'data', 'dist', '.env']),
    );
  });
});
