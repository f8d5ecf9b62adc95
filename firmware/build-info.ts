// Replaced at build time by rollup.config.mjs (package version + git sha); never edited by hand.
export var BUILD_VERSION = "__BUILD_VERSION__";
