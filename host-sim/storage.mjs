// require("Storage"): an in-memory flash file system per device. Contents are byte strings (one char per
// byte, as on ESP32). Seeded files are written before the bundle runs.
// Matched against Espruino's src/jsflash.c.
// Details: docs/simulator.md "host-sim/storage.mjs".
/** @typedef {import("./sandbox.mjs").Realm} Realm */

export const MAX_NAME = 28;

/**
 * Converts a JS string to Espruino's byte-string view: characters above 0xFF become their UTF-8 bytes.
 * @param {string} s
 */
export function toByteString(s) {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\xff]/.test(s) ? Buffer.from(s, "utf8").toString("latin1") : s;
}

export class SimStorage {
  /** @param {{capacity?: number}} [opts] */
  constructor(opts) {
    /** @type {Map<string, string>} */
    this.files = new Map();
    this.capacity = opts?.capacity ?? 917504;
  }

  /**
   * Host-side seeding: strings are stored as is, anything else as JSON text.
   * @param {Record<string, unknown>} files
   */
  seed(files) {
    for (const name of Object.keys(files)) {
      const v = files[name];
      this.writeFile(name, typeof v === "string" ? v : JSON.stringify(v));
    }
  }

  /**
   * Host-side write; throws when the file does not fit.
   * @param {string} name @param {string} data
   */
  writeFile(name, data) {
    const n = checkName(name);
    const d = toByteString(data);
    this.ensureRoom(n, d.length);
    this.files.set(n, d);
  }

  /**
   * Throws Espruino's error unless a file `name` of `size` bytes fits (replacing any file of that name).
   * @param {string} name @param {number} size
   */
  ensureRoom(name, size) {
    const old = this.files.get(name);
    const used = this.used() - (old === undefined ? 0 : fileCost(old.length));
    if (used + fileCost(size) > this.capacity) throw new Error("Unable to find or create file");
  }

  /** @param {string} name */
  readFile(name) {
    return this.files.get(name);
  }

  used() {
    let n = 0;
    for (const v of this.files.values()) n += fileCost(v.length);
    return n;
  }
}

/** Flash bytes of a file with `size` data bytes: 32-byte header + data aligned to 4. @param {number} size */
export function fileCost(size) {
  return 32 + ((size + 3) & ~3);
}

/** @param {unknown} name */
function storageName(name) {
  return String(name);
}

/** @param {unknown} name */
function checkName(name) {
  const n = storageName(name);
  if (!n.length) throw new Error("Invalid Storage name");
  if (n.length > MAX_NAME) throw new Error("File name too long");
  return n;
}

/**
 * The object device code gets from require("Storage").
 * @param {SimStorage} st
 * @param {Realm} realm
 */
export function createStorageModule(st, realm) {
  /** @param {() => unknown} f */
  const guarded = (f) => {
    try {
      return f();
    } catch (e) {
      throw realm.error(e instanceof Error ? e.message : String(e));
    }
  };
  const mod = realm.obj();
  mod.read = function (/** @type {string} */ name, /** @type {number=} */ offset, /** @type {number=} */ length) {
    const f = st.files.get(storageName(name));
    if (f === undefined) return undefined;
    const o = offset ? offset | 0 : 0;
    return length ? f.substring(o, o + (length | 0)) : f.substring(o);
  };
  mod.readJSON = function (/** @type {string} */ name, /** @type {boolean=} */ noExceptions) {
    const f = st.files.get(storageName(name));
    if (f === undefined) return undefined;
    try {
      return realm.parseJSON(f);
    } catch (e) {
      if (noExceptions) return undefined;
      throw realm.error("JSON parse error: " + (e instanceof Error ? e.message : String(e)));
    }
  };
  mod.readArrayBuffer = function (/** @type {string} */ name) {
    const f = st.files.get(storageName(name));
    if (f === undefined) return undefined;
    const ab = new (/** @type {any} */ (realm.context).ArrayBuffer)(f.length);
    const u8 = new (/** @type {any} */ (realm.context).Uint8Array)(ab);
    for (let i = 0; i < f.length; i++) u8[i] = f.charCodeAt(i) & 255;
    return ab;
  };
  /**
   * write(name, data, offset, size): without offset the file is replaced; with offset 0 (or on a new file) a
   * file of max(size, data) bytes (erased flash, 0xFF) replaces any old one and data is written at offset.
   */
  mod.write = function (/** @type {string} */ name, /** @type {unknown} */ data, /** @type {number=} */ offset, /** @type {number=} */ size) {
    return guarded(() => {
      const n = checkName(name);
      const d = toByteString(typeof data === "string" ? data : String(data));
      if (offset === undefined) {
        st.ensureRoom(n, d.length);
        st.files.set(n, d);
        return true;
      }
      let f = st.files.get(n);
      // Offset 0 starts a new file, replacing any existing one (jsflash.c jsfWriteFile: "offset==0" erases the
      // old file and allocates `size` bytes), so a re-provisioned file of another size is written cleanly.
      if (f === undefined || (offset | 0) === 0) {
        const len = Math.max(size ?? 0, (offset | 0) + d.length);
        st.files.delete(n);
        st.ensureRoom(n, len);
        f = "\xff".repeat(len);
      }
      const o = offset | 0;
      if (o + d.length > f.length) throw new Error("Too much data for file size");
      st.files.set(n, f.substring(0, o) + d + f.substring(o + d.length));
      return true;
    });
  };
  mod.writeJSON = function (/** @type {string} */ name, /** @type {unknown} */ data) {
    return mod.write(name, realm.stringifyJSON(data));
  };
  mod.list = function (/** @type {unknown} */ regex) {
    const names = [...st.files.keys()];
    const re = regex && typeof (/** @type {any} */ (regex).test) === "function" ? /** @type {RegExp} */ (regex) : undefined;
    return realm.arr(re ? names.filter((n) => re.test(n)) : names);
  };
  mod.erase = function (/** @type {string} */ name) {
    st.files.delete(storageName(name));
  };
  mod.eraseAll = function () {
    st.files.clear();
  };
  mod.getFree = function () {
    return Math.max(0, st.capacity - st.used());
  };
  mod.compact = function () {};
  return mod;
}
