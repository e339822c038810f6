// How the suite gets its browser: `npm test` never installs anything on the machine (it ran
// `apt-get install chromium` as root, silently, from a pretest hook); `.ci/run` installs Debian's
// Chromium on a fresh CI machine; without it the browser test fails saying how to install it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, requireChromium } from '../helpers/browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

describe('test setup', () => {
  it('npm test runs no install step: no pre/post hook, no script calling a package manager of the OS', () => {
    expect(pkg.scripts.pretest).toBeUndefined();
    expect(pkg.scripts.posttest).toBeUndefined();
    for (const [name, script] of Object.entries(pkg.scripts))
      expect(script, `scripts.${name}`).not.toMatch(/apt-get|apt |dnf |yum |apk |ensure-chromium/);
    expect(existsSync(`${ROOT}scripts/ensure-chromium.mjs`)).toBe(false);
  });

  it('.ci/run installs Debian chromium, explained, before it runs npm test', () => {
    const run = read('.ci/run');
    const install = run.search(/apt-get install[^\n]*chromium/);
    const test = run.search(/^npm test$/m);
    expect(install).toBeGreaterThan(-1);
    expect(test).toBeGreaterThan(install);
    // The why sits next to the install: which test needs it and why not playwright's download.
    expect(run).toMatch(/#[^\n]*overview-page/);
    expect(run).toMatch(/#[^\n]*playwright-core/);
  });

  it('a missing Chromium is an error saying how to install it, not a skip', () => {
    const missing = '/nonexistent/chromium';
    expect(() => requireChromium(missing)).toThrow(
      /\/nonexistent\/chromium is missing[\s\S]*apt-get install -y chromium[\s\S]*\.ci\/run/,
    );
    if (existsSync(CHROMIUM_PATH)) expect(requireChromium()).toBe(CHROMIUM_PATH);
  });

  it("the README's test section says the browser test needs Chromium and how to get it", () => {
    const readme = read('README.md');
    const dev = readme.slice(readme.indexOf('## Development'));
    expect(dev).toMatch(/chromium/i);
    expect(dev).toContain('apt-get install -y chromium');
  });
});
