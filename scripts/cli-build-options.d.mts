import type { BuildOptions } from 'esbuild';
export declare const nodeBundle: Readonly<Pick<BuildOptions, 'bundle' | 'platform' | 'format' | 'target'>>;
export declare const cliBundle: Readonly<Pick<BuildOptions, 'bundle' | 'platform' | 'format' | 'target' | 'banner'>>;
