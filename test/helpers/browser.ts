// Headless Chromium for page tests: Debian's `chromium` (no browser download: playwright-core
// only drives an existing binary), a fresh profile per launch so localStorage and caches never
// leak between runs, and the page's console collected for assertions.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Quiet, sandbox-free (root in a container) and offline apart from the page under test. */
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * The browser binary, or an error saying how to get it. `npm test` installs nothing on the
 * machine; a test that needs Chromium fails with this message (never skips) when it is absent.
 */
export function requireChromium(path = CHROMIUM_PATH): string {
  if (existsSync(path)) return path;
  throw new Error(
    `${path} is missing: the overview-page browser test drives Debian's Chromium (playwright-core ` +
      'downloads no browser). Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu; ' +
      '.ci/run does this on CI machines), then rerun the tests.',
  );
}

export async function launchChromium(
  viewport = { width: 1400, height: 900 },
): Promise<BrowserSession> {
  const executablePath = requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'llm-finops-chromium-'));
  // launchPersistentContext is how playwright takes a user-data-dir (it refuses the flag in
  // args). headless: false keeps it from adding its own --headless; ours (=new) is in ARGS.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: false,
    args: ARGS,
    viewport,
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface ConsoleEntry {
  type: string;
  text: string;
  url: string;
}

/** Everything the page logs, plus uncaught exceptions as type "pageerror". */
export function collectConsole(page: Page): ConsoleEntry[] {
  const entries: ConsoleEntry[] = [];
  page.on('console', (msg: ConsoleMessage) =>
    entries.push({ type: msg.type(), text: msg.text(), url: msg.location().url }),
  );
  page.on('pageerror', (err: Error) =>
    entries.push({ type: 'pageerror', text: String(err), url: '' }),
  );
  return entries;
}

export interface PngStats {
  width: number;
  height: number;
  /** Distinct RGBA values over the whole image (a blank or error page has a handful). */
  distinctColors: number;
  /** Distinct RGBA values inside `region` (CSS pixels at device scale 1). */
  regionColors: number;
}

/** Decode a screenshot (pngjs) and count colours, to tell a drawn page from a blank one. */
export function pngStats(
  file: string,
  region: { x: number; y: number; width: number; height: number },
): PngStats {
  const png = PNG.sync.read(readFileSync(file));
  const all = new Set<number>();
  const inRegion = new Set<number>();
  const x0 = Math.max(0, Math.floor(region.x));
  const y0 = Math.max(0, Math.floor(region.y));
  const x1 = Math.min(png.width, Math.ceil(region.x + region.width));
  const y1 = Math.min(png.height, Math.ceil(region.y + region.height));
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const color = png.data.readUInt32BE((y * png.width + x) * 4);
      all.add(color);
      if (x >= x0 && x < x1 && y >= y0 && y < y1) inRegion.add(color);
    }
  }
  return {
    width: png.width,
    height: png.height,
    distinctColors: all.size,
    regionColors: inRegion.size,
  };
}
