// What the host knows about a board beyond its profile's fields, shared by the flash tool's size rule and the
// simulator's memory model.

/**
 * Whether Espruino on this board keeps the text of functions it parses from a Storage file (`.bootcde`,
 * `load(file)`) in flash: it does where Storage is memory-mapped, because the parser then gives each function a
 * NativeString pointing into the file (src/jsparse.c, jspeFunctionDefinitionInternal) instead of copying its
 * text into JsVars. ESP32 and ESP32-C3 map the js_code partition (targets/esp32/jshardware.c,
 * jshFlashGetMemMapAddress -> romdata_jscode); STM32 Storage is internal, memory-mapped flash. Measured on a
 * board with trace(): a function from flash is "Function + \xFFcod -> NativeString [1 block]" (forum.espruino.com
 * conversation 290975), and espruino.com/Performance: functions in flash run from flash unless marked "ram".
 * Code typed or uploaded to RAM over the console is always held as text. A profile may say `codeInFlash`.
 * @param {{mcu?: string, codeInFlash?: boolean}} profile
 */
export function codeRunsFromFlash(profile) {
  if (typeof profile.codeInFlash === "boolean") return profile.codeInFlash;
  return /^(ESP32|STM32)/.test(profile.mcu ?? "ESP32");
}
