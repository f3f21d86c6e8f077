// Types of dist-state.js (plain JavaScript, so that bin/herald.js loads without a TypeScript loader).
export declare const DIST: string
export declare const BUILT_STAMP: string
export declare function distIsCurrent(): boolean
