import Foundation
import GraphQL

/// The schema of the differential corpus: one of each thing execution handles differently.
///
/// ```graphql
/// scalar Instant            # custom scalar: serialized as "T+<seconds>", parsed from that form
/// enum Color { RED GREEN BLUE }
/// interface Named { name: String! }
/// type Person implements Named {
///   name: String!  age: Int  color: Color  born: Instant  nickname: String
///   tags: [String]            # items may be null
///   scores: [Int!]!           # items may not
///   matrix: [[Int]]
///   friends: [Person!]
///   bestFriend: Person
///   pet: Pet
///   failing: String           # throws a Swift error
///   failingNonNull: String!   # throws a Swift error
///   nullNonNull: String!      # returns nil
///   failsForBob: String!      # throws for Bob only
///   graphQLError: String      # throws a GraphQLError with extensions
///   wrongType: [Int]          # returns a string
///   greeting(prefix: String = "Hi", loud: Boolean): String!
///   sourceName: String        # from the info: the parent type and path
/// }
/// type Pet implements Named { name: String!  owner: Person  legs: Int! }
/// union Being = Person | Pet
/// input Filter { minAge: Int = 0  names: [String!]  color: Color }
/// type Query {
///   person(name: String!): Person
///   people(filter: Filter = {minAge: 0}, limit: Int = 10): [Person]
///   beings: [Being!]!
///   named: [Named]
///   echo(int: Int, float: Float, string: String, list: [Int], color: Color, filter: Filter, instant: Instant): String
///   nonNullPerson: Person!
///   brokenPerson: Person!     # a person whose `name` resolves nil
///   variables: String         # the info's variable values
/// }
/// type Subscription { personUpdated: Person!  count(to: Int = 3): Int  beingSeen: Being }
/// ```
enum DifferentialSchema {
    struct Person: Sendable {
        let name: String
        let age: Int?
        let color: String?
        let born: Double?
        let tags: [String?]
        let scores: [Int?]
        let friends: [String]
        let bestFriend: String?
        let pet: String?
        let brokenName: Bool

        init(
            name: String,
            age: Int?,
            color: String? = nil,
            born: Double? = nil,
            tags: [String?] = [],
            scores: [Int?] = [],
            friends: [String] = [],
            bestFriend: String? = nil,
            pet: String? = nil,
            brokenName: Bool = false
        ) {
            self.name = name
            self.age = age
            self.color = color
            self.born = born
            self.tags = tags
            self.scores = scores
            self.friends = friends
            self.bestFriend = bestFriend
            self.pet = pet
            self.brokenName = brokenName
        }
    }

    struct Pet: Sendable {
        let name: String
        let owner: String?
        let legs: Int?
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let people: [String: Person] = [
        "ada": Person(
            name: "Ada",
            age: 36,
            color: "red",
            born: 1_000,
            tags: ["math", nil, "poetry"],
            scores: [3, 1, 4],
            friends: ["bob", "cy"],
            bestFriend: "bob",
            pet: "rex"
        ),
        "bob": Person(name: "Bob", age: nil, color: "blue", tags: [nil], scores: [], friends: ["ada"], pet: nil),
        "cy": Person(name: "Cy", age: 7, color: "purple", scores: [1, nil], friends: ["nobody"], bestFriend: "ada"),
    ]

    static let pets: [String: Pet] = [
        "rex": Pet(name: "Rex", owner: "ada", legs: 4),
        "tweety": Pet(name: "Tweety", owner: nil, legs: nil),
    ]

    static func make() throws -> GraphQLSchema {
        let instant = try GraphQLScalarType(
            name: "Instant",
            description: "Seconds since an epoch, written T+<seconds>.",
            serialize: { value in
                guard let seconds = value as? Double else { throw Failure(description: "not an instant: \(value)") }
                return .string("T+\(Int(seconds))")
            },
            parseValue: { value in
                guard case .string(let text) = value, text.hasPrefix("T+"), let seconds = Double(text.dropFirst(2)) else {
                    throw Failure(description: "bad instant")
                }
                return .number(Number(seconds))
            },
            parseLiteral: { literal in
                guard let text = literal as? StringValue, text.value.hasPrefix("T+"), let seconds = Double(text.value.dropFirst(2))
                else { throw Failure(description: "bad instant") }
                return .number(Number(seconds))
            }
        )
        let color = try GraphQLEnumType(
            name: "Color",
            values: [
                "RED": GraphQLEnumValue(value: "red"),
                "GREEN": GraphQLEnumValue(value: "green"),
                "BLUE": GraphQLEnumValue(value: "blue"),
            ]
        )
        let named = try GraphQLInterfaceType(
            name: "Named",
            fields: ["name": GraphQLField(type: GraphQLNonNull(GraphQLString))],
            resolveType: { value, _ in
                if value is Person { return "Person" }
                if value is Pet { return "Pet" }
                throw Failure(description: "unnamed value")
            }
        )
        let filter = try GraphQLInputObjectType(
            name: "Filter",
            fields: [
                "minAge": InputObjectField(type: GraphQLInt, defaultValue: 0),
                "names": InputObjectField(type: GraphQLList(GraphQLNonNull(GraphQLString))),
                "color": InputObjectField(type: color),
            ]
        )

        // Person and Pet refer to each other: defined with field closures.
        var personType: GraphQLObjectType!
        var petType: GraphQLObjectType!
        personType = try GraphQLObjectType(
            name: "Person",
            fields: {
                [
                    "name": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in
                        guard let person = source as? Person else { return nil }
                        return person.brokenName ? nil : person.name
                    },
                    "age": GraphQLField(type: GraphQLInt),
                    "color": GraphQLField(type: color),
                    "born": GraphQLField(type: instant),
                    "nickname": GraphQLField(type: GraphQLString) { _, _, _, _ in nil as String? },
                    "tags": GraphQLField(type: GraphQLList(GraphQLString)),
                    "scores": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLInt)))),
                    "matrix": GraphQLField(type: GraphQLList(GraphQLList(GraphQLInt))) { source, _, _, _ in
                        guard let person = source as? Person else { return nil }
                        return [person.scores, [], [person.age]]
                    },
                    "friends": GraphQLField(type: GraphQLList(GraphQLNonNull(personType))) { source, _, _, _ in
                        (source as? Person)?.friends.map { people[$0] }
                    },
                    "bestFriend": GraphQLField(type: personType) { source, _, _, _ in
                        (source as? Person)?.bestFriend.flatMap { people[$0] }
                    },
                    "pet": GraphQLField(type: petType) { source, _, _, _ in
                        (source as? Person)?.pet.flatMap { pets[$0] }
                    },
                    "failing": GraphQLField(type: GraphQLString) { source, _, _, _ in
                        throw Failure(description: "failing for \((source as? Person)?.name ?? "?")")
                    },
                    "failingNonNull": GraphQLField(type: GraphQLNonNull(GraphQLString)) { _, _, _, _ in
                        throw Failure(description: "failingNonNull")
                    },
                    "nullNonNull": GraphQLField(type: GraphQLNonNull(GraphQLString)) { _, _, _, _ in nil as String? },
                    "failsForBob": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in
                        guard let person = source as? Person, person.name != "Bob" else { throw Failure(description: "Bob fails") }
                        return person.name
                    },
                    "graphQLError": GraphQLField(type: GraphQLString) { _, _, _, _ in
                        throw GraphQLError(message: "thrown as GraphQLError", extensions: ["code": "E_THROWN"])
                    },
                    "wrongType": GraphQLField(type: GraphQLList(GraphQLInt)) { _, _, _, _ in "not a list" },
                    "greeting": GraphQLField(
                        type: GraphQLNonNull(GraphQLString),
                        args: [
                            "prefix": GraphQLArgument(type: GraphQLString, defaultValue: "Hi"),
                            "loud": GraphQLArgument(type: GraphQLBoolean),
                        ]
                    ) { source, arguments, _, _ in
                        let text = "\(arguments["prefix"].string ?? "-") \((source as? Person)?.name ?? "?")"
                        return arguments["loud"].bool == true ? text.uppercased() : text
                    },
                    "sourceName": GraphQLField(type: GraphQLString) { _, _, _, info in
                        "\(info.parentType.name).\(info.fieldName) at \(info.path.elements) root \(info.rootValue)"
                    },
                ]
            },
            interfaces: { [named] },
            isTypeOf: { value, _ in value is Person }
        )
        petType = try GraphQLObjectType(
            name: "Pet",
            fields: {
                [
                    "name": GraphQLField(type: GraphQLNonNull(GraphQLString)),
                    "owner": GraphQLField(type: personType) { source, _, _, _ in
                        (source as? Pet)?.owner.flatMap { people[$0] }
                    },
                    "legs": GraphQLField(type: GraphQLNonNull(GraphQLInt)),
                ]
            },
            interfaces: { [named] },
            isTypeOf: { value, _ in value is Pet }
        )
        let being = try GraphQLUnionType(name: "Being", types: [personType, petType])

        let query = try GraphQLObjectType(
            name: "Query",
            fields: [
                "person": GraphQLField(type: personType, args: ["name": GraphQLArgument(type: GraphQLNonNull(GraphQLString))]) {
                    _,
                    arguments,
                    _,
                    _ in
                    people[arguments["name"].string ?? ""]
                },
                "people": GraphQLField(
                    type: GraphQLList(personType),
                    args: [
                        "filter": GraphQLArgument(type: filter, defaultValue: ["minAge": 0]),
                        "limit": GraphQLArgument(type: GraphQLInt, defaultValue: 10),
                    ]
                ) { _, arguments, _, _ in
                    let minAge = arguments["filter"]["minAge"].int ?? 0
                    let names = arguments["filter"]["names"].array?.compactMap(\.string)
                    let limit = arguments["limit"].int ?? 10
                    let matching = people.keys.sorted().compactMap { people[$0] }.filter { person in
                        (person.age ?? 0) >= minAge && (names.map { $0.contains(person.name) } ?? true)
                    }
                    return Array(matching.prefix(limit)) + (limit > matching.count ? [nil] : [])
                },
                "beings": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(being)))) { _, _, _, _ in
                    [people["ada"]! as any Sendable, pets["rex"]!, pets["tweety"]!]
                },
                "named": GraphQLField(type: GraphQLList(named)) { _, _, _, _ in
                    [pets["rex"]! as any Sendable, nil, people["cy"]!, "a string"] as [(any Sendable)?]
                },
                "echo": GraphQLField(
                    type: GraphQLString,
                    args: [
                        "int": GraphQLArgument(type: GraphQLInt),
                        "float": GraphQLArgument(type: GraphQLFloat),
                        "string": GraphQLArgument(type: GraphQLString),
                        "list": GraphQLArgument(type: GraphQLList(GraphQLInt)),
                        "color": GraphQLArgument(type: color),
                        "filter": GraphQLArgument(type: filter),
                        "instant": GraphQLArgument(type: instant),
                    ]
                ) { _, arguments, _, _ in
                    "\(arguments)"
                },
                "nonNullPerson": GraphQLField(type: GraphQLNonNull(personType)) { _, _, _, _ in people["ada"] },
                "brokenPerson": GraphQLField(type: GraphQLNonNull(personType)) { _, _, _, _ in
                    Person(name: "Broken", age: 1, brokenName: true)
                },
                "variables": GraphQLField(type: GraphQLString) { _, _, _, info in
                    info.variableValues.keys.sorted().map { "\($0)=\(info.variableValues[$0]!)" }.joined(separator: ",")
                },
            ]
        )
        let subscription = try GraphQLObjectType(
            name: "Subscription",
            fields: [
                "personUpdated": GraphQLField(
                    type: GraphQLNonNull(personType),
                    resolve: { source, _, _, _ in source },
                    subscribe: { _, _, _, _ in
                        AsyncStream<Person> { continuation in
                            for name in ["ada", "bob", "cy"] { continuation.yield(people[name]!) }
                            continuation.yield(Person(name: "Broken", age: 1, brokenName: true))
                            continuation.finish()
                        }
                    }
                ),
                "count": GraphQLField(
                    type: GraphQLInt,
                    args: ["to": GraphQLArgument(type: GraphQLInt, defaultValue: 3)],
                    resolve: { source, _, _, _ in source },
                    subscribe: { _, arguments, _, _ in
                        AsyncStream<Int?> { continuation in
                            for value in 0..<(arguments["to"].int ?? 0) { continuation.yield(value % 2 == 0 ? value : nil) }
                            continuation.finish()
                        }
                    }
                ),
                "beingSeen": GraphQLField(
                    type: being,
                    resolve: { source, _, _, _ in source },
                    subscribe: { _, _, _, _ in
                        AsyncStream<any Sendable> { continuation in
                            continuation.yield(pets["rex"]!)
                            continuation.yield(people["bob"]!)
                            continuation.yield(pets["tweety"]!)
                            continuation.finish()
                        }
                    }
                ),
            ]
        )
        return try GraphQLSchema(query: query, subscription: subscription, types: [being])
    }
}
