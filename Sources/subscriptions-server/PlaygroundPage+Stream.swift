extension PlaygroundPage {
    /// The connection and the panes: one WebSocket shared by every operation (distinct ids, either
    /// protocol), one pane per operation with the arrival time of each result, a results-per-second
    /// readout over the last second and a bar chart of the last 60 seconds, a Stop button that sends
    /// `complete` (`stop` on graphql-ws), and the history of the last operations in `localStorage`.
    static let streamScript = ##"""
        const closeMeanings = {
          1000: "normal closure", 1001: "going away", 1002: "protocol error (no common subprotocol?)", 1006: "connection lost",
          1009: "message too big", 1011: "server error (connection rejected)",
          4400: "invalid message", 4401: "unauthorized (no connection_init)", 4403: "forbidden",
          4406: "subprotocol not acceptable", 4408: "connection initialisation timeout",
          4409: "subscriber already exists", 4429: "too many initialisation requests", 4500: "internal server error",
        };
        const CHART_SECONDS = 60;
        const KEPT_RESULTS = 1000;
        const HISTORY_KEY = "subscriptions-playground-history";
        const HISTORY_SIZE = 20;
        const SVG = "http://www.w3.org/2000/svg";
        let connection = null;
        const panes = [];

        function defaultURL() {
          const scheme = location.protocol === "https:" ? "wss:" : "ws:";
          return `${scheme}//${location.host || "127.0.0.1:8080"}/graphql`;
        }

        function setStatus(text, isError) {
          $("status").textContent = text;
          $("status").title = text;
          $("status").className = isError ? "error" : "";
        }

        // ---- The connection ----

        // One WebSocket and the operations running on it. Operations started before connection_ack wait
        // for it; `handlers` of an operation get next(payload), error(payload), complete() and
        // closed(text, isError) when the socket closes under it.
        class Connection {
          constructor(url, choice, initPayloadText) {
            this.key = `${url}\n${choice}\n${initPayloadText}`;
            this.operations = new Map();
            this.waiting = [];
            this.nextId = 1;
            this.acknowledged = false;
            this.closed = false;
            let initPayload = checkJSON("initPayload", "expected");
            const offered = choice === "auto" ? ["graphql-transport-ws", "graphql-ws"] : [choice];
            this.socket = new WebSocket(url, offered);
            setStatus(`Connecting to ${url} …`);
            this.socket.onopen = () => {
              this.protocol = this.socket.protocol;
              setStatus(`Connected (${this.protocol || "no subprotocol"}), initialising …`);
              this.send(initPayload === undefined ? { type: "connection_init" } : { type: "connection_init", payload: initPayload });
            };
            this.socket.onmessage = (event) => this.receive(event.data);
            this.socket.onclose = (event) => this.onClose(event);
            this.socket.onerror = () => {
              if (!this.closed) setStatus("WebSocket error (is the server running? does it speak the chosen protocol?)", true);
            };
          }

          get isUsable() { return !this.closed && this.socket.readyState <= WebSocket.OPEN; }

          send(message) { this.socket.send(JSON.stringify(message)); }

          // The page's status line: the protocol and how many operations run on it.
          report() {
            if (!this.acknowledged || this.closed || connection !== this) return;
            const count = this.operations.size;
            setStatus(`Connected (${this.protocol}): ${count} operation${count === 1 ? "" : "s"} running`);
          }

          // Starts an operation and returns its id.
          start(payload, handlers) {
            const id = String(this.nextId++);
            this.operations.set(id, handlers);
            if (this.acknowledged) this.subscribe(id, payload);
            else this.waiting.push([id, payload]);
            this.report();
            return id;
          }

          subscribe(id, payload) {
            if (!this.operations.has(id)) return;
            this.send({ id, type: this.protocol === "graphql-ws" ? "start" : "subscribe", payload });
          }

          // Stops an operation; nothing more of it is shown, even frames already on their way.
          stop(id) {
            if (!this.operations.delete(id)) return;
            if (this.acknowledged && this.socket.readyState === WebSocket.OPEN) {
              this.send({ id, type: this.protocol === "graphql-ws" ? "stop" : "complete" });
            }
            this.report();
          }

          // Closes the socket from this side (new settings); its operations end with `reason`.
          close(reason) {
            if (this.closed) return;
            this.closed = true;
            if (this.socket.readyState === WebSocket.OPEN && this.protocol === "graphql-ws") this.send({ type: "connection_terminate" });
            this.socket.close(1000);
            this.endAll(reason, false);
          }

          endAll(text, isError) {
            const operations = [...this.operations.values()];
            this.operations.clear();
            for (const handlers of operations) handlers.closed(text, isError);
          }

          receive(data) {
            if (this.closed) return;
            let message;
            try { message = JSON.parse(data); } catch { setStatus(`Unparsable frame: ${data}`, true); return; }
            const handlers = message.id !== undefined ? this.operations.get(message.id) : undefined;
            switch (message.type) {
              case "connection_ack":
                this.acknowledged = true;
                for (const [id, payload] of this.waiting.splice(0)) this.subscribe(id, payload);
                this.report();
                break;
              case "ping":
                this.send(message.payload === undefined ? { type: "pong" } : { type: "pong", payload: message.payload });
                break;
              case "ka": case "pong":
                break;
              case "next": case "data":
                if (handlers) handlers.next(message.payload);
                break;
              case "error":
                if (handlers) { this.operations.delete(message.id); handlers.error(message.payload); this.report(); }
                break;
              case "complete":
                if (handlers) { this.operations.delete(message.id); handlers.complete(); this.report(); }
                break;
              case "connection_error":
                setStatus(`Connection error: ${JSON.stringify(message.payload)}`, true);
                break;
              default:
                setStatus(`Unexpected message: ${data}`, true);
            }
          }

          onClose(event) {
            if (this.closed) return;
            this.closed = true;
            const meaning = closeMeanings[event.code] || "";
            const reason = event.reason ? ` “${event.reason}”` : "";
            const text = `Closed by server: ${event.code}${meaning ? ` (${meaning})` : ""}${reason}`;
            const isError = event.code !== 1000;
            setStatus(text, isError);
            this.endAll(text, isError || this.operations.size > 0);
          }
        }

        // The connection for the current URL, protocol and init payload: the open one when those did not
        // change, else a new one (the old one is closed). Throws when the init payload is not JSON.
        function ensureConnection() {
          const url = $("url").value;
          const choice = $("protocol").value;
          const initPayloadText = $("initPayload").value.trim();
          const key = `${url}\n${choice}\n${initPayloadText}`;
          if (connection && connection.isUsable && connection.key === key) return connection;
          if (connection) connection.close("Connection closed: the URL, protocol or init payload changed");
          connection = new Connection(url, choice, initPayloadText);
          document.body.dataset.connections = String(Number(document.body.dataset.connections || 0) + 1);
          if (!schema) {
            // Every new connection tries the schema again until it is known.
            queueMicrotask(loadSchemaIfMissing);
          }
          return connection;
        }

        function loadSchemaIfMissing() { if (!schema && !schemaRequested) { schemaRequested = true; loadSchema(); } }
        let schemaRequested = false;

        // ---- Panes ----

        let paneCount = 0;

        function timeOfDay(date) {
          const pad = (number, width) => String(number).padStart(width, "0");
          return `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}.${pad(date.getMilliseconds(), 3)}`;
        }

        // One operation's pane: its results with arrival times, status, rate and chart, and Stop.
        class Pane {
          constructor(query, variables) {
            this.number = ++paneCount;
            this.count = 0;
            this.errors = 0;
            this.running = true;
            this.recent = [];              // arrival times (ms) within the last second
            this.buckets = new Map();      // second → results that arrived in it
            this.lastArrival = null;
            const element = document.createElement("article");
            element.className = "op-pane running";
            element.id = `pane-${this.number}`;
            element.innerHTML = `<header class="op-head"><span class="op-title"></span><span class="op-status">Starting …</span>
              <span class="op-rate" data-rate="0" title="Results in the last second">0 results/s</span><span class="op-count">0 results</span>
              <button class="op-stop">Stop</button><button class="op-close" title="Remove this pane">×</button></header>`;
            element.querySelector(".op-title").textContent = query.replace(/\s+/g, " ").trim();
            element.querySelector(".op-title").title = query;
            this.chart = document.createElementNS(SVG, "svg");
            this.chart.setAttribute("class", "op-chart");
            this.chart.setAttribute("viewBox", `0 0 ${CHART_SECONDS * 5} 40`);
            this.chart.setAttribute("preserveAspectRatio", "none");
            this.chart.setAttribute("role", "img");
            this.chart.setAttribute("aria-label", "Results per second over the last minute");
            this.bars = [];
            for (let slot = 0; slot < CHART_SECONDS; slot += 1) {
              const bar = document.createElementNS(SVG, "rect");
              bar.setAttribute("class", "bar");
              bar.setAttribute("x", String(slot * 5));
              bar.setAttribute("width", "4");
              bar.setAttribute("y", "40");
              bar.setAttribute("height", "0");
              bar.dataset.value = "0";
              this.chart.appendChild(bar);
              this.bars.push(bar);
            }
            this.chartTitle = document.createElementNS(SVG, "title");
            this.chart.appendChild(this.chartTitle);
            this.list = document.createElement("ol");
            this.list.className = "op-results";
            element.append(this.chart, this.list);
            this.element = element;
            element.querySelector(".op-stop").onclick = () => this.stop();
            element.querySelector(".op-close").onclick = () => this.remove();
            $("panes").prepend(element);
            panes.push(this);
            this.start(query, variables);
          }

          start(query, variables) {
            let target;
            try {
              target = ensureConnection();
            } catch (error) {
              this.add(error.message, "error");
              this.finish(error.message, true);
              return;
            }
            this.connection = target;
            const payload = { query };
            if (variables !== undefined) payload.variables = variables;
            this.id = target.start(payload, {
              next: (result) => this.result(result),
              error: (errors) => {
                this.add(`Error: ${JSON.stringify(errors)}`, "error");
                this.finish("Operation failed", true);
              },
              complete: () => {
                this.add(`Complete after ${this.count} result(s)`, "info");
                this.finish(`Completed (${this.count} result(s))`);
              },
              closed: (text, isError) => {
                this.add(text, isError ? "error" : "info");
                this.finish(text, isError);
              },
            });
            this.element.dataset.opId = this.id;
            this.setStatus(`Running (operation ${this.id})`);
          }

          setStatus(text) {
            this.element.querySelector(".op-status").textContent = text;
          }

          // Appends a line: a result or a message, with the time it arrived.
          add(text, kind) {
            const now = new Date();
            const item = document.createElement("li");
            if (kind) item.className = kind;
            const arrival = document.createElement("time");
            arrival.className = "arrival";
            arrival.dateTime = now.toISOString();
            arrival.textContent = timeOfDay(now);
            const body = document.createElement("span");
            body.className = "body";
            body.textContent = text;
            item.append(arrival, body);
            if (kind.startsWith("result") && this.lastArrival !== null) {
              const delta = document.createElement("span");
              delta.className = "delta";
              delta.textContent = `+${now - this.lastArrival} ms`;
              item.insertBefore(delta, body);
            }
            const list = this.list;
            const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 30;
            list.appendChild(item);
            while (list.children.length > KEPT_RESULTS) list.firstElementChild.remove();
            if (atBottom) list.scrollTop = list.scrollHeight;
            return now;
          }

          result(payload) {
            if (!this.running) return;
            this.count += 1;
            const hasErrors = Boolean(payload && payload.errors);
            if (hasErrors) this.errors += 1;
            const now = this.add(JSON.stringify(payload), hasErrors ? "result error" : "result");
            this.lastArrival = now;
            const time = now.getTime();
            this.recent.push(time);
            const second = Math.floor(time / 1000);
            this.buckets.set(second, (this.buckets.get(second) || 0) + 1);
            this.element.querySelector(".op-count").textContent = `${this.count} result${this.count === 1 ? "" : "s"}`;
          }

          // Results in the last second (the readout), dropping older arrival times.
          rate(now) {
            while (this.recent.length && this.recent[0] <= now - 1000) this.recent.shift();
            return this.recent.length;
          }

          // Refreshes the readout and the chart of the last minute (the current second last).
          tick(now) {
            const rate = this.rate(now);
            const readout = this.element.querySelector(".op-rate");
            readout.textContent = `${rate} results/s`;
            readout.dataset.rate = String(rate);
            const current = Math.floor(now / 1000);
            for (const second of this.buckets.keys()) if (second <= current - CHART_SECONDS) this.buckets.delete(second);
            let highest = 1;
            for (const value of this.buckets.values()) highest = Math.max(highest, value);
            this.bars.forEach((bar, slot) => {
              const value = this.buckets.get(current - (CHART_SECONDS - 1 - slot)) || 0;
              const height = Math.round((value / highest) * 38 * 10) / 10;
              bar.setAttribute("height", String(height));
              bar.setAttribute("y", String(40 - height));
              bar.dataset.value = String(value);
            });
            this.chartTitle.textContent = `Results per second over the last minute (peak ${highest})`;
            return rate;
          }

          stop() {
            if (!this.running) return;
            if (this.connection) this.connection.stop(this.id);
            this.add(`Stopped after ${this.count} result(s)`, "info");
            this.finish(`Stopped (${this.count} result(s))`);
          }

          finish(text, isError) {
            this.running = false;
            this.element.classList.remove("running");
            if (isError) this.element.classList.add("failed");
            this.element.querySelector(".op-stop").disabled = true;
            this.setStatus(text);
          }

          remove() {
            this.stop();
            this.element.remove();
            panes.splice(panes.indexOf(this), 1);
          }
        }

        // The readouts: each pane's and the total, about four times a second.
        setInterval(() => {
          const now = Date.now();
          let total = 0;
          for (const pane of panes) total += pane.tick(now);
          $("rate").textContent = `${total} results/s`;
          $("rate").dataset.rate = String(total);
        }, 250);

        // ---- Running ----

        function run() {
          let variables;
          try {
            variables = checkJSON("variables", "required");
            checkJSON("initPayload", "expected");
          } catch (error) {
            setStatus(error.message, true);
            return;
          }
          const query = $("query").value;
          remember(query, $("variables").value);
          new Pane(query, variables);
        }

        function stopAll() {
          for (const pane of panes) pane.stop();
        }

        function shareLink() {
          const params = new URLSearchParams({ query: $("query").value, variables: $("variables").value, protocol: $("protocol").value, run: "1" });
          if ($("initPayload").value.trim() && $("initPayload").value.trim() !== "{}") params.set("initPayload", $("initPayload").value);
          const link = `${location.origin}${location.pathname}?${params}`;
          history.replaceState(null, "", `?${params}`);
          if (navigator.clipboard) navigator.clipboard.writeText(link).catch(() => {});
          setStatus(`Link: ${link}`);
        }

        // ---- History (localStorage) ----

        function loadHistory() {
          try {
            const entries = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
            return Array.isArray(entries) ? entries.filter((entry) => entry && typeof entry.query === "string") : [];
          } catch {
            return [];
          }
        }

        function remember(query, variables) {
          const entries = loadHistory().filter((entry) => entry.query !== query || entry.variables !== variables);
          entries.unshift({ query, variables, at: new Date().toISOString() });
          try { localStorage.setItem(HISTORY_KEY, JSON.stringify(entries.slice(0, HISTORY_SIZE))); } catch { /* storage full or off */ }
          renderHistory();
        }

        function renderHistory() {
          const list = $("history");
          list.textContent = "";
          for (const entry of loadHistory()) {
            const item = document.createElement("li");
            item.className = "history-item";
            item.textContent = entry.query.replace(/\s+/g, " ").trim();
            item.title = `${entry.at || ""}\n${entry.query}\nvariables: ${entry.variables || ""}`;
            item.onclick = () => {
              $("query").value = entry.query;
              $("variables").value = entry.variables || "";
              highlight();
              checkJSONQuietly("variables", "required");
              setStatus("Restored from the history");
            };
            list.appendChild(item);
          }
        }

        // ---- Start ----

        const params = new URLSearchParams(location.search);
        $("url").value = params.get("url") || defaultURL();
        for (const field of ["query", "variables", "initPayload"]) {
          if (params.has(field)) $(field).value = params.get(field);
        }
        if (params.has("protocol")) $("protocol").value = params.get("protocol");
        const editor = $("query");
        editor.addEventListener("input", onEditorInput);
        editor.addEventListener("keydown", onEditorKey);
        editor.addEventListener("scroll", () => { syncScroll(); if (completion.open) updateCompletions(true); });
        editor.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== editor) closeCompletions(); }, 150));
        editor.addEventListener("click", closeCompletions);
        $("variables").addEventListener("input", () => checkJSONQuietly("variables", "required"));
        $("initPayload").addEventListener("input", () => checkJSONQuietly("initPayload", "expected"));
        $("schema-filter").addEventListener("input", () => { if (schema) renderSchema(); });
        $("schema-reload").onclick = () => { schema = null; schemaRequested = true; loadSchema(); };
        $("history-clear").onclick = () => { localStorage.removeItem(HISTORY_KEY); renderHistory(); };
        $("run").onclick = run;
        $("stop-all").onclick = stopAll;
        $("share").onclick = shareLink;
        highlight();
        checkJSONQuietly("variables", "required");
        checkJSONQuietly("initPayload", "expected");
        renderHistory();
        if (params.get("run") === "1") run();
        loadSchemaIfMissing();

        """##
}
