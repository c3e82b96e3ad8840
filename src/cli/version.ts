/** The CLI's version (`--version`, SARIF `tool.driver.version`): the package's own, one source (bundled by esbuild). */
import pkg from '../../package.json';

export const VERSION: string = (pkg as { version: string }).version;
