extension PlaygroundPage {
    /// The schema panel: the standard introspection query, run over the page's WebSocket like any
    /// operation, and the list of the root types' fields it yields (arguments, types, descriptions).
    /// Clicking a field puts a valid operation for it in the editor: required arguments get their
    /// default or a placeholder of their type, object results a selection of their scalar fields.
    static let schemaScript = ##"""
        const INTROSPECTION = `query IntrospectionQuery {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types {
              kind name description
              fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } }
              inputFields { ...InputValue }
              enumValues(includeDeprecated: true) { name description }
            }
          }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }
        }`;

        // Takes the introspection result's data and shows the schema.
        function useSchema(data) {
          const found = data.__schema;
          schema = {
            types: new Map(found.types.map((type) => [type.name, type])),
            query: found.queryType ? found.queryType.name : null,
            mutation: found.mutationType ? found.mutationType.name : null,
            subscription: found.subscriptionType ? found.subscriptionType.name : null,
          };
          renderSchema();
          highlight();
        }

        function renderSchema() {
          const panel = $("schema");
          panel.textContent = "";
          const filter = $("schema-filter").value.trim().toLowerCase();
          let shown = 0;
          for (const root of ["query", "mutation", "subscription"]) {
            const type = schemaType(schema[root]);
            if (!type) continue;
            const group = document.createElement("div");
            group.className = "schema-root";
            group.dataset.root = root;
            const heading = document.createElement("h2");
            heading.textContent = type.name.toLowerCase() === root ? root : `${root} (${type.name})`;
            const list = document.createElement("ul");
            for (const field of type.fields) {
              if (filter && !field.name.toLowerCase().includes(filter) && !(field.description || "").toLowerCase().includes(filter)) continue;
              list.appendChild(schemaEntry(root, field));
              shown += 1;
            }
            group.append(heading, list);
            panel.appendChild(group);
          }
          $("schema-status").textContent = filter ? `${shown} field(s) match` : "Click a field to insert an operation for it";
          $("schema-status").className = "";
        }

        function schemaEntry(root, field) {
          const entry = document.createElement("li");
          entry.className = "schema-field";
          entry.tabIndex = 0;
          entry.dataset.root = root;
          entry.dataset.field = field.name;
          entry.title = `Insert a ${root} of ${field.name} into the editor`;
          const name = document.createElement("span");
          name.className = "schema-name";
          name.textContent = field.name;
          const signature = document.createElement("span");
          signature.className = "schema-signature";
          const args = field.args.map((arg) => `${arg.name}: ${typeString(arg.type)}${arg.defaultValue != null ? ` = ${arg.defaultValue}` : ""}`);
          signature.textContent = `${args.length ? `(${args.join(", ")})` : ""}: ${typeString(field.type)}`;
          entry.append(name, signature);
          if (field.description) {
            const description = document.createElement("div");
            description.className = "schema-desc";
            description.textContent = field.description;
            entry.appendChild(description);
          }
          for (const arg of field.args.filter((arg) => arg.description)) {
            const description = document.createElement("div");
            description.className = "schema-desc schema-arg-desc";
            description.textContent = `${arg.name}: ${arg.description}`;
            entry.appendChild(description);
          }
          const returned = schemaType(namedType(field.type));
          if (returned && returned.fields) entry.appendChild(typeDetails(returned));
          const insert = () => insertOperation(root, field);
          entry.addEventListener("click", insert);
          entry.addEventListener("keydown", (event) => { if (event.key === "Enter") insert(); });
          return entry;
        }

        // The fields of an object type a root field returns, folded; opening it inserts nothing.
        function typeDetails(type) {
          const details = document.createElement("details");
          details.className = "schema-type";
          details.dataset.type = type.name;
          details.addEventListener("click", (event) => event.stopPropagation());
          details.addEventListener("keydown", (event) => event.stopPropagation());
          const summary = document.createElement("summary");
          summary.textContent = `${type.name}: ${type.fields.length} field${type.fields.length === 1 ? "" : "s"}`;
          if (type.description) summary.title = type.description;
          const list = document.createElement("ul");
          for (const inner of type.fields) {
            const item = document.createElement("li");
            item.className = "schema-type-field";
            item.dataset.field = inner.name;
            const args = inner.args.length ? `(${inner.args.map((arg) => `${arg.name}: ${typeString(arg.type)}`).join(", ")})` : "";
            item.textContent = `${inner.name}${args}: ${typeString(inner.type)}${inner.description ? ` (${inner.description})` : ""}`;
            list.appendChild(item);
          }
          details.append(summary, list);
          return details;
        }

        // A literal of the type for a required argument without a default.
        function placeholder(ref) {
          if (ref.kind === "NON_NULL") return placeholder(ref.ofType);
          if (ref.kind === "LIST") return "[]";
          const type = schemaType(ref.name);
          switch (ref.name) {
            case "Int": return "0";
            case "Float": return "0.0";
            case "Boolean": return "false";
            case "String": return '""';
            case "ID": return '"1"';
          }
          if (type && type.kind === "ENUM" && type.enumValues.length) return type.enumValues[0].name;
          if (type && type.kind === "INPUT_OBJECT") {
            const required = type.inputFields.filter((input) => input.type.kind === "NON_NULL" && input.defaultValue == null);
            return `{ ${required.map((input) => `${input.name}: ${placeholder(input.type)}`).join(", ")} }`;
          }
          return '""';
        }

        // The selection set for a field of type `ref` (empty for a scalar or enum), indented by `indent`.
        function selection(ref, indent, depth) {
          const type = schemaType(namedType(ref));
          if (!type || type.kind === "SCALAR" || type.kind === "ENUM") return "";
          const lines = [];
          if (type.fields) {
            for (const field of type.fields) {
              const needsArgs = field.args.some((arg) => arg.type.kind === "NON_NULL" && arg.defaultValue == null);
              if (needsArgs) continue;
              const inner = schemaType(namedType(field.type));
              if (inner && (inner.kind === "SCALAR" || inner.kind === "ENUM")) lines.push(`${indent}  ${field.name}`);
              else if (depth > 0) lines.push(`${indent}  ${field.name}${selection(field.type, `${indent}  `, depth - 1)}`);
            }
          }
          if (lines.length === 0) lines.push(`${indent}  __typename`);
          return ` {\n${lines.join("\n")}\n${indent}}`;
        }

        // A valid operation that selects `field` of the `root` operation type.
        function operationFor(root, field) {
          const args = field.args
            .filter((arg) => arg.defaultValue != null || arg.type.kind === "NON_NULL")
            .map((arg) => `${arg.name}: ${arg.defaultValue != null ? arg.defaultValue : placeholder(arg.type)}`);
          const argText = args.length ? `(${args.join(", ")})` : "";
          return `${root} {\n  ${field.name}${argText}${selection(field.type, "  ", 1)}\n}\n`;
        }

        function insertOperation(root, field) {
          const editor = $("query");
          editor.value = operationFor(root, field);
          editor.focus();
          editor.setSelectionRange(editor.value.length, editor.value.length);
          closeCompletions();
          highlight();
          setStatus(`Inserted a ${root} of ${field.name}: Run (Ctrl+Enter) to start it`);
        }

        // Runs the introspection query over the page's connection and shows the schema it answers.
        function loadSchema() {
          $("schema-status").textContent = "Loading the schema …";
          $("schema-status").className = "";
          let connection;
          try {
            connection = ensureConnection();
          } catch (error) {
            schemaFailed(error.message);
            return;
          }
          connection.start({ query: INTROSPECTION }, {
            next(payload) {
              if (payload && payload.data && payload.data.__schema) useSchema(payload.data);
              else schemaFailed(`introspection failed: ${JSON.stringify(payload && payload.errors)}`);
            },
            error(payload) { schemaFailed(`introspection failed: ${JSON.stringify(payload)}`); },
            complete() {},
            closed(text) { if (!schema) schemaFailed(text); },
          });
        }

        function schemaFailed(message) {
          // The next new connection asks again.
          schemaRequested = false;
          $("schema-status").textContent = `Schema not loaded: ${message}`;
          $("schema-status").className = "error";
        }

        """##
}
