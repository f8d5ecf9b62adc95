// A fake Espruino for console tests: a plain node:vm context with print, process.env, reset(), load(), atob and
// require("Storage") backed by byte buffers, plugged into an EspruinoRepl. It records every statement.
import vm from "node:vm";
import { EspruinoRepl } from "../../host-sim/console/repl.mjs";

export interface Statement {
  code: string;
  lineNumber: number;
  echo: boolean;
}

export interface FakeDevice {
  repl: EspruinoRepl;
  context: vm.Context;
  statements: Statement[];
  /** Storage files as bytes */
  files: Map<string, Buffer>;
  /** reset / load calls and Storage.write calls, in order */
  calls: unknown[];
  /** all output bytes, as a binary string */
  output(): string;
}

export const FAKE_ENV = {
  VERSION: "2v29",
  BOARD: "ESP32",
  CONSOLE: "Telnet",
  MODULES: "Storage,Wifi,net,http",
  EXPTR: 1073741824,
};

export function createFakeDevice(): FakeDevice {
  const files = new Map<string, Buffer>();
  const calls: unknown[] = [];
  const statements: Statement[] = [];
  const out: Buffer[] = [];
  // eslint-disable-next-line prefer-const
  let repl: EspruinoRepl;
  const storage = {
    write(name: string, data: string, offset?: number, size?: number): boolean {
      calls.push({ write: name, offset, size, length: data.length });
      const bytes = Buffer.from(String(data), "latin1");
      if (offset === undefined) {
        files.set(name, bytes);
        return true;
      }
      if (size !== undefined) files.set(name, Buffer.alloc(size, 0xff));
      const f = files.get(name);
      if (!f) throw new Error("Storage.write: " + name + " does not exist");
      bytes.copy(f, offset);
      return true;
    },
    read(name: string): string | undefined {
      const f = files.get(name);
      return f ? f.toString("latin1") : undefined;
    },
    list(): string[] {
      return [...files.keys()];
    },
  };
  const context = vm.createContext({
    print: (...args: unknown[]) => repl.print(args.map(String).join(" ") + "\n"),
    console: { log: (...args: unknown[]) => repl.print(args.map(String).join(" ") + "\n") },
    process: { env: FAKE_ENV },
    reset: () => {
      calls.push("reset()");
    },
    load: (name?: string) => {
      calls.push(name === undefined ? "load()" : "load(" + JSON.stringify(name) + ")");
    },
    echo: (on: unknown) => repl.setEcho(!!on),
    atob: (s: string) => Buffer.from(s, "base64").toString("latin1"),
    btoa: (s: string) => Buffer.from(s, "latin1").toString("base64"),
    require: (m: string) => {
      if (m === "Storage") return storage;
      throw new Error("Module " + m + " not found");
    },
  });
  repl = new EspruinoRepl({
    evaluate(code, ctx) {
      statements.push({ code, lineNumber: ctx.lineNumber, echo: ctx.echo });
      try {
        return { value: vm.runInContext(code, context) };
      } catch (e) {
        return { error: e };
      }
    },
  });
  repl.onOutput((b) => out.push(b));
  return { repl, context, statements, files, calls, output: () => Buffer.concat(out).toString("latin1") };
}
