// Host-side jobs at device times (ms on the device's timer clock): Wi-Fi events, fault schedules, the
// watchdog. Not visible to device code (clearTimeout() cannot clear them) and kept across reboots; jobs
// that belong to one boot of the device check the device's boot generation themselves.
export class Agenda {
  constructor() {
    /** @type {{at: number, seq: number, fn: () => void}[]} */
    this.jobs = [];
    this.seq = 0;
  }

  /**
   * @param {number} at device ms
   * @param {() => void} fn
   */
  add(at, fn) {
    this.jobs.push({ at, seq: this.seq++, fn });
  }

  /** Earliest job time, or Infinity. */
  nextDue() {
    let min = Infinity;
    for (const j of this.jobs) if (j.at < min) min = j.at;
    return min;
  }

  /**
   * Runs every job due at `now` (in time order; jobs they add for `now` run too, bounded).
   * @param {number} now
   * @returns {number} jobs run
   */
  run(now) {
    let n = 0;
    for (let round = 0; round < 1000; round++) {
      const due = this.jobs.filter((j) => j.at <= now);
      if (!due.length) break;
      this.jobs = this.jobs.filter((j) => j.at > now);
      due.sort((a, b) => a.at - b.at || a.seq - b.seq);
      for (const j of due) {
        n++;
        j.fn();
      }
    }
    return n;
  }

  clear() {
    this.jobs.length = 0;
  }
}
