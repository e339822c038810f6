#!/usr/bin/env node
// The overview-page test drives Debian's Chromium (playwright-core never downloads a browser).
// Before `npm test`, install it when it is missing and we may (root with apt-get); otherwise say
// how, so the one failing test is explained rather than mysterious.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && existsSync('/usr/bin/apt-get')) {
  console.error('installing Debian chromium for the overview-page browser test (apt-get)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
} else {
  console.error(
    `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) for the overview-page test.`,
  );
}
