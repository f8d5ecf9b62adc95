// Board profiles: plain JSON data in boards/<name>.json. A later issue adds a schema and more boards.
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { codeRunsFromFlash } from "../config/board-facts.mjs";

export const BOARDS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "boards");
export const DEFAULT_BOARD = "esp32-devkitc";

/**
 * @typedef {object} BoardProfile
 * @property {string} name          profile name (file name without .json)
 * @property {string} board         process.env.BOARD
 * @property {string} version       process.env.VERSION / process.version ("2v29")
 * @property {number} jsVars        JsVar budget (process.memory().total)
 * @property {number} [jsVarBytes]  bytes per JsVar
 * @property {number} sockets       sockets in total, listeners included
 * @property {number} [netChunkSize] bytes sent/received per connection per idle-loop pass
 * @property {{bits: number, pins: number[], fullScaleVolts: number, pinNames?: string[]}} adc
 * @property {{count: number, prefix: string}} pins
 * @property {number} [timerMinMs]  minimum timer period
 * @property {{perStatementUs?: number, instructionsPerSecond?: number, perStatement?: number}} [cost]  cost model:
 *   device microseconds charged per executed statement (host-sim/cost.mjs)
 * @property {number} [storageBytes]
 * @property {string} [network]  "wifi" (ESP32 Wifi module) or "espruinowifi" (the Espruino WiFi board's built-in AT driver, also require("Wifi"))
 * @property {string} [mcu]
 * @property {boolean} codeInFlash  code run from Storage keeps its function text in flash (see codeRunsFromFlash)
 */

/**
 * Loads a board profile by name ("esp32-devkitc"), by path to a JSON file, or passes an object through
 * (filling defaults).
 * @param {string | Partial<BoardProfile> | undefined} board
 * @returns {BoardProfile}
 */
export function loadBoard(board) {
  /** @type {Partial<BoardProfile>} */
  let data;
  if (board === undefined) board = DEFAULT_BOARD;
  if (typeof board === "string") {
    const file = board.endsWith(".json") ? board : join(BOARDS_DIR, board + ".json");
    if (!existsSync(file)) throw new Error("unknown board '" + board + "' (no " + file + ")");
    data = JSON.parse(readFileSync(file, "utf8"));
  } else {
    data = board;
  }
  return {
    name: data.name ?? "custom",
    board: data.board ?? "ESP32",
    version: data.version ?? "2v29",
    jsVars: data.jsVars ?? 16383,
    jsVarBytes: data.jsVarBytes ?? 14,
    sockets: data.sockets ?? 10,
    netChunkSize: data.netChunkSize ?? 536,
    adc: { bits: 12, pins: [], fullScaleVolts: 3.6, ...(data.adc ?? {}) },
    pins: { count: 40, prefix: "D", ...(data.pins ?? {}) },
    timerMinMs: data.timerMinMs ?? 0.1,
    cost: { ...(data.cost ?? {}) },
    storageBytes: data.storageBytes ?? 917504,
    network: data.network ?? "wifi",
    mcu: data.mcu ?? "ESP32",
    codeInFlash: codeRunsFromFlash(data),
  };
}
