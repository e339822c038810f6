// Writes src/pricing/data/genai-prices.json from the installed @pydantic/genai-prices package
// (its bundled price data, through its public waitForUpdate()), with the package version and its
// publish date from the npm registry. Run after bumping the package:
//   npm install -D --save-exact @pydantic/genai-prices@<version> && npm run prices:snapshot
// test/unit/pricing-data.test.ts fails while the snapshot and the installed package differ.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { waitForUpdate, REMOTE_DATA_JSON_URL } from '@pydantic/genai-prices';
import { projectProviders } from '../src/pricing/data-file.js';

const PKG = '@pydantic/genai-prices';
const pkgJson = JSON.parse(
  readFileSync(
    new URL('../node_modules/@pydantic/genai-prices/package.json', import.meta.url),
    'utf8',
  ),
) as { version: string };
const version = pkgJson.version;

function publishedDate(): string {
  const flag = process.argv.indexOf('--published');
  if (flag > 0 && process.argv[flag + 1]) return new Date(process.argv[flag + 1]!).toISOString();
  const out = execFileSync('npm', ['view', `${PKG}@${version}`, 'time', '--json'], {
    encoding: 'utf8',
  });
  const times = JSON.parse(out) as Record<string, string>;
  const t = times[version];
  if (!t)
    throw new Error(`npm view gave no publish time for ${version}; pass --published <ISO date>`);
  return new Date(t).toISOString();
}

const providers = await waitForUpdate();
if (!providers) throw new Error(`${PKG} returned no price data`);
const snapshot = {
  source: PKG,
  version,
  published: publishedDate(),
  url: REMOTE_DATA_JSON_URL,
  providers: projectProviders(providers),
};
const target = new URL('../src/pricing/data/genai-prices.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(snapshot)}\n`);
process.stdout.write(
  `wrote ${target.pathname}: ${PKG} ${version} (published ${snapshot.published}), ${snapshot.providers.length} providers\n`,
);
