// Boot entry of the firmware bundle: builds the registry and serves it on GET /metrics, streamed one
// family per `drain` event with chunked encoding (never the whole body as one string).
import { BUILD_VERSION } from "./build-info";
import { boardName, listenHttp, log, now, readStorageJson } from "./platform";
import { Registry } from "./metrics/registry";
import { Cursor } from "./exposition/cursor";
import { contentType, negotiate } from "./exposition/format";

var DEFAULT_PORT = 80;

/** A response being streamed: the cursor is the per-request state (no closure per request). */
interface MetricsResponse extends EspHttpResponse {
  cur?: Cursor | null;
}

var registry = new Registry({ clock: now });
registry
  .gauge({
    name: "espruino_build_info",
    help: "Firmware build and board; the value is always 1.",
    labelNames: ["version", "board"],
  })
  .labels([BUILD_VERSION, boardName()])
  .set(1);
var scrapes = registry.counter({ name: "espruino_scrapes_total", help: "Requests for /metrics answered since boot." });

function configuredPort(): number {
  var cfg = readStorageJson("telemetry.config.json") as { port?: number } | undefined;
  if (cfg && typeof cfg.port === "number" && cfg.port > 0 && cfg.port < 65536) return cfg.port;
  return DEFAULT_PORT;
}

/** Header value by case-insensitive name (Espruino keeps the client's spelling). */
function header(req: EspHttpRequest, name: string): string | undefined {
  var h = req.headers;
  for (var k in h) if (k.toLowerCase() === name) return h[k];
  return undefined;
}

/** `drain` listener shared by all responses: writes the next family, or ends the response. */
function onDrain(this: MetricsResponse): void {
  var c = this.cur;
  if (c && !c.next(this)) {
    this.cur = null;
    this.end();
  }
}

function onRequest(req: EspHttpRequest, res: MetricsResponse): void {
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
  scrapes.inc();
  var fmt = negotiate(header(req, "accept"));
  res.writeHead(200, { "Content-Type": contentType(fmt), "Transfer-Encoding": "chunked" });
  res.cur = new Cursor().open(registry, fmt);
  res.on("drain", onDrain);
  onDrain.call(res);
}

var port = configuredPort();
listenHttp(port, onRequest);
log("espruino-telemetry " + BUILD_VERSION + " listening on port " + port);
