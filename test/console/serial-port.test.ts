// The flash and console tools name a serial port that does not exist before probing the serial backend.
import { describe, expect, it } from "vitest";
import { assertSerialBackend, SerialBackendUnavailableError } from "../../tools/serial-backend.mjs";

describe("assertSerialBackend({port})", () => {
  it("names a missing serial port and how to find the right one", () => {
    let err: unknown;
    try {
      assertSerialBackend({ port: "/dev/ttyUSB-does-not-exist" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SerialBackendUnavailableError);
    expect((err as Error).message).toContain("serial port /dev/ttyUSB-does-not-exist does not exist: is the board plugged in");
    expect((err as Error).message).toContain("--port tcp://HOST:PORT");
  });
});
