// `node scripts/renderIcon.mjs`: renders media/icon.svg (the source) to media/icon.png, the 128×128 listing icon
// package.json names (the Marketplace and Open VSX refuse SVG icons). Uses headless Chromium, which the e2e
// tests need anyway (CHROMIUM overrides the binary). Run it after editing the SVG and commit both files.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'media', 'icon.svg');
const target = join(root, 'media', 'icon.png');
const chromium = process.env.CHROMIUM ?? 'chromium';

execFileSync(chromium, [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--hide-scrollbars',
  // transparent outside the rounded square
  '--default-background-color=00000000',
  '--window-size=128,128',
  `--screenshot=${target}`,
  pathToFileURL(source).href,
], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`wrote ${target}`);
