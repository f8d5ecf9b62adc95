// Stand-in for what only a board has, written to Storage as `.boot0` (Espruino runs it before `.bootcde`):
// process.env.BOARD of the profile, analogRead returning a deterministic signal, ESP32.setAtten, the Wifi module.
// Shaped like the board's API; its own JsVars are measured by booting it alone (boot.mjs standInJsVars).

/**
 * The raw 12-bit code the stand-in's analogRead returns for `pin` on its `k`-th read (k from 0).
 * Tests compute expected counts, sums and buckets from it; the firmware sees code / 4096.
 * @param {string} pin @param {number} k
 */
export function standInCode(pin, k) {
  return (k * 37 + 7 * pinNumber(pin)) % 4096;
}

/** @param {string} pin e.g. "D32" -> 32, "A5" -> 5, "B1" -> 1 */
export function pinNumber(pin) {
  return parseInt(pin.replace(/^[A-Z]+/, ""), 10) || 0;
}

/**
 * `.boot0` for a board (process.env.BOARD) and its network kind ("wifi": ESP32's module with getDetails;
 * "espruinowifi": the AT driver without it). `global.__standIn.reads[pin]` counts analogRead calls.
 * `trackWrites` (bench only): every write() on a socket of a require("net") server (the firmware's HTTP server)
 * records the JsVars in use right after it in
 * `global.__standIn.writePeak` — the moment a piece is alive both as the argument and in the send buffer, which
 * the interpreter's 0.5 ms high-water thread can miss.
 * `steppableClock`: setTime() steps getTime() and leaves the timers alone, as on a board. The Linux build cannot
 * do that (measured on 2v29: its jshSetSystemTime is empty, so getTime() does not move, and setTime() resets the
 * idle loop's reference time, pushing every JavaScript timer back by the step); the stand-in keeps an offset.
 * @param {{ board: string, network?: string, trackWrites?: boolean, steppableClock?: boolean }} o
 */
export function standInSource(o) {
  const esp32 = /^ESP32/.test(o.board);
  return (
    "(function(){" +
    // process.env is rebuilt on every read; an own property shadows it (the board reports its own name)
    // and lists its built-in modules as the board's firmware does (the stock CLI then does not look for them)
    "var env=process.env;env.BOARD=" + JSON.stringify(o.board) + ";env.MODULES+=',Wifi" + (esp32 ? ",ESP32" : "") + "';" +
    // only the ESP32 builds have the Telnet console among the profiles (upstream boards/*.py: TELNET)
    (esp32 ? "" : "env.MODULES=env.MODULES.replace(',TelnetServer','');") +
    "process.env=env;" +
    // a few statements per read (its cost is subtracted in the bench): the pin's offset is computed once
    "var reads={},off={};global.__standIn={reads:reads};" +
    "global.analogRead=function(pin){var k=reads[pin]|0,o=off[pin];reads[pin]=k+1;" +
    "if(o===undefined)o=off[pin]=7*(parseInt(String(pin).replace(/^[A-Z]+/,''),10)||0);" +
    "return ((k*37+o)%4096)/4096;};" +
    (esp32 ? "global.ESP32={setAtten:function(pin,mv){}};" : "") +
    'Modules.addCached("Wifi",function(){var ev={};' +
    "exports.on=function(n,f){ev[n]=f;};exports.removeListener=function(n,f){if(ev[n]===f)delete ev[n];};" +
    "exports.connect=function(ssid,opt,cb){setTimeout(function(){if(cb)cb(null);if(ev.connected)ev.connected({ip:'127.0.0.1'});},20);};" +
    "exports.setHostname=function(n,cb){if(cb)cb();};" +
    (o.network === "espruinowifi" ? "" : "exports.getDetails=function(cb){var d={status:'connected',rssi:-55};if(cb)cb(d);return d;};") +
    "});" +
    // (its offset is not `off`, the ADC's pin offsets above: sharing the name made every analogRead throw)
    (o.steppableClock ? "var clk=getTime,step=0;global.getTime=function(){return clk()+step;};global.setTime=function(t){step=t-clk();};" : "") +
    (o.trackWrites
      ? "var st=global.__standIn;st.writePeak=0;var N=require('net'),cs=N.createServer;" +
        "N.createServer=function(h){return cs.call(N,function(sock){var w=sock.write;" +
        "sock.write=function(d){var r=w.call(sock,d),u=process.memory(false).usage;if(u>st.writePeak)st.writePeak=u;return r;};" +
        "h(sock);});};"
      : "") +
    "})();\n"
  );
}
