// Public entry of the simulator.
export { SimDevice, DEFAULT_BUNDLE } from "./device.mjs";
export { Clock, TimerQueue } from "./clock.mjs";
export { loadBoard, DEFAULT_BOARD, BOARDS_DIR } from "./boards.mjs";
export { MISSING_GLOBALS, MISSING_MEMBERS } from "./sandbox.mjs";
export { parseRequestHead } from "./http.mjs";
export * as signals from "./signals.mjs";
export { startFleet } from "./fleet.mjs";
export { FAULTS, parseSchedule } from "./faults.mjs";
export { makeAccessPoint } from "./wifi.mjs";
export { openDeviceConsole, crc32 } from "./console/boot.mjs";
export { provisionStorage, deviceFile, ConfigError, DEVICE_FILE, SECRETS_FILE } from "./provision.mjs";
