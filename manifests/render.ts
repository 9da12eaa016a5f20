/**
 * `npm run -s manifests -- <chapter>`: prints the exact multi-document YAML the extension applies
 * for that chapter, so `npm run -s manifests -- headless | kubectl apply -f -` works too.
 */
import { DEPLOYABLE_CHAPTER_IDS, ManifestError, renderChapter } from './index';

function main(argv: string[]): number {
  const [chapter, ...rest] = argv;
  if (!chapter || rest.length > 0 || chapter === '--help' || chapter === '-h') {
    process.stderr.write(`usage: npm run -s manifests -- <chapter>\nchapters: ${DEPLOYABLE_CHAPTER_IDS.join(', ')}\n`);
    return 2;
  }
  try {
    process.stdout.write(renderChapter(chapter));
    return 0;
  } catch (error) {
    if (error instanceof ManifestError) {
      process.stderr.write(`manifests: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
