/// The playground page served at `/`: one self-contained HTML file (no external resources) that runs
/// an operation over the browser's own WebSocket with either protocol and shows results as they arrive.
///
/// The URL can carry the operation: `?query=…&variables=…&initPayload=…&protocol=…`, and `run=1` starts it
/// on load, so a link can share a live subscription.
enum PlaygroundPage {
    static let html = ##"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>GraphQL WebSocket playground</title>
        <style>
          :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
          body { margin: 0; display: grid; grid-template-columns: minmax(320px, 1fr) minmax(320px, 1fr); height: 100vh; }
          section { display: flex; flex-direction: column; padding: 12px; gap: 8px; min-height: 0; }
          label { font-size: 12px; font-weight: 600; text-transform: uppercase; opacity: .7; }
          textarea { font-family: ui-monospace, monospace; font-size: 13px; resize: vertical; padding: 6px; }
          #query { flex: 1; min-height: 140px; }
          .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
          button { font-size: 14px; padding: 6px 14px; }
          #status { font-family: ui-monospace, monospace; font-size: 13px; }
          #status.error { color: #c62828; }
          #results { flex: 1; overflow: auto; margin: 0; padding: 0; list-style: none; font-family: ui-monospace, monospace; font-size: 13px; }
          #results li { border-bottom: 1px solid #8884; padding: 4px 0; white-space: pre-wrap; word-break: break-all; }
          #results li.error { color: #c62828; }
          #results li.info { opacity: .7; }
        </style>
        </head>
        <body>
        <section>
          <div class="row">
            <strong>GraphQL over WebSocket</strong>
            <input id="url" size="34" aria-label="Endpoint URL">
          </div>
          <label for="query">Operation</label>
          <textarea id="query" spellcheck="false">subscription { counter(n: 5, delayMs: 500) }</textarea>
          <label for="variables">Variables (JSON)</label>
          <textarea id="variables" rows="3" spellcheck="false">{}</textarea>
          <label for="initPayload">Connection init payload (JSON)</label>
          <textarea id="initPayload" rows="2" spellcheck="false">{}</textarea>
          <div class="row">
            <label for="protocol">Protocol</label>
            <select id="protocol">
              <option value="auto">auto (prefer graphql-transport-ws)</option>
              <option value="graphql-transport-ws">graphql-transport-ws</option>
              <option value="graphql-ws">graphql-ws (Apollo)</option>
            </select>
            <button id="run">Run</button>
            <button id="stop" disabled>Stop</button>
            <button id="share" title="Copy a link that runs this operation">Copy link</button>
          </div>
        </section>
        <section>
          <div id="status">Idle</div>
          <ol id="results"></ol>
        </section>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const closeMeanings = {
          1000: "normal closure", 1001: "going away", 1002: "protocol error (no common subprotocol?)", 1006: "connection lost",
          1009: "message too big", 1011: "server error (connection rejected)",
          4400: "invalid message", 4401: "unauthorized (no connection_init)", 4403: "forbidden",
          4406: "subprotocol not acceptable", 4408: "connection initialisation timeout",
          4409: "subscriber already exists", 4429: "too many initialisation requests", 4500: "internal server error",
        };
        let session = null;

        function defaultURL() {
          const scheme = location.protocol === "https:" ? "wss:" : "ws:";
          return `${scheme}//${location.host || "127.0.0.1:8080"}/graphql`;
        }

        function addResult(text, kind) {
          const item = document.createElement("li");
          item.textContent = text;
          if (kind) item.className = kind;
          $("results").appendChild(item);
          item.scrollIntoView({ block: "nearest" });
        }

        function setStatus(text, isError) {
          $("status").textContent = text;
          $("status").className = isError ? "error" : "";
        }

        function parseJSON(field) {
          const text = $(field).value.trim();
          if (!text) return undefined;
          try { return JSON.parse(text); } catch (error) { throw new Error(`${field} is not valid JSON: ${error.message}`); }
        }

        function finish(message, isError) {
          $("run").disabled = false;
          $("stop").disabled = true;
          setStatus(message, isError);
          session = null;
        }

        function run() {
          if (session) stop();
          $("results").textContent = "";
          let variables, initPayload;
          try {
            variables = parseJSON("variables");
            initPayload = parseJSON("initPayload");
          } catch (error) {
            setStatus(error.message, true);
            return;
          }
          const choice = $("protocol").value;
          const offered = choice === "auto" ? ["graphql-transport-ws", "graphql-ws"] : [choice];
          const socket = new WebSocket($("url").value, offered);
          const current = { socket, done: false, count: 0 };
          session = current;
          $("run").disabled = true;
          $("stop").disabled = false;
          setStatus(`Connecting to ${$("url").value} …`);
          const payload = { query: $("query").value };
          if (variables !== undefined) payload.variables = variables;

          socket.onopen = () => {
            current.protocol = socket.protocol;
            setStatus(`Connected (${socket.protocol || "no subprotocol"}), initialising …`);
            socket.send(JSON.stringify(initPayload === undefined ? { type: "connection_init" } : { type: "connection_init", payload: initPayload }));
            if (socket.protocol === "graphql-ws") {
              socket.send(JSON.stringify({ id: "1", type: "start", payload }));
            }
          };
          socket.onmessage = (event) => {
            if (session !== current) return;
            let message;
            try { message = JSON.parse(event.data); } catch { addResult(`Unparsable frame: ${event.data}`, "error"); return; }
            switch (message.type) {
              case "connection_ack":
                setStatus(`Running (${current.protocol})`);
                if (current.protocol === "graphql-transport-ws") {
                  socket.send(JSON.stringify({ id: "1", type: "subscribe", payload }));
                }
                break;
              case "ping":
                socket.send(JSON.stringify(message.payload === undefined ? { type: "pong" } : { type: "pong", payload: message.payload }));
                break;
              case "ka": case "pong":
                break;
              case "next": case "data":
                current.count += 1;
                addResult(JSON.stringify(message.payload), message.payload && message.payload.errors ? "error" : "");
                break;
              case "error":
                current.done = true;
                addResult(`Error: ${JSON.stringify(message.payload)}`, "error");
                socket.close(1000);
                finish("Operation failed", true);
                break;
              case "connection_error":
                addResult(`Connection error: ${JSON.stringify(message.payload)}`, "error");
                break;
              case "complete":
                current.done = true;
                addResult(`Complete after ${current.count} result(s)`, "info");
                if (current.protocol === "graphql-ws") socket.send(JSON.stringify({ type: "connection_terminate" }));
                socket.close(1000);
                finish(`Completed (${current.count} result(s))`);
                break;
              default:
                addResult(`Unexpected message: ${event.data}`, "error");
            }
          };
          socket.onclose = (event) => {
            if (session !== current) return;
            const meaning = closeMeanings[event.code] || "";
            const reason = event.reason ? ` “${event.reason}”` : "";
            const text = `Closed by server: ${event.code}${meaning ? ` (${meaning})` : ""}${reason}`;
            addResult(text, current.done ? "info" : "error");
            finish(text, !current.done);
          };
          socket.onerror = () => {
            if (session === current) setStatus("WebSocket error (is the server running? does it speak the chosen protocol?)", true);
          };
        }

        function stop() {
          const current = session;
          if (!current) return;
          current.done = true;
          const socket = current.socket;
          if (socket.readyState === WebSocket.OPEN) {
            if (current.protocol === "graphql-ws") {
              socket.send(JSON.stringify({ id: "1", type: "stop" }));
              socket.send(JSON.stringify({ type: "connection_terminate" }));
            } else {
              socket.send(JSON.stringify({ id: "1", type: "complete" }));
            }
          }
          socket.close(1000);
          addResult(`Stopped after ${current.count} result(s)`, "info");
          finish(`Stopped (${current.count} result(s))`);
        }

        function shareLink() {
          const params = new URLSearchParams({ query: $("query").value, variables: $("variables").value, protocol: $("protocol").value, run: "1" });
          if ($("initPayload").value.trim() && $("initPayload").value.trim() !== "{}") params.set("initPayload", $("initPayload").value);
          const link = `${location.origin}${location.pathname}?${params}`;
          history.replaceState(null, "", `?${params}`);
          if (navigator.clipboard) navigator.clipboard.writeText(link).catch(() => {});
          setStatus(`Link: ${link}`);
        }

        const params = new URLSearchParams(location.search);
        $("url").value = params.get("url") || defaultURL();
        for (const field of ["query", "variables", "initPayload"]) {
          if (params.has(field)) $(field).value = params.get(field);
        }
        if (params.has("protocol")) $("protocol").value = params.get("protocol");
        $("run").onclick = run;
        $("stop").onclick = stop;
        $("share").onclick = shareLink;
        if (params.get("run") === "1") run();
        </script>
        </body>
        </html>
        """##
}
