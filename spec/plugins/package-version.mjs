// A Redocly plugin: the bundle's `info.version` is the version of the @klingkit/spec package that ships
// it, read from spec/package.json when bundling. openapi.yaml holds only a placeholder, so there is one
// place for the number and `pnpm version-packages` (changesets) moves it.
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

export default function packageVersionPlugin() {
  return {
    id: 'klingkit',
    decorators: {
      oas3: {
        'info-version-from-package': () => ({
          Info: {
            leave(info) {
              info.version = version;
            },
          },
        }),
      },
    },
  };
}
