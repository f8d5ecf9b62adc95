import { defineConfig } from "vitest/config";

// Two projects: unit suites run in parallel; suites that start servers or processes (`*.server.test.ts`)
// run one file at a time, after the unit suites (test/real-interpreter/ too). `extends: true`: both inherit the
// top-level timeouts (vitest 4 projects do not otherwise).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.server.test.ts", "node_modules/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "server",
          include: ["test/**/*.server.test.ts"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
