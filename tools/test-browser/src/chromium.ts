import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium (scripts/ensure-chromium.sh installs it), or CHROMIUM_PATH: playwright never downloads
 * a browser of its own here.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags every browser test shares: no sandbox (tests run as root in containers), nothing phoning home. */
const SHARED_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium with the shared flags and a test's own `args` (host rules, features). */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No Chromium at ${CHROMIUM}: run \`bash scripts/ensure-chromium.sh\` (or apt-get install -y chromium), or set CHROMIUM_PATH.`,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...SHARED_ARGS, ...args] });
}
