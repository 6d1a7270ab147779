import DatasetCatalog
internal import PostgresNIO

extension PostgresCatalogStore {
    /// How a store talks to its server.
    public enum Connections: Sendable {
        /// A pool of up to four connections, opened as statements need them: for a server
        /// that answers several requests at once (`imgeda serve`, and its change feed, which
        /// holds one connection for as long as it listens).
        case pool
        /// One connection, opened at once and used by one statement (or one transaction) at a
        /// time: for a command that sends a few statements one after another. An `imgeda
        /// search` then pays one connection's start-up (a server process, its catalog caches)
        /// and no pool machinery.
        case one
    }
}

/// The store's way to its server: a pool, or one connection taken in turns.
enum PostgresLink: Sendable {
    case pool(PostgresClient, running: Task<Void, Never>)
    case one(OneConnection)
}

/// One connection shared by a store's statements, one at a time: a transaction holds it
/// from `BEGIN` to `COMMIT`, so another task's statement never lands inside it. Statements
/// sent by the task holding the turn (a bulk load's steps, an `async let` inside it) run on
/// the connection at once, as they would on a pool's leased connection.
final class OneConnection: Sendable {
    let connection: PostgresConnection
    private let turns = Turns()

    /// The connection whose turn this task holds (child tasks inherit it).
    @TaskLocal static var holding: ObjectIdentifier?

    init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    /// Runs `body` with the connection when it is this task's turn, with the session's
    /// planner settings for an index walk (``PostgresCatalogStore/walkSettings``) off for a
    /// `walk` and on otherwise: they are session settings here, changed by
    /// one statement only when the previous turn wanted them the other way.
    func withTurn<T: Sendable>(walk: Bool = false, logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let me = ObjectIdentifier(self)
        if Self.holding == me { return try await body(connection) }
        await turns.take()
        do {
            let value = try await Self.$holding.withValue(me) {
                if await turns.walking != walk {
                    let value = walk ? "off" : "on"
                    let settings = PostgresCatalogStore.walkSettings.map { "set_config('\($0)', '\(value)', false)" }
                    try await connection.query(PostgresQuery(unsafeSQL: "SELECT " + settings.joined(separator: ", ")), logger: logger)
                    await turns.setWalking(walk)
                }
                return try await body(connection)
            }
            await turns.give()
            return value
        } catch {
            await turns.give()
            throw error
        }
    }

    /// Closes the connection.
    func close() async {
        try? await connection.close()
    }

    deinit {
        // A store dropped without close(): the connection closes on its event loop, and the
        // closure holds it until then (postgres-nio wants a connection closed before it goes).
        let connection = connection
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}

/// Turns at the connection, first come first served.
private actor Turns {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func take() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Whether the connection's session has the walk settings on.
    private(set) var walking = false

    func setWalking(_ on: Bool) {
        walking = on
    }
}
