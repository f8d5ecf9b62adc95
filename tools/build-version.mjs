// The build version baked into the firmware: package version + short git sha (+ "-dirty" for uncommitted changes).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** @param {string} [root] */
export function buildVersion(root = process.cwd()) {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  let sha = "nogit";
  try {
    sha = execFileSync("git", ["rev-parse", "--short=10", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: root,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    if (dirty) sha += "-dirty";
  } catch {
    // not a git checkout (e.g. an unpacked tarball): keep "nogit"
  }
  return pkg.version + "+" + sha;
}
