import { defineConfig } from "vitest/config";

// Two projects: unit suites run in parallel; suites that start servers or processes (`*.server.test.ts`)
// run one file at a time, after the unit suites.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.server.test.ts", "node_modules/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
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
