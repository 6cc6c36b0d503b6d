extension PlaygroundPage {
    /// The operation editor: a small GraphQL tokenizer and analyser that highlight the document
    /// (fields, arguments, variables, literals; names the schema does not have are underlined) and
    /// complete field, argument and enum names from the schema, plus the JSON checks of the variables
    /// and init payload editors. Plain JavaScript written for this page, no library.
    static let editorScript = ##"""
        const $ = (id) => document.getElementById(id);
        // The schema once introspected: { types: Map(name → __Type), query, mutation, subscription } (root type names).
        let schema = null;

        // ---- GraphQL tokens ----

        // Splits a document into tokens { kind, text, start, end }; whitespace is left out (it is what lies
        // between tokens). Kinds: name, variable, string, number, comment, punct, invalid. Never throws: an
        // unterminated string runs to the end of its line, so a document being typed still highlights.
        function tokenize(source) {
          const tokens = [];
          const length = source.length;
          const isNameChar = (c) => /[_A-Za-z0-9]/.test(c);
          let i = 0;
          while (i < length) {
            const c = source[i];
            const start = i;
            let kind;
            if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\uFEFF") { i += 1; continue; }
            if (c === "#") {
              while (i < length && source[i] !== "\n" && source[i] !== "\r") i += 1;
              kind = "comment";
            } else if (c === '"') {
              if (source.startsWith('"""', i)) {
                i += 3;
                while (i < length && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
                i = Math.min(length, i + 3);
              } else {
                i += 1;
                while (i < length && source[i] !== '"' && source[i] !== "\n") i += source[i] === "\\" ? 2 : 1;
                if (source[i] === '"') i += 1;
                i = Math.min(i, length);
              }
              kind = "string";
            } else if (c === "$") {
              i += 1;
              while (i < length && isNameChar(source[i])) i += 1;
              kind = "variable";
            } else if (/[_A-Za-z]/.test(c)) {
              while (i < length && isNameChar(source[i])) i += 1;
              kind = "name";
            } else if (/[-0-9]/.test(c)) {
              i += 1;
              while (i < length && /[0-9.eE+-]/.test(source[i])) i += 1;
              kind = "number";
            } else if (source.startsWith("...", i)) {
              i += 3;
              kind = "punct";
            } else if ("{}()[]:=!@|&,".includes(c)) {
              i += 1;
              kind = "punct";
            } else {
              i += 1;
              kind = "invalid";
            }
            tokens.push({ kind, text: source.slice(start, i), start, end: i });
          }
          return tokens;
        }

        // The named type at the bottom of a type reference (through NON_NULL and LIST).
        function namedType(ref) {
          while (ref && ref.ofType) ref = ref.ofType;
          return ref ? ref.name : null;
        }

        // A type reference as GraphQL writes it: [Int!]!
        function typeString(ref) {
          if (!ref) return "?";
          if (ref.kind === "NON_NULL") return `${typeString(ref.ofType)}!`;
          if (ref.kind === "LIST") return `[${typeString(ref.ofType)}]`;
          return ref.name;
        }

        function schemaType(name) { return schema && name ? schema.types.get(name) || null : null; }

        // The fields of a type that selections may use, by name, __typename included.
        function fieldsOf(typeName) {
          const type = schemaType(typeName);
          if (!type || !type.fields) return null;
          const fields = new Map(type.fields.map((field) => [field.name, field]));
          fields.set("__typename", { name: "__typename", args: [], type: { kind: "NON_NULL", ofType: { kind: "SCALAR", name: "String" } },
            description: "The name of the object's type." });
          return fields;
        }

        // Walks the tokens once, giving each a role (keyword, def, field, alias, arg, var, const, type, directive,
        // string, number, comment, punct, invalid; `unknown` when the schema has no such field or argument) and
        // tracking where it is: the stack of selection sets ({kind: "selection", type}), argument lists
        // ({kind: "args", field}), variable definitions and literal values. Returns that final state, which is
        // what completion needs at the caret.
        function analyze(tokens) {
          const stack = [];
          let operationRoot = null;   // root type name of the definition being read
          let fragmentType = null;    // type condition waiting for its `{`
          let previous = null;        // previous significant token (commas and comments skipped)
          let expect = null;          // what the next name is: "def", "on", "type", "directive", "fragment"
          let lastField = null;       // field of the selection set whose `(` or `{` may follow
          const significant = tokens.filter((token) => token.kind !== "comment" && token.text !== ",");
          let index = 0;
          for (const token of tokens) {
            if (token.kind === "comment") { token.role = "comment"; continue; }
            if (token.text === ",") { token.role = "punct"; continue; }
            const next = significant[index + 1];
            index += 1;
            const top = stack[stack.length - 1];
            token.role = token.kind === "variable" ? "var" : token.kind;
            if (token.kind === "name") {
              if (expect === "directive") { token.role = "directive"; expect = null; }
              else if (expect === "type") { token.role = "type"; fragmentType = token.text; expect = null; }
              else if (expect === "on" && token.text === "on") { token.role = "keyword"; expect = "type"; }
              else if (expect === "def") { token.role = "def"; expect = top ? null : "on"; }
              else if (expect === "fragment") {
                if (token.text === "on") { token.role = "keyword"; expect = "type"; } else { token.role = "def"; expect = null; }
              } else if (!top) {
                if (["query", "mutation", "subscription"].includes(token.text)) {
                  token.role = "keyword";
                  operationRoot = schema ? schema[token.text] : null;
                  fragmentType = null;
                  expect = "def";
                } else if (token.text === "fragment") {
                  token.role = "keyword";
                  operationRoot = null;
                  expect = "def";
                } else {
                  token.role = "invalid";
                }
              } else if (top.kind === "selection") {
                expect = null;
                if (next && next.text === ":") {
                  token.role = "alias";
                } else {
                  token.role = "field";
                  lastField = { parent: top.type, name: token.text };
                  const fields = fieldsOf(top.type);
                  if (fields && !fields.has(token.text) && !(token.text.startsWith("__") && top.type === schema.query)) token.unknown = true;
                }
              } else if (top.kind === "vardefs") {
                token.role = previous && (previous.text === "=" || top.inDefault) ? "const" : "type";
              } else if (top.kind === "args" || top.kind === "object") {
                if (previous && previous.text === ":") {
                  token.role = "const";
                } else {
                  token.role = "arg";
                  if (top.kind === "args") {
                    top.used.add(token.text);
                    if (top.field && !top.field.args.some((arg) => arg.name === token.text)) token.unknown = true;
                  }
                }
              } else {
                token.role = "const";
              }
            } else if (token.kind === "punct") {
              token.role = "punct";
              const text = token.text;
              if (text === "...") { expect = "fragment"; }
              else if (text === "@") { expect = "directive"; }
              else if (text === "{") {
                if (!top) {
                  stack.push({ kind: "selection", type: fragmentType || operationRoot || (schema ? schema.query : null) });
                } else if (top.kind === "selection") {
                  let type = null;
                  if (fragmentType) type = fragmentType;
                  else if (lastField && previous && (previous.role === "field" || previous.text === ")")) {
                    const field = (fieldsOf(lastField.parent) || new Map()).get(lastField.name);
                    type = field ? namedType(field.type) : null;
                  }
                  stack.push({ kind: "selection", type });
                } else {
                  stack.push({ kind: "object" });
                }
                fragmentType = null;
                expect = null;
              } else if (text === "(") {
                expect = null;
                if (!top) stack.push({ kind: "vardefs" });
                else if (top.kind === "selection" && previous && previous.role === "field") {
                  const field = (fieldsOf(lastField.parent) || new Map()).get(lastField.name) || null;
                  stack.push({ kind: "args", field, used: new Set() });
                } else stack.push({ kind: "args", field: null, used: new Set() });
              } else if (text === "[") {
                if (top && top.kind !== "selection") stack.push({ kind: "list" });
              } else if (text === "}" || text === ")" || text === "]") {
                if (top && !(text === "]" && top.kind !== "list")) stack.pop();
                if (stack.length === 0) { operationRoot = null; fragmentType = null; }
                expect = null;
              } else if (text === "=" && top && top.kind === "vardefs") {
                top.inDefault = true;
              } else if (text === ":" && top && top.kind === "vardefs") {
                top.inDefault = false;
              }
            }
            if (token.kind === "variable" && top && top.kind === "vardefs") top.inDefault = false;
            previous = token;
          }
          return { stack, previous, expect };
        }

        // ---- Highlighting ----

        function escapeHTML(text) {
          return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
        }

        function highlight() {
          const source = $("query").value;
          const tokens = tokenize(source);
          analyze(tokens);
          let html = "";
          let at = 0;
          for (const token of tokens) {
            html += escapeHTML(source.slice(at, token.start));
            const classes = `tok-${token.role}${token.unknown ? " tok-unknown" : ""}`;
            const title = token.unknown ? ` title="not in the schema"` : "";
            html += `<span class="${classes}"${title}>${escapeHTML(token.text)}</span>`;
            at = token.end;
          }
          // The trailing newline keeps a last empty line as tall as in the textarea.
          $("highlight").innerHTML = `${html}${escapeHTML(source.slice(at))}\n`;
          syncScroll();
        }

        function syncScroll() {
          $("highlight").scrollTop = $("query").scrollTop;
          $("highlight").scrollLeft = $("query").scrollLeft;
        }

        // ---- Completion ----

        // What may be typed at the caret: { from, prefix, items: [{ label, detail, doc, insert }] }.
        function completionsAt(source, caret) {
          const tokens = tokenize(source.slice(0, caret));
          let last = tokens[tokens.length - 1];
          let prefix = "";
          let from = caret;
          if (last && last.end === caret) {
            if (last.kind === "name") {
              prefix = last.text;
              from = last.start;
              tokens.pop();
            } else if (last.kind === "comment" || last.kind === "variable" || last.kind === "number" ||
              (last.kind === "string" && (last.text.length < 2 || !last.text.endsWith('"')))) {
              return { from, prefix, items: [] };
            }
          }
          const { stack, previous, expect } = analyze(tokens);
          const top = stack[stack.length - 1];
          let items = [];
          if (!top) {
            if (!previous || previous.text === "}") {
              items = ["query", "mutation", "subscription", "fragment"].map((label) => ({ label, detail: "keyword", insert: label }));
            }
          } else if (expect === "directive") {
            items = [{ label: "include", detail: "@include(if: Boolean!)", insert: "include(if: " },
              { label: "skip", detail: "@skip(if: Boolean!)", insert: "skip(if: " }];
          } else if (expect === "fragment") {
            items = [{ label: "on", detail: "type condition", insert: "on " }];
          } else if (expect === "type") {
            items = [];
          } else if (top.kind === "selection") {
            const fields = fieldsOf(top.type);
            if (fields) {
              items = [...fields.values()].map((field) => ({
                label: field.name, detail: typeString(field.type), doc: field.description || "", insert: field.name,
              }));
            }
          } else if (top.kind === "args" && top.field) {
            if (previous && previous.text === ":") {
              // An argument's value: the constants of its enum or Boolean type.
              const argName = [...top.used].pop();
              const arg = top.field.args.find((candidate) => candidate.name === argName);
              const type = arg ? schemaType(namedType(arg.type)) : null;
              if (type && type.kind === "ENUM") {
                items = type.enumValues.map((value) => ({ label: value.name, detail: type.name, doc: value.description || "", insert: value.name }));
              } else if (type && type.name === "Boolean") {
                items = ["true", "false"].map((label) => ({ label, detail: "Boolean", insert: label }));
              }
            } else {
              items = top.field.args.filter((arg) => !top.used.has(arg.name)).map((arg) => ({
                label: arg.name,
                detail: typeString(arg.type) + (arg.defaultValue != null ? ` = ${arg.defaultValue}` : ""),
                doc: arg.description || "",
                insert: `${arg.name}: `,
              }));
            }
          }
          const lower = prefix.toLowerCase();
          items = items.filter((item) => item.label.toLowerCase().startsWith(lower))
            .sort((a, b) => (b.label.startsWith(prefix) - a.label.startsWith(prefix)) || a.label.localeCompare(b.label));
          return { from, prefix, items };
        }

        const completion = { open: false, items: [], selected: 0, from: 0 };

        function closeCompletions() {
          completion.open = false;
          $("completions").hidden = true;
          $("completions").textContent = "";
        }

        // Where the caret is drawn, relative to the editor box (measured on a hidden copy of the text).
        function caretPoint() {
          const textarea = $("query");
          const mirror = $("editor-mirror");
          mirror.textContent = textarea.value.slice(0, textarea.selectionStart);
          const marker = document.createElement("span");
          marker.textContent = "\u200b";
          mirror.appendChild(marker);
          return { left: marker.offsetLeft - textarea.scrollLeft, top: marker.offsetTop + marker.offsetHeight - textarea.scrollTop };
        }

        // Shows what may be typed at the caret; `explicit` (Ctrl+Space) also shows it without a prefix.
        function updateCompletions(explicit) {
          const textarea = $("query");
          if (textarea.selectionStart !== textarea.selectionEnd) { closeCompletions(); return; }
          const { from, prefix, items } = completionsAt(textarea.value, textarea.selectionStart);
          const useful = items.filter((item) => item.insert !== prefix);
          if (useful.length === 0 || (!explicit && items.length === 1 && items[0].label === prefix)) { closeCompletions(); return; }
          completion.open = true;
          completion.items = useful;
          completion.from = from;
          completion.selected = 0;
          const list = $("completions");
          list.textContent = "";
          useful.forEach((item, position) => {
            const entry = document.createElement("li");
            entry.className = "completion";
            entry.setAttribute("role", "option");
            entry.dataset.label = item.label;
            if (item.doc) entry.title = item.doc;
            const label = document.createElement("span");
            label.className = "label";
            label.textContent = item.label;
            const detail = document.createElement("span");
            detail.className = "detail";
            detail.textContent = item.detail || "";
            entry.append(label, detail);
            entry.addEventListener("mousedown", (event) => { event.preventDefault(); completion.selected = position; acceptCompletion(); });
            list.appendChild(entry);
          });
          const point = caretPoint();
          list.hidden = false;
          // Kept inside the editor box, so that it never makes the page scroll sideways.
          const room = $("editor").clientWidth - list.offsetWidth;
          list.style.left = `${Math.max(0, Math.min(point.left, room))}px`;
          list.style.top = `${Math.max(0, point.top)}px`;
          markSelected();
        }

        function markSelected() {
          [...$("completions").children].forEach((entry, position) => {
            entry.classList.toggle("selected", position === completion.selected);
            entry.setAttribute("aria-selected", String(position === completion.selected));
            // Scrolls the list alone (scrollIntoView would scroll the page's panels too).
            if (position === completion.selected) {
              const list = $("completions");
              if (entry.offsetTop < list.scrollTop) list.scrollTop = entry.offsetTop;
              else if (entry.offsetTop + entry.offsetHeight > list.scrollTop + list.clientHeight) {
                list.scrollTop = entry.offsetTop + entry.offsetHeight - list.clientHeight;
              }
            }
          });
        }

        function acceptCompletion() {
          const item = completion.items[completion.selected];
          if (!item) return;
          const textarea = $("query");
          const caret = textarea.selectionStart;
          textarea.setRangeText(item.insert, completion.from, caret, "end");
          closeCompletions();
          highlight();
          textarea.focus();
        }

        function onEditorKey(event) {
          if ((event.ctrlKey || event.metaKey) && event.key === "Enter") { event.preventDefault(); closeCompletions(); run(); return; }
          if (event.ctrlKey && (event.key === " " || event.code === "Space")) { event.preventDefault(); updateCompletions(true); return; }
          if (!completion.open) return;
          if (event.key === "ArrowDown" || event.key === "ArrowUp") {
            event.preventDefault();
            const count = completion.items.length;
            completion.selected = (completion.selected + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
            markSelected();
          } else if (event.key === "Enter" || event.key === "Tab") {
            event.preventDefault();
            acceptCompletion();
          } else if (event.key === "Escape") {
            event.preventDefault();
            closeCompletions();
          }
        }

        function onEditorInput(event) {
          highlight();
          const typed = event.data || "";
          const continues = /^[_A-Za-z0-9]$/.test(typed) && completion.open;
          const starts = /^[_A-Za-z]$/.test(typed) || typed === "(" || typed === "{" || typed === "@";
          if (continues || starts || (completion.open && event.inputType === "deleteContentBackward")) updateCompletions(false);
          else closeCompletions();
        }

        // ---- JSON editors ----

        // Checks a JSON editor as it is edited; returns the value (undefined when empty) or throws.
        // `object`: "required" rejects anything but an object, "expected" only warns.
        function checkJSON(field, object) {
          const editor = $(field);
          const report = $(`${field}-check`);
          const text = editor.value.trim();
          let value;
          let problem = null;
          let warning = null;
          if (text) {
            try {
              value = JSON.parse(text);
              const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
              if (!isObject && object === "required") problem = "must be a JSON object";
              if (!isObject && object === "expected") warning = "valid JSON, but not an object: graphql-transport-ws servers close with 4400";
            } catch (error) {
              problem = error.message;
            }
          }
          report.textContent = problem ? `✗ ${problem}` : warning ? `⚠ ${warning}` : text ? "✓ valid JSON" : "empty: none sent";
          report.className = `json-check ${problem ? "invalid" : warning ? "warn" : "ok"}`;
          editor.setAttribute("aria-invalid", String(Boolean(problem)));
          if (problem) throw new Error(`${field} is not valid: ${problem}`);
          return value;
        }

        function checkJSONQuietly(field, object) {
          try { checkJSON(field, object); } catch { /* shown next to the editor */ }
        }

        """##
}
