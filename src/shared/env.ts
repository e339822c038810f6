// The one module that reads process.env. Everything else receives these values as arguments,
// so tests can run several configurations in one process without touching globals.

export interface EnvSettings {
  clickhouseUrl: string | undefined;
  clickhouseUser: string | undefined;
  clickhousePassword: string | undefined;
  clickhouseDatabase: string | undefined;
  configFile: string | undefined;
  dataDir: string | undefined;
  pricesFile: string | undefined;
  logLevel: string | undefined;
  routingKeyFile: string | undefined;
}

/** A variable lookup where an empty value counts as unset. */
export type EnvLookup = (name: string) => string | undefined;

export function envLookup(env: NodeJS.ProcessEnv = process.env): EnvLookup {
  return (name) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const get = envLookup(env);
  return {
    clickhouseUrl: get('CLICKHOUSE_URL'),
    clickhouseUser: get('CLICKHOUSE_USER'),
    clickhousePassword: get('CLICKHOUSE_PASSWORD'),
    clickhouseDatabase: get('CLICKHOUSE_DATABASE'),
    configFile: get('LLM_FINOPS_CONFIG'),
    dataDir: get('LLM_FINOPS_DATA_DIR'),
    pricesFile: get('LLM_FINOPS_PRICES'),
    logLevel: get('LOG_LEVEL'),
    routingKeyFile: get('LLM_FINOPS_ROUTING_KEY_FILE'),
  };
}
