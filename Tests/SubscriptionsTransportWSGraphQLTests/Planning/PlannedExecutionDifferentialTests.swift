import GraphQL
import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSGraphQL

/// Planned execution against GraphQLSwift's `execute`, over a corpus of operations: the encoded
/// results must be the same bytes.
///
/// GraphQLSwift runs sibling fields and list items as concurrent tasks, so when one execution reports
/// several errors their order is whatever order those tasks finished in; plans run fields in
/// document order. Such results are compared with their errors as a set (and `data` still byte for
/// byte); every other result must match exactly. For the same reason the corpus has no case where
/// several items of one list fail a non-null field at once: which failure GraphQLSwift reports then
/// depends on scheduling.
@Suite("Planned execution: differential corpus")
struct PlannedExecutionDifferentialTests {
    /// One operation of the corpus, with its variables and root value.
    struct Case: Sendable, CustomStringConvertible {
        let query: String
        var variables: [String: Map] = [:]
        var rootValue: String = "root"
        /// Whether the operation has a plan: selections of lists whose items may be null have none.
        var planned = true
        var description: String { query }
    }

    static let corpus: [Case] = [
        // Scalars, nested objects, aliases.
        Case(query: #"{ person(name: "ada") { name age color born nickname } }"#),
        Case(query: #"{ a: person(name: "ada") { n: name } b: person(name: "bob") { n: name, age } }"#),
        Case(query: #"{ person(name: "nobody") { name } }"#),
        Case(query: #"{ person(name: "ada") { bestFriend { name bestFriend { name } } } }"#),
        Case(query: #"{ person(name: "ada") { name name } }"#),
        Case(query: #"{ person(name: "ada") { ...on Person { name } name } }"#),
        // Lists: non-null items (and a null item failing its list), empty lists. Lists whose items
        // may be null are left to GraphQLSwift (no plan).
        Case(query: #"{ person(name: "ada") { scores friends { name } } }"#),
        Case(query: #"{ person(name: "bob") { scores } }"#),
        Case(query: #"{ person(name: "cy") { scores } }"#),
        Case(query: #"{ person(name: "cy") { name friends { name } } }"#),
        Case(query: #"{ person(name: "ada") { friends { friends { name } } } }"#),
        Case(query: #"{ person(name: "ada") { tags } }"#, planned: false),
        Case(query: #"{ person(name: "cy") { name matrix } }"#, planned: false),
        Case(query: #"{ people { name } }"#, planned: false),
        Case(query: #"{ person(name: "ada") { wrongType } }"#, planned: false),
        // Non-null propagation, resolver errors with paths and locations.
        Case(query: #"{ person(name: "ada") { name failing } }"#),
        Case(query: #"{ person(name: "ada") { name failingNonNull } }"#),
        Case(query: #"{ person(name: "ada") { name nullNonNull } }"#),
        Case(query: #"{ person(name: "ada") { graphQLError } }"#),
        Case(query: #"{ nonNullPerson { failingNonNull } }"#),
        Case(query: #"{ brokenPerson { name age } }"#),
        Case(query: #"{ brokenPerson { age } person(name: "bob") { name } }"#),
        Case(query: #"{ person(name: "ada") { friends { name failing } } }"#),
        Case(query: #"{ person(name: "ada") { friends { name failsForBob } } }"#),
        Case(query: #"{ person(name: "ada") { bestFriend { nullNonNull } name } }"#),
        Case(query: #"{ person(name: "ada") { failing graphQLError } }"#),
        // Fragments, inline fragments, interfaces, unions, __typename.
        Case(query: #"query { person(name: "ada") { ...Who } } fragment Who on Person { name age pet { name legs } }"#),
        Case(query: #"{ beings { __typename ... on Person { name age } ... on Pet { name legs owner { name } } } }"#),
        Case(query: #"{ beings { ...N } } fragment N on Named { name }"#),
        Case(query: #"{ named { __typename name } }"#, planned: false),
        Case(query: #"{ __typename person(name: "bob") { __typename } }"#),
        Case(query: #"{ person(name: "ada") { ...A ...A ... on Person { ...A } } } fragment A on Person { name }"#),
        Case(query: #"{ person(name: "ada") { ... on Person { ...A } ...A } } fragment A on Person { age }"#),
        // @skip and @include, literal and from variables.
        Case(query: #"{ person(name: "ada") { name @skip(if: true) age @include(if: false) color } }"#),
        Case(
            query: #"query ($s: Boolean!, $i: Boolean = true) { person(name: "ada") { name @skip(if: $s) age @include(if: $i) } }"#,
            variables: ["s": false]
        ),
        Case(
            query: #"query ($s: Boolean!) { person(name: "ada") { ... @skip(if: $s) { name } ...F @include(if: $s) } } fragment F on Person { age }"#,
            variables: ["s": true]
        ),
        // Arguments: defaults, enums, custom scalars, input objects, list coercion, variables.
        Case(query: #"{ person(name: "ada") { greeting g2: greeting(prefix: "Yo", loud: true) g3: greeting(prefix: null) } }"#),
        Case(query: #"{ echo(int: 3, float: 1.5, string: "s", list: 4, color: GREEN, instant: "T+12") }"#),
        Case(query: #"{ echo(filter: {names: ["a"]}, list: [1, 2]) }"#),
        Case(
            query: #"query ($n: String!, $f: Filter = {minAge: 10}) { person(name: $n) { name } echo(filter: $f) }"#,
            variables: ["n": "cy"]
        ),
        Case(
            query: #"query ($f: Filter) { echo(filter: $f, int: 2) }"#,
            variables: ["f": ["minAge": 1, "names": ["Ada", "Cy"]]]
        ),
        Case(
            query: #"query ($c: Color, $l: [Int], $i: Instant) { echo(color: $c, list: $l, instant: $i) }"#,
            variables: ["c": "BLUE", "l": 7, "i": "T+5"]
        ),
        Case(query: #"query ($a: Int = 4, $b: String) { variables echo(int: $a, string: $b) }"#),
        // The resolver info: parent type, path (with list indices), root value.
        Case(query: #"{ person(name: "ada") { sourceName friends { sourceName } } }"#, rootValue: "the root"),
        Case(query: #"{ beings { ... on Person { sourceName } } }"#),
    ]

    @Test(arguments: corpus) func queryMatchesGraphQLSwiftsExecute(_ testCase: Case) async throws {
        let schema = try DifferentialSchema.make()
        let document = try parse(source: Source(body: testCase.query))
        #expect(validate(schema: schema, ast: document).isEmpty)
        let reference = ExecutionResult(
            try await GraphQL.execute(
                schema: schema,
                documentAST: document,
                rootValue: testCase.rootValue,
                context: "context",
                variableValues: testCase.variables
            )
        )
        let operation = try #require(document.definitions.first as? OperationDefinition)
        let variables = try coerceVariableValues(
            schema: schema,
            definitions: operation.variableDefinitions,
            inputs: testCase.variables
        )
        let plan = try ExecutionPlan.make(schema: schema, document: document, operation: operation, variables: variables)
        #expect((plan != nil) == testCase.planned)
        guard let plan else { return }
        let planned = await plan.execute(rootValue: testCase.rootValue, context: "context")
        try expectSameResult(planned, reference.encodedJSON)
    }

    @Test func variablesThatDoNotFitFailAsInGraphQLSwift() async throws {
        let schema = try DifferentialSchema.make()
        let cases: [(String, [String: Map])] = [
            (#"query ($n: String!) { person(name: $n) { name } }"#, [:]),
            (#"query ($n: String!) { person(name: $n) { name } }"#, ["n": .null]),
            (#"query ($f: Filter) { echo(filter: $f) }"#, ["f": ["unknown": 1]]),
            (#"query ($f: Filter) { echo(filter: $f) }"#, ["f": "text"]),
            (#"query ($l: [Int]) { echo(list: $l) }"#, ["l": ["a", 2]]),
            (#"query ($c: Color) { echo(color: $c) }"#, ["c": "PURPLE"]),
            (#"query ($i: Instant) { echo(instant: $i) }"#, ["i": "yesterday"]),
        ]
        for (query, inputs) in cases {
            let document = try parse(source: Source(body: query))
            let reference = ExecutionResult(
                try await GraphQL.execute(schema: schema, documentAST: document, rootValue: (), context: (), variableValues: inputs)
            )
            let operation = try #require(document.definitions.first as? OperationDefinition)
            #expect(throws: GraphQLError.self) {
                _ = try coerceVariableValues(schema: schema, definitions: operation.variableDefinitions, inputs: inputs)
            }
            do {
                _ = try coerceVariableValues(schema: schema, definitions: operation.variableDefinitions, inputs: inputs)
            } catch let error as GraphQLError {
                try expectSameResult(ExecutionResult(GraphQLResult(errors: [error])).encodedJSON, reference.encodedJSON)
            }
        }
    }

    @Test func introspectionIsLeftToGraphQLSwift() throws {
        let schema = try DifferentialSchema.make()
        let document = try parse(source: Source(body: "{ __schema { queryType { name } } }"))
        let operation = try #require(document.definitions.first as? OperationDefinition)
        #expect(try ExecutionPlan.make(schema: schema, document: document, operation: operation, variables: [:]) == nil)
    }

    @Test func resolverInfosCanBeMadeWithThisGraphQLSwift() {
        #expect(ResolveInfoFields.isAvailable)
    }
}

/// Expects two encoded results to be the same bytes, or, when they report several errors, the same
/// `data` bytes and the same errors in any order.
func expectSameResult(_ planned: [UInt8], _ reference: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let plannedText = String(decoding: planned, as: UTF8.self)
    let referenceText = String(decoding: reference, as: UTF8.self)
    guard plannedText != referenceText else { return }
    let plannedValue = try JSONValue.parse(planned).objectValue ?? [:]
    let referenceValue = try JSONValue.parse(reference).objectValue ?? [:]
    let plannedErrors = errors(in: plannedValue)
    let referenceErrors = errors(in: referenceValue)
    guard referenceErrors.count > 1 else {
        #expect(plannedText == referenceText, sourceLocation: sourceLocation)
        return
    }
    #expect(plannedValue["data"] == referenceValue["data"], sourceLocation: sourceLocation)
    let dataOf = { (text: String) in text.range(of: #","errors":["#).map { String(text[..<$0.lowerBound]) } ?? text }
    #expect(dataOf(plannedText) == dataOf(referenceText), sourceLocation: sourceLocation)
    #expect(
        Set(plannedErrors) == Set(referenceErrors) && plannedErrors.count == referenceErrors.count,
        "errors differ: \(plannedText) vs \(referenceText)",
        sourceLocation: sourceLocation
    )
}

/// The `errors` member of an encoded result, if any.
private func errors(in result: JSONObject) -> [JSONValue] {
    guard case .array(let errors)? = result["errors"] else { return [] }
    return errors
}
