// The scale-out wiring of docker-compose.yml and deploy/otelcol.yaml, read as files (no Docker
// engine runs here): the OTel Collector's loadbalancing exporter routes by trace ID over
// OTLP/gRPC to every replica of the collector service, found by its DNS name, on the gRPC port
// the replicas' config listens on; two replicas, each with its own data directory (spool),
// /metrics on its OTLP/HTTP port, and the ClickHouse server as their store.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/shared/config.js';
import { envLookup } from '../../src/shared/env.js';
import { generateEnv } from '../../src/shared/gen-env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8');

interface Service {
  command?: string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  container_name?: string;
  deploy?: { replicas?: number };
  healthcheck?: { test: string[] };
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
};

interface OtlpTemplate {
  endpoint?: string;
  tls?: { insecure?: boolean };
  headers?: Record<string, string>;
  compression?: string;
  retry_on_failure?: { enabled: boolean };
  sending_queue?: { enabled: boolean };
}
interface LoadBalancing {
  routing_key?: string;
  retry_on_failure?: { enabled: boolean };
  sending_queue?: { enabled: boolean };
  protocol: { otlp: OtlpTemplate };
  resolver: { dns?: { hostname: string; port: number | string }; static?: unknown };
}
const otel = parse(read('deploy/otelcol.yaml')) as {
  exporters: Record<string, unknown>;
  service: { pipelines: Record<string, { exporters: string[] }> };
};
const config = loadConfig(`${ROOT}deploy/llm-finops.yaml`, { env: envLookup(generateEnv()) });

const tracesExporters = otel.service.pipelines.traces!.exporters;
const balancer = (): LoadBalancing => {
  const name = tracesExporters.find((e) => e.split('/')[0] === 'loadbalancing');
  expect(name, 'a loadbalancing exporter in the traces pipeline').toBeDefined();
  return otel.exporters[name!] as LoadBalancing;
};

describe('OTel Collector -> collector replicas', () => {
  it('sends every trace to one replica: loadbalancing by traceID is the only way to llm-finops', () => {
    const lb = balancer();
    expect(lb.routing_key).toBe('traceID');
    // No second exporter forwarding to the collectors round-robin (otlphttp to collector:4318).
    for (const name of tracesExporters) {
      const settings = JSON.stringify(otel.exporters[name]);
      if (name !== tracesExporters.find((e) => e.startsWith('loadbalancing')))
        expect(settings, name).not.toMatch(/collector:43\d\d/);
    }
  });

  it('resolves the collector service by DNS and dials the gRPC port its replicas listen on', () => {
    const { dns, static: fixed } = balancer().resolver;
    expect(fixed).toBeUndefined();
    expect(dns).toBeDefined();
    const target = compose.services[dns!.hostname];
    expect(target, `service ${dns!.hostname}`).toBeDefined();
    // That service runs the collector (the OTLP listeners), not the API-only or scheduler role.
    expect(target!.command).toEqual(expect.arrayContaining(['start']));
    expect(target!.command).not.toContain('--no-collector');
    expect(config.collector.grpc_port).not.toBe(false);
    expect(Number(dns!.port)).toBe(config.collector.grpc_port);
    expect(target!.expose).toContain(String(config.collector.grpc_port));
    // The resolver fills in each replica's address: a fixed endpoint would pin one.
    expect(balancer().protocol.otlp.endpoint).toBeUndefined();
  });

  it('forwards with the ingest key, gzip, plain gRPC inside the network, retrying where it can re-route', () => {
    const lb = balancer();
    const otlp = lb.protocol.otlp;
    expect(otlp.headers?.authorization).toBe('Bearer ${env:LLM_FINOPS_INGEST_KEY}');
    expect(otlp.compression).toBe('gzip');
    expect(otlp.tls?.insecure).toBe(true);
    expect(lb.retry_on_failure?.enabled).toBe(true);
    expect(lb.sending_queue?.enabled).toBe(true);
    // A queue or retry loop per replica would hold a batch for an address that went away.
    expect(otlp.retry_on_failure?.enabled).toBe(false);
    expect(otlp.sending_queue?.enabled).toBe(false);
  });
});

describe('collector replicas', () => {
  const collector = compose.services.collector!;

  it('runs two replicas, unpublished, with nothing that would pin them to one container', () => {
    expect(collector.deploy?.replicas).toBe(2);
    expect(collector.ports).toBeUndefined();
    expect(collector.container_name).toBeUndefined();
    expect(collector.command).toEqual(
      expect.arrayContaining(['start', '--no-api', '--no-scheduler']),
    );
  });

  it('gives each replica its own data directory (spool): the image volume, never a shared one', () => {
    const dataDir = config.storage.data_dir;
    // A named volume or bind mount at (or above) the data directory would be shared by both.
    for (const volume of collector.volumes ?? []) {
      const target = volume.split(':')[1] ?? '';
      expect(dataDir.startsWith(target), `${volume} covers ${dataDir}`).toBe(false);
    }
    // Docker gives every container its own anonymous volume for a VOLUME of the image.
    const declared = [...read('Dockerfile').matchAll(/^VOLUME\s+(.+)$/gm)].flatMap(
      ([, args]) => JSON.parse(args!) as string[],
    );
    expect(declared).toContain(dataDir);
  });

  it('writes to the ClickHouse server, and serves /healthz and /metrics on its OTLP/HTTP port', () => {
    expect(collector.environment?.CLICKHOUSE_URL).toBe('http://clickhouse:8123');
    expect(compose.services.clickhouse).toBeDefined();
    expect(collector.expose).toContain(String(config.collector.port));
    expect(collector.healthcheck?.test.join(' ')).toContain(
      `127.0.0.1:${config.collector.port}/healthz`,
    );
    // /metrics is served on that port by every collector (collector-grpc.test.ts scrapes it),
    // behind the metrics key the replicas' config carries.
    expect(config.security.metrics_key_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
