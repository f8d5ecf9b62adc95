// Adversarial HTTP clients against the product bundle in the simulator (the same cases run on the real interpreter
// in test/real-interpreter/device.server.test.ts): the device keeps serving, conservation stays exact, JsVars
// return to their idle level, and no connection outlives the head deadline.
import { afterEach, describe, expect, it } from "vitest";
import type { SimDevice } from "../../host-sim/index.mjs";
import { makeDevice } from "./helpers.js";
import { CASES, runCases, type Driver } from "../support/adversarial.js";

const devices: SimDevice[] = [];
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

async function simDriver(): Promise<Driver & { d: SimDevice }> {
  const d = makeDevice();
  devices.push(d);
  await d.boot();
  d.advance(2000);
  return {
    d,
    port: d.hostPort(80) as number,
    channels: ["a", "b"],
    async pass(ms) {
      for (let t = 0; t < ms; t += 50) {
        d.advance(50);
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      }
    },
    async jsVars() {
      return d.memory.measure();
    },
  };
}

describe("adversarial HTTP clients (simulator)", () => {
  it(CASES.length + " cases: served, conserved, JsVars back to idle after each, every socket closed", async () => {
    const drv = await simDriver();
    const lines = await runCases(drv, 12);
    console.log("adversarial (simulator):\n  " + lines.join("\n  "));
    await drv.pass(1000);
    expect(drv.d.net.socketsInUse()).toBe(1); // the listener only
    expect(drv.d.errors).toEqual([]);
    expect(drv.d.console.some((l) => /OUT OF MEMORY|Uncaught/.test(l))).toBe(false);
  });
});
