// Boot entry of the firmware bundle. Foundation stage: one counter served on GET /metrics.
import { BUILD_VERSION } from "./build-info";
import { listenHttp, log, readStorageJson } from "./platform";

var CONTENT_TYPE_TEXT = "text/plain; version=0.0.4; charset=utf-8";
var DEFAULT_PORT = 80;

var scrapes = 0;

function configuredPort(): number {
  var cfg = readStorageJson("telemetry.config.json") as { port?: number } | undefined;
  if (cfg && typeof cfg.port === "number" && cfg.port > 0 && cfg.port < 65536) return cfg.port;
  return DEFAULT_PORT;
}

function onRequest(req: EspHttpRequest, res: EspHttpResponse): void {
  var path = req.url;
  var q = path.indexOf("?");
  if (q >= 0) path = path.substring(0, q);
  if (path !== "/metrics") {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("not found\n");
    return;
  }
  if (req.method !== "GET") {
    res.writeHead(405, { "Content-Type": "text/plain; charset=utf-8", Allow: "GET" });
    res.end("method not allowed\n");
    return;
  }
  scrapes++;
  res.writeHead(200, { "Content-Type": CONTENT_TYPE_TEXT, "Transfer-Encoding": "chunked" });
  res.write(
    "# HELP espruino_build_info Firmware build; the value is always 1.\n" +
      "# TYPE espruino_build_info gauge\n" +
      'espruino_build_info{version="' + BUILD_VERSION + '"} 1\n'
  );
  res.end(
    "# HELP espruino_scrapes_total Requests for /metrics answered since boot.\n" +
      "# TYPE espruino_scrapes_total counter\n" +
      "espruino_scrapes_total " + scrapes + "\n"
  );
}

var port = configuredPort();
listenHttp(port, onRequest);
log("espruino-telemetry " + BUILD_VERSION + " listening on port " + port);
