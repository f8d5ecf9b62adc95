// YAML -> JSON for the tests, via Debian's python3 with PyYAML (Debian package python3-yaml): the project has no
// YAML library of its own. Installed on demand like the other system tools; never skipped.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { aptInstall, requireTool } from "../support/system-tools.js";

let python: string | undefined;

function pythonWithYaml(): string {
  if (python) return python;
  const py = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : requireTool("python3", "python3");
  const probe = spawnSync(py, ["-c", "import yaml"], { encoding: "utf8" });
  if (probe.status !== 0) aptInstall("python3-yaml", "python3 module yaml (Debian package python3-yaml)");
  python = py;
  return py;
}

/** Parses YAML text (safe_load) and returns the JSON value. */
export function parseYaml(text: string): unknown {
  const r = spawnSync(pythonWithYaml(), ["-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"], {
    input: text,
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error("YAML parse failed: " + r.stderr);
  return JSON.parse(r.stdout);
}
