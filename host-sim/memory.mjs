// process.memory(): PLACEHOLDER numbers from the board's JsVar budget. The next issue replaces this with a
// real JsVar accounting model (the snapshot() shape stays: Espruino's field names).
export class MemoryModel {
  /** @param {{jsVars: number, jsVarBytes?: number}} board @param {number} codeChars */
  constructor(board, codeChars) {
    this.total = board.jsVars;
    this.blocksize = board.jsVarBytes ?? 14;
    // Rough: code is stored as text, ~10 chars per JsVar, plus the interpreter's root objects.
    this.base = 150;
    this.code = Math.ceil(codeChars / 10);
  }

  /** @param {boolean} gc */
  snapshot(gc) {
    const usage = Math.min(this.total, this.base + this.code);
    return { free: this.total - usage, usage, total: this.total, history: 0, gc: gc ? 0 : 0, gctime: 0, blocksize: this.blocksize };
  }
}
