/// The tables a topic needs, created idempotently. `version` is recorded per topic so a later release can tell
/// which upgrades a table has had.
enum PostgresSchema {
    /// The layout these statements create.
    static let version = 1

    static func statements(for table: PostgresTable) -> [String] {
        [
            "CREATE SCHEMA IF NOT EXISTS \(PostgresTable.quote(table.schema))",
            """
            CREATE TABLE IF NOT EXISTS \(table.topicsTable) (
                topic text PRIMARY KEY,
                table_name text NOT NULL,
                next_offset bigint NOT NULL DEFAULT 0,
                schema_version integer NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(table.qualified) (
                "offset" bigint PRIMARY KEY,
                id uuid NOT NULL UNIQUE,
                type text NOT NULL,
                key text,
                tags text[] NOT NULL DEFAULT '{}',
                data json NOT NULL,
                metadata jsonb NOT NULL DEFAULT '{}',
                "timestamp" timestamptz NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS \(table.indexName("type")) ON \(table.qualified) (type, \"offset\")",
            "CREATE INDEX IF NOT EXISTS \(table.indexName("key")) ON \(table.qualified) (key, \"offset\")",
            "CREATE INDEX IF NOT EXISTS \(table.indexName("tags")) ON \(table.qualified) USING gin (tags)",
        ]
    }
}
