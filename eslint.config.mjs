// ESLint flat config: the Espruino dialect rules (layer 1 of `npm run check:espruino`) on the firmware sources, so
// editors show them. The bundle layer needs the build and its source maps: run `npm run check:espruino` for that.
import { typescriptConfig } from "./tools/dialect/typescript-config.mjs";

export default [{ ignores: ["dist/**", "node_modules/**", "test/fixtures/**"] }, ...typescriptConfig(["firmware/**/*.ts"])];
