/// The playground page served at `/`: one self-contained HTML file (no external resources, no editor
/// library: the highlighter, completion and chart are the page's own few hundred lines of JavaScript),
/// so it works without any network beyond the server.
///
/// The page opens one WebSocket (graphql-transport-ws preferred, graphql-ws on request) and runs
/// everything over it: the introspection query that fills the schema panel, and any number of
/// operations at once, each in its own pane with arrival times, a results-per-second readout, a chart
/// of the last minute and its own Stop button. The last operations run are kept in the browser's
/// `localStorage`.
///
/// The URL can carry the operation: `?query=…&variables=…&initPayload=…&protocol=…`, and `run=1` starts it
/// on load, so a link can share a live subscription.
enum PlaygroundPage {
    /// The whole page.
    static let html = head + "<script>\n\"use strict\";\n" + editorScript + schemaScript + streamScript + "</script>\n</body>\n</html>\n"

    /// The document up to its script: styles and markup. Elements that scripts and tests use have
    /// stable ids (`query`, `run`, `status`, `schema`, `panes`, …) and classes (`op-pane`, `op-stop`, …).
    private static let head = ##"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="icon" href="data:,">
        <title>GraphQL WebSocket playground</title>
        <style>
          :root { color-scheme: light dark; font-family: system-ui, sans-serif; --muted: #8888; --error: #c62828; --accent: #1e88e5; }
          body { margin: 0; display: grid; grid-template-columns: minmax(220px, .8fr) minmax(320px, 1.1fr) minmax(340px, 1.3fr); height: 100vh; }
          @media (max-width: 900px) { body { grid-template-columns: 1fr; height: auto; } }
          aside, section { display: flex; flex-direction: column; padding: 10px; gap: 6px; min-height: 0; overflow: auto; }
          aside { border-right: 1px solid var(--muted); font-size: 13px; }
          label, h2 { font-size: 12px; font-weight: 600; text-transform: uppercase; opacity: .7; margin: 4px 0 0; }
          textarea, input, select { font-family: ui-monospace, monospace; font-size: 13px; }
          textarea { resize: vertical; padding: 6px; }
          textarea[aria-invalid="true"] { outline: 2px solid var(--error); }
          .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
          button { font-size: 13px; padding: 4px 12px; }
          .hint { font-size: 12px; opacity: .7; }
          .json-check { font-size: 12px; font-family: ui-monospace, monospace; }
          .json-check.ok { color: #2e7d32; }
          .json-check.invalid { color: var(--error); }
          .json-check.warn { color: #ef6c00; }
          /* One line (the whole text in its tooltip), so that the panes below never move when it changes. */
          #status { font-family: ui-monospace, monospace; font-size: 13px; flex: 1 1 0; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
          #status.error { color: var(--error); }
          #rate { font-family: ui-monospace, monospace; font-size: 13px; font-weight: 600; }

          /* The editor: a transparent textarea over the highlighted copy of its text. */
          .editor { position: relative; flex: 1; min-height: 180px; border: 1px solid var(--muted); border-radius: 3px; }
          .code-layer { position: absolute; inset: 0; margin: 0; padding: 8px; border: 0; box-sizing: border-box;
            font: 13px/1.5 ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: break-word; word-break: normal;
            tab-size: 2; overflow: auto; }
          #highlight { pointer-events: none; overflow: hidden; color: CanvasText; }
          #query { background: transparent; color: transparent; caret-color: CanvasText; resize: none; outline: none; }
          #query::selection { background: #1e88e555; }
          #editor-mirror { visibility: hidden; height: auto; bottom: auto; overflow: hidden; }
          .tok-keyword { color: #8e24aa; font-weight: 600; }
          .tok-def { color: #3949ab; }
          .tok-field { color: #1565c0; }
          .tok-alias { color: #00838f; }
          .tok-arg { color: #6d4c41; }
          .tok-var { color: #ad1457; }
          .tok-string { color: #2e7d32; }
          .tok-number { color: #ef6c00; }
          .tok-const { color: #ef6c00; font-weight: 600; }
          .tok-type { color: #00897b; }
          .tok-directive { color: #5e35b1; }
          .tok-comment { opacity: .55; font-style: italic; }
          .tok-punct { opacity: .75; }
          .tok-invalid, .tok-unknown { text-decoration: underline wavy var(--error); }
          #completions { position: absolute; max-width: 100%; box-sizing: border-box; z-index: 10; margin: 0; padding: 2px 0; list-style: none; min-width: 180px; max-height: 200px;
            overflow: auto; background: Canvas; border: 1px solid var(--muted); box-shadow: 0 2px 8px #0004; font: 13px ui-monospace, monospace; }
          #completions li { padding: 2px 8px; cursor: pointer; display: flex; gap: 12px; justify-content: space-between; }
          #completions li.selected { background: var(--accent); color: white; }
          #completions .detail { opacity: .7; }

          /* Schema panel and history. */
          #schema h2 { margin-top: 10px; }
          #schema ul, #history { list-style: none; margin: 0; padding: 0; }
          .schema-field { padding: 3px 4px; border-radius: 3px; cursor: pointer; }
          .schema-field:hover, .schema-field:focus { background: #1e88e522; outline: none; }
          .schema-name { font-family: ui-monospace, monospace; font-weight: 600; color: #1565c0; }
          .schema-signature { font-family: ui-monospace, monospace; }
          .schema-desc { opacity: .7; font-size: 12px; }
          .schema-type { font-size: 12px; margin-left: 8px; }
          .schema-type summary { cursor: pointer; opacity: .8; }
          .schema-type-field { font-family: ui-monospace, monospace; padding-left: 12px; }
          #schema-status.error { color: var(--error); }
          .history-item { padding: 3px 4px; cursor: pointer; font-family: ui-monospace, monospace; font-size: 12px;
            white-space: nowrap; overflow: hidden; text-overflow: ellipsis; border-bottom: 1px solid #8882; }
          .history-item:hover { background: #1e88e522; }

          /* One pane per operation; results lists of a fixed height, so that panes do not move as results arrive. */
          #panes { display: flex; flex-direction: column; gap: 10px; min-height: 0; }
          .op-pane { border: 1px solid var(--muted); border-radius: 4px; padding: 6px; display: flex; flex-direction: column; gap: 4px; }
          .op-pane.running { border-color: var(--accent); }
          .op-head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; font-size: 13px; }
          .op-title { font-family: ui-monospace, monospace; font-weight: 600; flex: 1 1 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
          .op-status { flex: 1; }
          .op-status { font-family: ui-monospace, monospace; }
          .op-pane.failed .op-status { color: var(--error); }
          .op-rate { font-family: ui-monospace, monospace; font-weight: 600; }
          .op-chart { width: 100%; height: 40px; background: #8881; }
          .op-chart .bar { fill: var(--accent); }
          .op-results { height: 220px; resize: vertical; overflow: auto; margin: 0; padding: 0; list-style: none; font-family: ui-monospace, monospace; font-size: 12px; }
          .op-results li { border-bottom: 1px solid #8883; padding: 2px 0; display: flex; gap: 8px; }
          .op-results .arrival { opacity: .6; white-space: nowrap; }
          .op-results .body { white-space: pre-wrap; word-break: break-all; }
          .op-results li.error { color: var(--error); }
          .op-results li.info { opacity: .7; }
        </style>
        </head>
        <body>
        <aside>
          <div class="row"><h2>Schema</h2><button id="schema-reload" title="Load the schema again by introspection">Reload</button></div>
          <input id="schema-filter" type="search" placeholder="Filter fields" aria-label="Filter the schema's fields">
          <div id="schema-status">Loading the schema …</div>
          <div id="schema"></div>
          <div class="row"><h2>History</h2><button id="history-clear" title="Forget the operations kept in this browser">Clear</button></div>
          <ol id="history"></ol>
        </aside>
        <section>
          <div class="row">
            <strong>GraphQL over WebSocket</strong>
            <input id="url" size="34" aria-label="Endpoint URL">
          </div>
          <label for="query">Operation</label>
          <div class="editor" id="editor">
            <pre id="highlight" class="code-layer" aria-hidden="true"></pre>
            <textarea id="query" class="code-layer" spellcheck="false" autocomplete="off" autocapitalize="off"
              aria-autocomplete="list" aria-controls="completions">subscription { counter(n: 5, delayMs: 500) }</textarea>
            <div id="editor-mirror" class="code-layer" aria-hidden="true"></div>
            <ul id="completions" role="listbox" hidden></ul>
          </div>
          <div class="row"><label for="variables">Variables (JSON)</label><span id="variables-check" class="json-check" aria-live="polite"></span></div>
          <textarea id="variables" rows="3" spellcheck="false">{}</textarea>
          <div class="row"><label for="initPayload">Connection init payload (JSON)</label><span id="initPayload-check" class="json-check" aria-live="polite"></span></div>
          <textarea id="initPayload" rows="2" spellcheck="false">{}</textarea>
          <div class="row">
            <label for="protocol">Protocol</label>
            <select id="protocol">
              <option value="auto">auto (prefer graphql-transport-ws)</option>
              <option value="graphql-transport-ws">graphql-transport-ws</option>
              <option value="graphql-ws">graphql-ws (Apollo)</option>
            </select>
            <button id="run" title="Run in a new pane (Ctrl+Enter)">Run</button>
            <button id="stop-all" title="Stop every running operation">Stop all</button>
            <button id="share" title="Copy a link that runs this operation">Copy link</button>
          </div>
          <div class="hint">Click a field in the schema to insert an operation for it. Ctrl+Space completes field and
            argument names, Ctrl+Enter runs. Every run gets its own pane on the same connection.</div>
        </section>
        <section>
          <div class="row"><div id="status">Idle</div><span id="rate" data-rate="0" title="Results per second over the last second, all operations">0 results/s</span></div>
          <div id="panes"></div>
        </section>

        """##
}
